"""The two engine seams: streaming speech recognition (ASR) and batch machine translation (MT).

Every engine (pocketsphinx, Apertium, Whisper, Marian/NLLB, ...) is one module behind these Protocols.
All methods are blocking; the backend calls them from worker threads, never on the event loop. An ASR
stream is used by one session at a time; an MT engine is shared by all sessions and must be thread-safe.
Engines that batch work across sessions (a GPU model) do it inside the engine, behind these calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from tolk.common.dsp import Samples
from tolk.common.glossary import Glossary
from tolk.common.langcodes import LanguagePair

Task = Literal["transcribe", "translate"]


@dataclass(frozen=True)
class AsrOptions:
    """Options for one recognition stream.

    Attributes:
        language: ISO 639-1 code of the speech, or None to let the engine detect it.
        task: "transcribe", or "translate" to recognize straight into English (engines that can).
        glossary: terms to bias recognition towards (dictionary entries, prompts, hotwords), or None.
        candidates: with language None, the languages the speech may be in: each segment's language
            is detected among them only (conversation mode: the pair); () = any.
    """

    language: str | None = None
    task: Task = "transcribe"
    glossary: Glossary | None = None
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class SegmentSignals:
    """An engine's confidence in one decoded segment (faster-whisper's Segment fields).

    Attributes:
        avg_logprob: average token log-probability (near 0 = confident).
        no_speech_prob: probability that the audio holds no speech.
        compression_ratio: gzip ratio of the text (high = repetition loops).
    """

    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


@dataclass(frozen=True)
class Hypothesis:
    """What the recognizer believes was said in the open segment.

    Attributes:
        stable: committed text that later hypotheses of this segment never change.
        unstable: the tail that may still be rewritten.
        language: ISO 639-1 code of the recognized (given or detected) language.
        signals: per decoded segment confidence of a final (engines that report it), else empty.
    """

    stable: str
    unstable: str
    language: str
    signals: tuple[SegmentSignals, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.stable, self.unstable) if part)


class AsrStream(Protocol):
    """Recognizes one segment at a time for one session."""

    def accept(self, samples: Samples) -> None:
        """Appends 16 kHz mono float32 audio to the open segment."""

    def partial(self) -> Hypothesis:
        """Returns the current hypothesis of the open segment (engines may re-decode the buffer)."""

    def finalize(self) -> Hypothesis:
        """Closes the open segment and returns its final hypothesis; the stream is then ready for the next."""

    def close(self) -> None:
        """Frees the stream's resources."""


@runtime_checkable
class SegmentLanguageStream(Protocol):
    """An ASR stream that can be told the language of its open segment (conversation push-to-talk)."""

    def set_segment_language(self, language: str) -> None:
        """Recognizes the open segment in `language` instead of choosing it; finalize() forgets it."""


class AsrEngine(Protocol):
    """A loaded speech recognizer that opens one stream per session."""

    @property
    def name(self) -> str:
        """Engine spec, e.g. "pocketsphinx" or "whisper:base-int8"."""

    @property
    def description(self) -> str:
        """One line for humans: model, precision, device."""

    @property
    def languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes this engine recognizes."""

    def open_stream(self, options: AsrOptions) -> AsrStream:
        """Opens a stream; raises NotFound for a language the engine lacks."""

    def close(self) -> None:
        """Frees the engine's resources."""


class MtEngine(Protocol):
    """A loaded translator, shared by all sessions (thread-safe)."""

    @property
    def name(self) -> str:
        """Engine spec, e.g. "apertium" or "seq2seq:opus-mt-en-es"."""

    @property
    def description(self) -> str:
        """One line for humans: model, precision, device."""

    def pairs(self) -> tuple[LanguagePair, ...]:
        """Language pairs this engine translates."""

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translates a batch; one output per input, in order. Raises NotFound for an unknown pair."""

    def close(self) -> None:
        """Frees the engine's resources (processes, models)."""
