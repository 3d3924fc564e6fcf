"""LocalAgreement-2 commit policy for re-decoded streaming hypotheses (after ufal/whisper_streaming).

The recognizer re-decodes the growing segment and hands every new hypothesis (a word list covering the
whole segment) to `HypothesisBuffer.insert`. A word is committed once two consecutive hypotheses agree on
it (and on every word before it). Committed words are only ever appended, never rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_NGRAM_WORDS = 5
_PUNCT = re.compile(r"[^\w']+")


def normalize(word: str) -> str:
    """The comparison key of a word: lower case, punctuation stripped."""
    return _PUNCT.sub("", word.lower())


def _same(a: list[str], b: list[str]) -> bool:
    return [normalize(w) for w in a] == [normalize(w) for w in b]


@dataclass
class HypothesisBuffer:
    """Commits the longest prefix on which the last two hypotheses agree.

    Attributes:
        committed: words committed so far in this segment (append-only).
        tail: the previous hypothesis beyond the committed words (not yet confirmed).
    """

    committed: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    _new: list[str] = field(default_factory=list, repr=False)

    def insert(self, words: list[str]) -> None:
        """Takes a new full-segment hypothesis; keeps the part beyond the committed words."""
        self._new = self.strip_committed(words)

    def flush(self) -> list[str]:
        """Commits the agreed prefix of the previous and the new hypothesis; returns the new words."""
        new = self._new
        agreed: list[str] = []
        for old_word, new_word in zip(self.tail, new, strict=False):
            if normalize(old_word) != normalize(new_word):
                break
            agreed.append(new_word)
        self.committed.extend(agreed)
        self.tail = new[len(agreed) :]
        self._new = []
        return agreed

    def complete(self) -> list[str]:
        """The unconfirmed tail of the latest hypothesis."""
        return list(self.tail)

    def strip_committed(self, words: list[str]) -> list[str]:
        """The part of a full-segment hypothesis that lies beyond the committed words.

        The hypothesis normally repeats the committed words; when the decoder rephrased them, the end of
        the committed text (up to MAX_NGRAM_WORDS words) is looked for near the expected place instead.
        """
        done = len(self.committed)
        if done == 0:
            return list(words)
        if _same(words[:done], self.committed):
            return list(words[done:])
        for n in range(min(MAX_NGRAM_WORDS, done), 0, -1):
            tail = self.committed[-n:]
            for end in range(min(len(words), done + n), n - 1, -1):
                if _same(words[end - n : end], tail):
                    return list(words[end:])
        return list(words[done:])

    def reset(self) -> None:
        self.committed.clear()
        self.tail.clear()
        self._new = []
