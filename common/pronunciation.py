"""A scored reading: per-word and per-phone pronunciation scores.

The backend's scorer (tolk.backend.pronounce) produces these, the Pronounce RPC carries them, and the app
(tolk.app.core.pronunciation) renders them; one set of types for all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

WordStatus = Literal["ok", "weak", "missing", "substituted"]
WORD_STATUSES: tuple[WordStatus, ...] = get_args(WordStatus)


def word_status(value: str) -> WordStatus:
    """`value` as a WordStatus; ValueError for anything else (a newer server's status, a typo)."""
    for status in WORD_STATUSES:
        if value == status:
            return status
    raise ValueError(f"unknown word status {value!r} (expected one of {', '.join(WORD_STATUSES)})")


@dataclass(frozen=True)
class PhoneScore:
    """One expected phone.

    Attributes:
        phone: ARPAbet symbol (CMUdict).
        start_s: where the alignment placed it.
        duration_s: its aligned length.
        score: 0-100 (100: nothing the model can find fits these frames better).
        gop: goodness of pronunciation per frame, log_1.0001 units (<= 0).
        heard: the phone the free phone loop heard over most of these frames.
    """

    phone: str
    start_s: float
    duration_s: float
    score: int
    gop: float
    heard: str


@dataclass(frozen=True)
class WordScore:
    """One word of the target text, in reading order.

    Attributes:
        word: the word as aligned (lower case).
        score: 0-100, the frame-weighted mean of its phones' scores.
        status: ok, weak, missing (nothing said there) or substituted (something else said).
        start_s / duration_s: where the alignment placed it.
        phones: its expected phones in order.
    """

    word: str
    score: int
    status: WordStatus
    start_s: float
    duration_s: float
    phones: tuple[PhoneScore, ...]


@dataclass(frozen=True)
class ExtraSpeech:
    """Speech heard where the target text has no word (an inserted word or a restart)."""

    start_s: float
    duration_s: float
    phones: tuple[str, ...]


@dataclass(frozen=True)
class PronunciationResult:
    """The scored reading: `score` is the frame-weighted mean of the words' scores."""

    text: str
    score: int
    words: tuple[WordScore, ...]
    extra: tuple[ExtraSpeech, ...] = field(default=())

    @property
    def to_practice(self) -> list[WordScore]:
        """The words to work on, worst first."""
        return sorted((w for w in self.words if w.status != "ok"), key=lambda w: w.score)
