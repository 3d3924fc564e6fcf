"""The `conversation` ASR family: a Whisper checkpoint from the store, run with faster-whisper, that
identifies each segment's language among the two languages of a conversation before transcribing it.

A turn of a conversation is short and spoken by one person, so a stream keeps the segment's audio and
decodes it once, at the end: `finalize()` picks the language with `language_id.identify` (restricted to the
pair, a per-segment choice) and transcribes in that language. `partial()` reports no text (the language
of a turn is only known once it is heard), so conversation clients ask for finals only.

Spec: "conversation:NAME" with NAME a Whisper entry of the model store (CTranslate2 layout).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from tolk.backend.engines import neural_common
from tolk.backend.engines.base import AsrOptions, Hypothesis
from tolk.backend.engines.language_id import LanguageGuess, identify
from tolk.backend.engines.registry import EngineContext, EngineInfo
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples
from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound

FAMILY = "conversation"
WHISPER_FAMILY = "whisper"
MIN_SEGMENT_S = 0.3
MAX_SEGMENT_S = 30.0
BEAM_SIZE = 1


@dataclass
class ConversationEngine:
    """A loaded faster-whisper model shared by all conversation sessions (CTranslate2 is thread-safe)."""

    name: str
    description: str
    model: Any

    @property
    def languages(self) -> tuple[str, ...]:
        return whisper_languages()

    def open_stream(self, options: AsrOptions) -> ConversationStream:
        """A stream in one language (options.language) or, with None, Whisper's own detection."""
        if options.language is not None and options.language not in self.languages:
            raise NotFound(f"{self.name} does not recognize language {options.language!r}")
        pair = (options.language, options.language) if options.language else None
        return ConversationStream(self, pair, options.task)

    def open_pair_stream(self, pair: tuple[str, str]) -> ConversationStream:
        """A stream whose every segment is identified as one of `pair`, then transcribed in it."""
        unknown = [code for code in pair if code not in self.languages]
        if unknown:
            raise NotFound(f"{self.name} does not recognize language {unknown[0]!r}")
        return ConversationStream(self, pair, "transcribe")

    def identify(self, audio: Samples, pair: tuple[str, str]) -> LanguageGuess:
        return identify(self.model, audio, pair)

    def transcribe(self, audio: Samples, language: str | None, task: str) -> tuple[str, str]:
        """The text of one segment and its language (given, or Whisper's detection when None)."""
        segments, info = self.model.transcribe(
            audio,
            language=language,
            task=task,
            beam_size=BEAM_SIZE,
            vad_filter=False,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        text = " ".join(segment.text.strip() for segment in segments)
        return " ".join(text.split()), language or info.language

    def close(self) -> None:
        self.model = None


class ConversationStream:
    """One session's recognizer: keeps the open segment's audio, decodes it once when it closes."""

    def __init__(self, engine: ConversationEngine, pair: tuple[str, str] | None, task: str) -> None:
        self.engine = engine
        self.pair = pair
        self.task = task
        self._chunks: list[Samples] = []
        self._samples = 0
        self._lock = threading.Lock()
        self._given: str | None = None
        self.last_guess: LanguageGuess | None = None

    def set_segment_language(self, language: str) -> None:
        """The open segment is in `language` (push-to-talk): it is transcribed in it, not identified."""
        if language not in self.engine.languages:
            raise NotFound(f"{self.engine.name} does not recognize language {language!r}")
        self._given = language

    def accept(self, samples: Samples) -> None:
        if samples.ndim != 1:
            raise InvalidArgument("the conversation recognizer expects mono audio")
        room = int(MAX_SEGMENT_S * SAMPLE_RATE_HZ) - self._samples
        if room > 0:  # Whisper hears 30 s at most; a longer turn keeps its first 30 s
            kept = samples[:room].astype(np.float32, copy=False)
            self._chunks.append(kept)
            self._samples += len(kept)

    def partial(self) -> Hypothesis:
        return Hypothesis("", "", "")

    def finalize(self) -> Hypothesis:
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.float32)
        given, self._given = self._given, None
        self._chunks, self._samples = [], 0
        if len(audio) < MIN_SEGMENT_S * SAMPLE_RATE_HZ:
            return Hypothesis("", "", given or (self.pair[0] if self.pair else ""))
        language = given or (self.pair[0] if self.pair else None)
        if given is None and self.pair is not None and self.pair[0] != self.pair[1]:
            self.last_guess = self.engine.identify(audio, self.pair)
            language = self.last_guess.language
        text, language = self.engine.transcribe(audio, language, self.task)
        return Hypothesis(text, "", language)

    def close(self) -> None:
        self._chunks, self._samples = [], 0


def whisper_languages() -> tuple[str, ...]:
    """The languages Whisper recognizes (faster-whisper's table)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


def probe() -> str | None:
    return neural_common.probe(("faster_whisper", "ctranslate2"))


def describe(context: EngineContext) -> list[EngineInfo]:
    return [
        EngineInfo(
            name=f"{FAMILY}:{model.name}",
            kind="asr",
            languages=whisper_languages(),
            description=f"Whisper {model.name} via faster-whisper; each segment's language chosen "
            "between the two of a conversation",
        )
        for model in neural_common.store_models(context, WHISPER_FAMILY)
        if model.manifest.runtime == "ctranslate2"
    ]


def _first_ct2_whisper(context: EngineContext) -> str:
    models = neural_common.store_models(context, WHISPER_FAMILY)
    found = sorted(m.name for m in models if m.manifest.runtime == "ctranslate2")
    if not found:
        raise FailedPrecondition(
            "conversation mode needs a Whisper model (CTranslate2) in the model store "
            "(TOLK_MODEL_DIR); `./dev setup` installs whisper-base"
        )
    return found[0]


def load(model: str | None, context: EngineContext) -> ConversationEngine:
    from faster_whisper import WhisperModel

    stored = neural_common.open_model(context, WHISPER_FAMILY, model or _first_ct2_whisper(context))
    if stored.manifest.runtime != "ctranslate2":
        runtime = stored.manifest.runtime
        raise FailedPrecondition(f"{stored.name} is a {runtime} model; conversation needs CTranslate2")
    placement = neural_common.place(context, stored)
    if placement.device == "cpu" and context.precision == "auto":
        placement = neural_common.Placement("cpu", "int8", placement.runtime)
    kind, index = placement.ct2_device
    whisper = WhisperModel(
        str(stored.path), device=kind, device_index=index, compute_type=placement.ct2_compute_type
    )
    return ConversationEngine(
        name=f"{FAMILY}:{stored.name}",
        description=f"Whisper {stored.name} ({placement.describe()}), language per segment",
        model=whisper,
    )
