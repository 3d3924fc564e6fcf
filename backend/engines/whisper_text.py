"""Text guards for Whisper finals: no sentence may follow itself (decoder loops), nor a cut-off copy of it."""

from __future__ import annotations

import re

from tolk.backend.engines.local_agreement import normalize

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
MIN_REPEAT_WORDS = 3
"""A cut-off copy must be at least this long to count as a repeat ("No. No" is speech)."""


def _words(sentence: str) -> list[str]:
    return [w for w in (normalize(word) for word in sentence.split()) if w]


def _repeats(sentence: list[str], previous: list[str]) -> bool:
    if not sentence:
        return False
    if sentence == previous:
        return len(sentence) >= MIN_REPEAT_WORDS
    n = len(sentence)  # a cut-off copy: the same words, the last one possibly cut short
    if n < MIN_REPEAT_WORDS or n > len(previous):
        return False
    return previous[: n - 1] == sentence[:-1] and previous[n - 1].startswith(sentence[-1])


def drop_repeated_sentences(text: str) -> str:
    """`text` without any sentence that repeats the one before it, whole or cut off.

    "He was not ill-disposed. He was not ill-disposed." -> "He was not ill-disposed."; short repeats of
    under MIN_REPEAT_WORDS words ("No. No.") are kept: people say them.
    """
    kept: list[str] = []
    previous: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        words = _words(sentence)
        if _repeats(words, previous):
            continue
        kept.append(sentence)
        previous = words
    return " ".join(kept)
