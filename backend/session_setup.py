"""What a session is configured with, how many may run, and finding its engines (no gRPC, no asyncio)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from tolk.backend.engines.base import AsrEngine, AsrOptions, AsrStream, MtEngine, SegmentSignals
from tolk.backend.engines.pivot_mt import with_pivots
from tolk.backend.engines.registry import EngineContext
from tolk.common.dsp import SAMPLE_RATE_HZ
from tolk.common.errors import InvalidArgument, NotFound
from tolk.common.glossary import Glossary
from tolk.common.langcodes import require_pair
from tolk.common.vad import VadOptions

Encoding = Literal["linear16", "float32"]
Segmentation = Literal["server_vad", "client_vad"]


class EngineSource(Protocol):
    """What a session needs from tolk.backend.engines.registry.Registry."""

    def asr(self, spec: str | None = None) -> AsrEngine: ...

    def mt(self, spec: str | None = None) -> MtEngine: ...

    context: EngineContext


@dataclass(frozen=True)
class SessionOptions:
    """A validated session config (the servicer builds it from the wire message).

    Attributes:
        source_language: ISO 639-1 code, or None to let the engine detect it.
        target_languages: languages every final is translated into (may be empty).
        encoding / sample_rate_hz: the client's audio format (mono).
        segmentation: "server_vad" (the server segments) or "client_vad" (boundaries from the client).
        translate_to_english: recognize straight into English (engines that can).
        disable_partials: send finals and translations only.
        first_segment_id / audio_offset_s: where this stream continues a longer conversation.
        asr / mt: engine specs; empty means the server default.
        conversation: the two languages of conversation mode (backend.conversation), or None.
        channel: label echoed in finals and translations ("me", "them"; may be empty).
        glossary: terms recognition is biased towards and translation must use (None: no glossary).
    """

    source_language: str | None
    target_languages: tuple[str, ...]
    encoding: Encoding = "linear16"
    sample_rate_hz: int = SAMPLE_RATE_HZ
    segmentation: Segmentation = "server_vad"
    translate_to_english: bool = False
    disable_partials: bool = False
    first_segment_id: int = 0
    audio_offset_s: float = 0.0
    asr: str = ""
    mt: str = ""
    conversation: tuple[str, str] | None = None
    channel: str = ""
    glossary: Glossary | None = None


@dataclass(frozen=True)
class SessionLimits:
    """Server-wide knobs every session follows (from ServerConfig)."""

    max_chunk_bytes: int
    partial_interval_ms: int
    input_queue_size: int
    event_queue_size: int
    vad: VadOptions
    on_segment_rtf: Callable[[float], None] | None = None
    """Called with engine seconds per audio second when a segment closes (the real-time factor)."""
    on_segment_signals: Callable[[str, SegmentSignals], None] | None = None
    """Called with the ASR engine's name and each confidence signal a final carries."""


class SessionTracker:
    """The ids of live sessions (for logs and tests). The session limit is StreamGuard's Admission alone."""

    def __init__(self) -> None:
        self._live: set[str] = set()

    @property
    def active(self) -> int:
        return len(self._live)

    def acquire(self) -> str:
        session_id = uuid.uuid4().hex[:16]
        self._live.add(session_id)
        return session_id

    def release(self, session_id: str) -> None:
        self._live.discard(session_id)


def validate_options(options: SessionOptions, supported_rates_hz: tuple[int, ...]) -> None:
    """Raises InvalidArgument for an audio format or segment id the server cannot take."""
    if options.sample_rate_hz not in supported_rates_hz:
        rates = ", ".join(str(r) for r in supported_rates_hz)
        raise InvalidArgument(f"unsupported sample rate {options.sample_rate_hz} Hz (supported: {rates})")
    if options.first_segment_id < 0:
        raise InvalidArgument("first_segment_id must be >= 0")
    if options.audio_offset_s < 0:
        raise InvalidArgument("audio_offset_s must be >= 0")


def _check_languages(options: SessionOptions, asr: AsrEngine, mt: MtEngine | None) -> None:
    source = options.source_language
    if source is not None and source not in asr.languages:
        known = ", ".join(asr.languages)
        raise NotFound(f"ASR engine {asr.name} does not recognize language {source!r} (known: {known})")
    if mt is None:
        return
    pairs = mt.pairs()
    spoken = "en" if options.translate_to_english else source
    for target in options.target_languages:
        require_pair(pairs, spoken, target, mt.name)


@dataclass(frozen=True)
class SessionEngines:
    asr: AsrEngine
    stream: AsrStream
    mt: MtEngine | None


def resolve_engines(options: SessionOptions, registry: EngineSource) -> SessionEngines:
    """Blocking (may load a model): finds the engines, checks languages and pairs, opens the ASR stream."""
    if options.conversation is not None:
        from tolk.backend.conversation import resolve_conversation

        return resolve_conversation(options, registry)
    asr = registry.asr(options.asr or None)
    mt = with_pivots(registry.mt(options.mt or None)) if options.target_languages else None
    _check_languages(options, asr, mt)
    task: Literal["transcribe", "translate"] = "translate" if options.translate_to_english else "transcribe"
    stream = asr.open_stream(
        AsrOptions(language=options.source_language, task=task, glossary=options.glossary)
    )
    return SessionEngines(asr, stream, mt)
