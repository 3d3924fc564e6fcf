"""Evaluation metrics for recognized and translated text.

Word error rate (WER) compares a hypothesis with a reference after the same normalization on both sides:
lowercase, punctuation stripped (apostrophes inside words are kept: "don't"), whitespace collapsed.
WER = (substitutions + deletions + insertions) / reference words, from a Levenshtein alignment of words.
Corpus WER sums the edits and reference words over all utterances (not the mean of per-utterance WERs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def normalize_words(text: str) -> list[str]:
    """The words of `text`, lowercased, without punctuation (keeps word-internal apostrophes)."""
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    return _WORD.findall(folded)


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance between two token sequences (unit cost substitution/deletion/insertion)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_token in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_token in enumerate(hypothesis, start=1):
            substitution = previous[j - 1] + (ref_token != hyp_token)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class WerResult:
    """Word errors of one or more utterances.

    Attributes:
        errors: substitutions + deletions + insertions.
        reference_words: number of normalized reference words.
    """

    errors: int
    reference_words: int

    @property
    def wer(self) -> float:
        """errors / reference words; 0.0 for an empty reference and hypothesis, 1.0 per extra word."""
        if self.reference_words == 0:
            return float(self.errors)
        return self.errors / self.reference_words


def word_errors(reference: str, hypothesis: str) -> WerResult:
    """Edit counts of one utterance after normalization."""
    ref = normalize_words(reference)
    return WerResult(edit_distance(ref, normalize_words(hypothesis)), len(ref))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of one utterance (can exceed 1.0 when the hypothesis inserts many words)."""
    return word_errors(reference, hypothesis).wer


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> float:
    """Word error rate over (reference, hypothesis) pairs: total edits / total reference words."""
    errors = 0
    words = 0
    for reference, hypothesis in pairs:
        result = word_errors(reference, hypothesis)
        errors += result.errors
        words += result.reference_words
    return WerResult(errors, words).wer
