"""A scored reading as the app shows it: per-word and per-phone scores, text and JSON renderings.

These mirror the Pronounce RPC's response (the transport converts it); nothing here needs Qt or grpc.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

STATUS_MARKS = {"ok": " ", "weak": "~", "missing": "-", "substituted": "x"}


@dataclass(frozen=True)
class Phone:
    """One expected phone: ARPAbet symbol, 0-100 score, and what a free phone decode heard there."""

    phone: str
    score: int
    start_s: float
    duration_s: float
    gop: float
    heard: str


@dataclass(frozen=True)
class Word:
    """One word of the target text; status is ok, weak, missing or substituted."""

    word: str
    score: int
    status: str
    start_s: float
    duration_s: float
    phones: tuple[Phone, ...]


@dataclass(frozen=True)
class Extra:
    """Speech heard where the text has no word."""

    start_s: float
    duration_s: float
    phones: tuple[str, ...]


@dataclass(frozen=True)
class Pronunciation:
    """The whole reading: overall score and the words in reading order."""

    text: str
    score: int
    words: tuple[Word, ...]
    extra: tuple[Extra, ...] = field(default=())

    @property
    def to_practice(self) -> list[Word]:
        """The words to work on, worst first."""
        return sorted((w for w in self.words if w.status != "ok"), key=lambda w: w.score)


def to_json(result: Pronunciation) -> str:
    """One JSON object: text, score, words (word, score, status, phones, ...), extra."""
    data = asdict(result)
    return json.dumps(data, ensure_ascii=False)


def _phones_line(word: Word) -> str:
    return " ".join(
        f"{p.phone}{'' if p.score >= 60 else f'({p.heard})' if p.heard not in ('SIL', p.phone) else '(?)'}"
        for p in word.phones
    )


def to_text(result: Pronunciation) -> str:
    """A table for people: one line per word, its score bar and the phones that need work."""
    lines = [f"overall {result.score}/100  ({result.text})", ""]
    for word in result.words:
        bar = "#" * (word.score // 10)
        mark = STATUS_MARKS.get(word.status, "?")
        lines.append(
            f"{mark} {word.word:<16}{word.score:>4}  {bar:<10}  {word.status:<12}{_phones_line(word)}"
        )
    for extra in result.extra:
        lines.append(
            f"+ extra speech at {extra.start_s:.2f} s ({extra.duration_s:.2f} s): {' '.join(extra.phones)}"
        )
    practice = result.to_practice
    lines.append("")
    lines.append("practice: " + (", ".join(w.word for w in practice) if practice else "nothing, well read"))
    lines.append("legend: ~ weak, x substituted, - missing; PHONE(heard) marks a phone scored below 60")
    return "\n".join(lines) + "\n"
