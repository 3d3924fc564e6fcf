from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AudioEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIO_ENCODING_UNSPECIFIED: _ClassVar[AudioEncoding]
    LINEAR16: _ClassVar[AudioEncoding]
    FLOAT32: _ClassVar[AudioEncoding]

class Segmentation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVER_VAD: _ClassVar[Segmentation]
    CLIENT_VAD: _ClassVar[Segmentation]

class Task(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSCRIBE: _ClassVar[Task]
    TRANSLATE_TO_ENGLISH: _ClassVar[Task]
AUDIO_ENCODING_UNSPECIFIED: AudioEncoding
LINEAR16: AudioEncoding
FLOAT32: AudioEncoding
SERVER_VAD: Segmentation
CLIENT_VAD: Segmentation
TRANSCRIBE: Task
TRANSLATE_TO_ENGLISH: Task

class AudioFormat(_message.Message):
    __slots__ = ("encoding", "sample_rate_hz", "channels")
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    encoding: AudioEncoding
    sample_rate_hz: int
    channels: int
    def __init__(self, encoding: _Optional[_Union[AudioEncoding, str]] = ..., sample_rate_hz: _Optional[int] = ..., channels: _Optional[int] = ...) -> None: ...

class EnginePreference(_message.Message):
    __slots__ = ("asr", "mt")
    ASR_FIELD_NUMBER: _ClassVar[int]
    MT_FIELD_NUMBER: _ClassVar[int]
    asr: str
    mt: str
    def __init__(self, asr: _Optional[str] = ..., mt: _Optional[str] = ...) -> None: ...

class SessionConfig(_message.Message):
    __slots__ = ("source_language", "target_languages", "audio_format", "engines", "segmentation", "task", "disable_partials", "first_segment_id", "audio_offset_s", "conversation_languages", "channel", "glossary", "room", "room_listener_token")
    SOURCE_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FORMAT_FIELD_NUMBER: _ClassVar[int]
    ENGINES_FIELD_NUMBER: _ClassVar[int]
    SEGMENTATION_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DISABLE_PARTIALS_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIO_OFFSET_S_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GLOSSARY_FIELD_NUMBER: _ClassVar[int]
    ROOM_FIELD_NUMBER: _ClassVar[int]
    ROOM_LISTENER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    source_language: str
    target_languages: _containers.RepeatedScalarFieldContainer[str]
    audio_format: AudioFormat
    engines: EnginePreference
    segmentation: Segmentation
    task: Task
    disable_partials: bool
    first_segment_id: int
    audio_offset_s: float
    conversation_languages: _containers.RepeatedScalarFieldContainer[str]
    channel: str
    glossary: _containers.RepeatedCompositeFieldContainer[GlossaryTerm]
    room: str
    room_listener_token: str
    def __init__(self, source_language: _Optional[str] = ..., target_languages: _Optional[_Iterable[str]] = ..., audio_format: _Optional[_Union[AudioFormat, _Mapping]] = ..., engines: _Optional[_Union[EnginePreference, _Mapping]] = ..., segmentation: _Optional[_Union[Segmentation, str]] = ..., task: _Optional[_Union[Task, str]] = ..., disable_partials: _Optional[bool] = ..., first_segment_id: _Optional[int] = ..., audio_offset_s: _Optional[float] = ..., conversation_languages: _Optional[_Iterable[str]] = ..., channel: _Optional[str] = ..., glossary: _Optional[_Iterable[_Union[GlossaryTerm, _Mapping]]] = ..., room: _Optional[str] = ..., room_listener_token: _Optional[str] = ...) -> None: ...

class AudioChunk(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class SpeechBoundary(_message.Message):
    __slots__ = ("kind", "audio_time_s", "language")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[SpeechBoundary.Kind]
        SPEECH_START: _ClassVar[SpeechBoundary.Kind]
        SPEECH_END: _ClassVar[SpeechBoundary.Kind]
    KIND_UNSPECIFIED: SpeechBoundary.Kind
    SPEECH_START: SpeechBoundary.Kind
    SPEECH_END: SpeechBoundary.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    AUDIO_TIME_S_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    kind: SpeechBoundary.Kind
    audio_time_s: float
    language: str
    def __init__(self, kind: _Optional[_Union[SpeechBoundary.Kind, str]] = ..., audio_time_s: _Optional[float] = ..., language: _Optional[str] = ...) -> None: ...

class InterpretRequest(_message.Message):
    __slots__ = ("config", "audio", "boundary")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    BOUNDARY_FIELD_NUMBER: _ClassVar[int]
    config: SessionConfig
    audio: AudioChunk
    boundary: SpeechBoundary
    def __init__(self, config: _Optional[_Union[SessionConfig, _Mapping]] = ..., audio: _Optional[_Union[AudioChunk, _Mapping]] = ..., boundary: _Optional[_Union[SpeechBoundary, _Mapping]] = ...) -> None: ...

class SessionStarted(_message.Message):
    __slots__ = ("session_id", "asr_engine", "mt_engine")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ASR_ENGINE_FIELD_NUMBER: _ClassVar[int]
    MT_ENGINE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    asr_engine: str
    mt_engine: str
    def __init__(self, session_id: _Optional[str] = ..., asr_engine: _Optional[str] = ..., mt_engine: _Optional[str] = ...) -> None: ...

class Partial(_message.Message):
    __slots__ = ("segment_id", "stable_text", "unstable_text", "language", "audio_start_s", "audio_end_s")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    STABLE_TEXT_FIELD_NUMBER: _ClassVar[int]
    UNSTABLE_TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    AUDIO_START_S_FIELD_NUMBER: _ClassVar[int]
    AUDIO_END_S_FIELD_NUMBER: _ClassVar[int]
    segment_id: int
    stable_text: str
    unstable_text: str
    language: str
    audio_start_s: float
    audio_end_s: float
    def __init__(self, segment_id: _Optional[int] = ..., stable_text: _Optional[str] = ..., unstable_text: _Optional[str] = ..., language: _Optional[str] = ..., audio_start_s: _Optional[float] = ..., audio_end_s: _Optional[float] = ...) -> None: ...

class Final(_message.Message):
    __slots__ = ("segment_id", "text", "language", "audio_start_s", "audio_end_s", "channel")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    AUDIO_START_S_FIELD_NUMBER: _ClassVar[int]
    AUDIO_END_S_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    segment_id: int
    text: str
    language: str
    audio_start_s: float
    audio_end_s: float
    channel: str
    def __init__(self, segment_id: _Optional[int] = ..., text: _Optional[str] = ..., language: _Optional[str] = ..., audio_start_s: _Optional[float] = ..., audio_end_s: _Optional[float] = ..., channel: _Optional[str] = ...) -> None: ...

class Translation(_message.Message):
    __slots__ = ("segment_id", "source_language", "target_language", "text", "is_final", "channel", "pivot_language", "glossary_terms")
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IS_FINAL_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PIVOT_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    GLOSSARY_TERMS_FIELD_NUMBER: _ClassVar[int]
    segment_id: int
    source_language: str
    target_language: str
    text: str
    is_final: bool
    channel: str
    pivot_language: str
    glossary_terms: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, segment_id: _Optional[int] = ..., source_language: _Optional[str] = ..., target_language: _Optional[str] = ..., text: _Optional[str] = ..., is_final: _Optional[bool] = ..., channel: _Optional[str] = ..., pivot_language: _Optional[str] = ..., glossary_terms: _Optional[_Iterable[str]] = ...) -> None: ...

class InterpretResponse(_message.Message):
    __slots__ = ("started", "partial", "final", "translation")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    TRANSLATION_FIELD_NUMBER: _ClassVar[int]
    started: SessionStarted
    partial: Partial
    final: Final
    translation: Translation
    def __init__(self, started: _Optional[_Union[SessionStarted, _Mapping]] = ..., partial: _Optional[_Union[Partial, _Mapping]] = ..., final: _Optional[_Union[Final, _Mapping]] = ..., translation: _Optional[_Union[Translation, _Mapping]] = ...) -> None: ...

class TranslateTextRequest(_message.Message):
    __slots__ = ("source_language", "target_language", "texts", "engine", "glossary")
    SOURCE_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    GLOSSARY_FIELD_NUMBER: _ClassVar[int]
    source_language: str
    target_language: str
    texts: _containers.RepeatedScalarFieldContainer[str]
    engine: str
    glossary: _containers.RepeatedCompositeFieldContainer[GlossaryTerm]
    def __init__(self, source_language: _Optional[str] = ..., target_language: _Optional[str] = ..., texts: _Optional[_Iterable[str]] = ..., engine: _Optional[str] = ..., glossary: _Optional[_Iterable[_Union[GlossaryTerm, _Mapping]]] = ...) -> None: ...

class TranslateTextResponse(_message.Message):
    __slots__ = ("translations", "engine", "glossary_used")
    TRANSLATIONS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    GLOSSARY_USED_FIELD_NUMBER: _ClassVar[int]
    translations: _containers.RepeatedScalarFieldContainer[str]
    engine: str
    glossary_used: _containers.RepeatedCompositeFieldContainer[GlossaryUse]
    def __init__(self, translations: _Optional[_Iterable[str]] = ..., engine: _Optional[str] = ..., glossary_used: _Optional[_Iterable[_Union[GlossaryUse, _Mapping]]] = ...) -> None: ...

class GetCapabilitiesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LanguagePair(_message.Message):
    __slots__ = ("source", "target")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    source: str
    target: str
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ...) -> None: ...

class Engine(_message.Message):
    __slots__ = ("name", "kind", "languages", "pairs", "is_default", "description")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Engine.Kind]
        ASR: _ClassVar[Engine.Kind]
        MT: _ClassVar[Engine.Kind]
    KIND_UNSPECIFIED: Engine.Kind
    ASR: Engine.Kind
    MT: Engine.Kind
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: Engine.Kind
    languages: _containers.RepeatedScalarFieldContainer[str]
    pairs: _containers.RepeatedCompositeFieldContainer[LanguagePair]
    is_default: bool
    description: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[Engine.Kind, str]] = ..., languages: _Optional[_Iterable[str]] = ..., pairs: _Optional[_Iterable[_Union[LanguagePair, _Mapping]]] = ..., is_default: _Optional[bool] = ..., description: _Optional[str] = ...) -> None: ...

class Capabilities(_message.Message):
    __slots__ = ("engines", "sample_rates_hz", "encodings", "max_chunk_bytes", "max_segment_s", "max_stream_s", "max_translate_texts", "max_translate_text_chars", "max_translate_request_chars", "max_translate_concurrent_per_client", "max_unary_calls_per_min")
    ENGINES_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATES_HZ_FIELD_NUMBER: _ClassVar[int]
    ENCODINGS_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_SEGMENT_S_FIELD_NUMBER: _ClassVar[int]
    MAX_STREAM_S_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSLATE_TEXTS_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSLATE_TEXT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSLATE_REQUEST_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSLATE_CONCURRENT_PER_CLIENT_FIELD_NUMBER: _ClassVar[int]
    MAX_UNARY_CALLS_PER_MIN_FIELD_NUMBER: _ClassVar[int]
    engines: _containers.RepeatedCompositeFieldContainer[Engine]
    sample_rates_hz: _containers.RepeatedScalarFieldContainer[int]
    encodings: _containers.RepeatedScalarFieldContainer[AudioEncoding]
    max_chunk_bytes: int
    max_segment_s: float
    max_stream_s: float
    max_translate_texts: int
    max_translate_text_chars: int
    max_translate_request_chars: int
    max_translate_concurrent_per_client: int
    max_unary_calls_per_min: float
    def __init__(self, engines: _Optional[_Iterable[_Union[Engine, _Mapping]]] = ..., sample_rates_hz: _Optional[_Iterable[int]] = ..., encodings: _Optional[_Iterable[_Union[AudioEncoding, str]]] = ..., max_chunk_bytes: _Optional[int] = ..., max_segment_s: _Optional[float] = ..., max_stream_s: _Optional[float] = ..., max_translate_texts: _Optional[int] = ..., max_translate_text_chars: _Optional[int] = ..., max_translate_request_chars: _Optional[int] = ..., max_translate_concurrent_per_client: _Optional[int] = ..., max_unary_calls_per_min: _Optional[float] = ...) -> None: ...

class GlossaryTerm(_message.Message):
    __slots__ = ("source", "targets", "pronunciation")
    class TargetsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    PRONUNCIATION_FIELD_NUMBER: _ClassVar[int]
    source: str
    targets: _containers.ScalarMap[str, str]
    pronunciation: str
    def __init__(self, source: _Optional[str] = ..., targets: _Optional[_Mapping[str, str]] = ..., pronunciation: _Optional[str] = ...) -> None: ...

class GlossaryUse(_message.Message):
    __slots__ = ("terms",)
    TERMS_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, terms: _Optional[_Iterable[str]] = ...) -> None: ...

class PronounceRequest(_message.Message):
    __slots__ = ("text", "audio", "sample_rate_hz", "language")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    text: str
    audio: bytes
    sample_rate_hz: int
    language: str
    def __init__(self, text: _Optional[str] = ..., audio: _Optional[bytes] = ..., sample_rate_hz: _Optional[int] = ..., language: _Optional[str] = ...) -> None: ...

class PronouncedPhone(_message.Message):
    __slots__ = ("phone", "start_s", "duration_s", "score", "gop", "heard")
    PHONE_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    GOP_FIELD_NUMBER: _ClassVar[int]
    HEARD_FIELD_NUMBER: _ClassVar[int]
    phone: str
    start_s: float
    duration_s: float
    score: int
    gop: float
    heard: str
    def __init__(self, phone: _Optional[str] = ..., start_s: _Optional[float] = ..., duration_s: _Optional[float] = ..., score: _Optional[int] = ..., gop: _Optional[float] = ..., heard: _Optional[str] = ...) -> None: ...

class PronouncedWord(_message.Message):
    __slots__ = ("word", "score", "status", "start_s", "duration_s", "phones")
    WORD_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    word: str
    score: int
    status: str
    start_s: float
    duration_s: float
    phones: _containers.RepeatedCompositeFieldContainer[PronouncedPhone]
    def __init__(self, word: _Optional[str] = ..., score: _Optional[int] = ..., status: _Optional[str] = ..., start_s: _Optional[float] = ..., duration_s: _Optional[float] = ..., phones: _Optional[_Iterable[_Union[PronouncedPhone, _Mapping]]] = ...) -> None: ...

class ExtraSpeech(_message.Message):
    __slots__ = ("start_s", "duration_s", "phones")
    START_S_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    start_s: float
    duration_s: float
    phones: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, start_s: _Optional[float] = ..., duration_s: _Optional[float] = ..., phones: _Optional[_Iterable[str]] = ...) -> None: ...

class PronounceResponse(_message.Message):
    __slots__ = ("text", "score", "words", "extra")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    text: str
    score: int
    words: _containers.RepeatedCompositeFieldContainer[PronouncedWord]
    extra: _containers.RepeatedCompositeFieldContainer[ExtraSpeech]
    def __init__(self, text: _Optional[str] = ..., score: _Optional[int] = ..., words: _Optional[_Iterable[_Union[PronouncedWord, _Mapping]]] = ..., extra: _Optional[_Iterable[_Union[ExtraSpeech, _Mapping]]] = ...) -> None: ...

class ListenRequest(_message.Message):
    __slots__ = ("room", "language", "token")
    ROOM_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    room: str
    language: str
    token: str
    def __init__(self, room: _Optional[str] = ..., language: _Optional[str] = ..., token: _Optional[str] = ...) -> None: ...

class RoomCaption(_message.Message):
    __slots__ = ("seq", "segment_id", "text", "language", "is_final", "audio_start_s", "audio_end_s", "published_unix_s", "replay")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    IS_FINAL_FIELD_NUMBER: _ClassVar[int]
    AUDIO_START_S_FIELD_NUMBER: _ClassVar[int]
    AUDIO_END_S_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_UNIX_S_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    seq: int
    segment_id: int
    text: str
    language: str
    is_final: bool
    audio_start_s: float
    audio_end_s: float
    published_unix_s: float
    replay: bool
    def __init__(self, seq: _Optional[int] = ..., segment_id: _Optional[int] = ..., text: _Optional[str] = ..., language: _Optional[str] = ..., is_final: _Optional[bool] = ..., audio_start_s: _Optional[float] = ..., audio_end_s: _Optional[float] = ..., published_unix_s: _Optional[float] = ..., replay: _Optional[bool] = ...) -> None: ...

class RoomEnded(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ListenEvent(_message.Message):
    __slots__ = ("caption", "ended")
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    caption: RoomCaption
    ended: RoomEnded
    def __init__(self, caption: _Optional[_Union[RoomCaption, _Mapping]] = ..., ended: _Optional[_Union[RoomEnded, _Mapping]] = ...) -> None: ...
