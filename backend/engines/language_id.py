"""Spoken-language identification restricted to the languages of a conversation.

Whisper's language detector scores ~100 languages on the first 30 s of a segment. In a conversation
between two people only two answers make sense, so the choice is the likelier of the two: a Spanish turn
that Whisper finds slightly more Portuguese- or Galician-sounding is still Spanish here. The model call is
faster-whisper's `WhisperModel.detect_language` (tolk.backend.engines.whisper_runtime.language_scores,
run by the Whisper engine's scheduler); choosing among the candidates is a plain function here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def choose_language(probabilities: Sequence[tuple[str, float]], pair: Sequence[str]) -> LanguageGuess:
    """The likeliest language of `pair` (the candidates; the first wins a tie) given Whisper's
    (code, probability) list for all languages."""
    if not probabilities or not pair:
        raise InvalidArgument("no language probabilities or candidates to choose from")
    scores = dict(probabilities)
    language = max(pair, key=lambda code: scores.get(code, 0.0))  # max keeps the first of equals
    total = sum(scores.get(code, 0.0) for code in pair)
    score = scores.get(language, 0.0)
    unrestricted = max(probabilities, key=lambda item: item[1])[0]
    return LanguageGuess(language, score / total if total > 0 else 1 / len(pair), unrestricted)


def padded_for_detection(audio: Samples) -> Samples:
    """`audio` padded with silence to MIN_DETECT_S (Whisper needs a few frames)."""
    minimum = int(MIN_DETECT_S * SAMPLE_RATE_HZ)
    if len(audio) >= minimum:
        return audio
    out = np.zeros(minimum, dtype=np.float32)
    out[: len(audio)] = audio
    return out
