"""A scored reading as the app shows it: per-word and per-phone scores, text and JSON renderings.

The types are tolk.common.pronunciation's (the backend scores into them, the transport converts the
Pronounce RPC's response into them); nothing here needs Qt or grpc.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from tolk.common.pronunciation import PronunciationResult, WordScore

STATUS_MARKS = {"ok": " ", "weak": "~", "missing": "-", "substituted": "x"}


def to_json(result: PronunciationResult) -> str:
    """One JSON object: text, score, words (word, score, status, phones, ...), extra."""
    data = asdict(result)
    return json.dumps(data, ensure_ascii=False)


def _phones_line(word: WordScore) -> str:
    return " ".join(
        f"{p.phone}{'' if p.score >= 60 else f'({p.heard})' if p.heard not in ('SIL', p.phone) else '(?)'}"
        for p in word.phones
    )


def to_text(result: PronunciationResult) -> str:
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
