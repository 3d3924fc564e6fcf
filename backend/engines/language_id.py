"""Spoken-language identification restricted to the languages of a conversation.

Whisper's language detector scores ~100 languages on the first 30 s of a segment. In a conversation
between two people only two answers make sense, so the choice is the likelier of the two: a Spanish turn
that Whisper finds slightly more Portuguese- or Galician-sounding is still Spanish here. The model call is
faster-whisper's `WhisperModel.detect_language`; choosing among the pair is a plain function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tolk.common.dsp import SAMPLE_RATE_HZ, Samples
from tolk.common.errors import InvalidArgument

MIN_DETECT_S = 0.2
"""Shorter audio is padded with silence to this length before detection (Whisper needs a few frames)."""


@dataclass(frozen=True)
class LanguageGuess:
    """The identified language of one segment.

    Attributes:
        language: the chosen ISO 639-1 code (one of the pair).
        probability: its probability renormalized over the pair (0.5-1.0).
        unrestricted: what Whisper would have said among all its languages.
    """

    language: str
    probability: float
    unrestricted: str


def choose_language(probabilities: Sequence[tuple[str, float]], pair: tuple[str, str]) -> LanguageGuess:
    """The likelier language of `pair` given Whisper's (code, probability) list for all languages."""
    if not probabilities:
        raise InvalidArgument("no language probabilities to choose from")
    scores = dict(probabilities)
    first, second = (scores.get(code, 0.0) for code in pair)
    total = first + second
    language, score = (pair[0], first) if first >= second else (pair[1], second)
    unrestricted = max(probabilities, key=lambda item: item[1])[0]
    return LanguageGuess(language, score / total if total > 0 else 0.5, unrestricted)


def identify(model: Any, audio: Samples, pair: tuple[str, str]) -> LanguageGuess:
    """Identifies the language of `audio` (16 kHz mono) among `pair` with a faster-whisper WhisperModel."""
    minimum = int(MIN_DETECT_S * SAMPLE_RATE_HZ)
    if len(audio) < minimum:
        audio = _pad(audio, minimum)
    _, _, probabilities = model.detect_language(audio)
    return choose_language(probabilities, pair)


def _pad(audio: Samples, length: int) -> Samples:
    import numpy as np

    out = np.zeros(length, dtype=np.float32)
    out[: len(audio)] = audio
    return out
