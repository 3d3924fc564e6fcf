"""Word error rate on hand-computed cases."""

from __future__ import annotations

import pytest

from tolk.models.metrics import corpus_wer, edit_distance, normalize_words, wer, word_errors


def test_normalization_lowercases_and_strips_punctuation() -> None:
    assert normalize_words("Mr. Dashwood, don't GO!  “Now”") == ["mr", "dashwood", "don't", "go", "now"]
    assert normalize_words("Él está aquí.") == ["él", "está", "aquí"]
    assert normalize_words(" -- ... ") == []


@pytest.mark.parametrize(
    ("reference", "hypothesis", "distance"),
    [
        ([], [], 0),
        (["a"], [], 1),
        ([], ["a", "b"], 2),
        (["a", "b", "c"], ["a", "b", "c"], 0),
        (["a", "b", "c"], ["a", "x", "c"], 1),  # one substitution
        (["a", "b", "c"], ["a", "c"], 1),  # one deletion
        (["a", "b", "c"], ["a", "b", "x", "c"], 1),  # one insertion
        (["a", "b", "c", "d"], ["b", "c", "d", "e"], 2),  # delete a, insert e
        (["k", "i", "t", "t", "e", "n"], ["s", "i", "t", "t", "i", "n", "g"], 3),
    ],
)
def test_edit_distance(reference: list[str], hypothesis: list[str], distance: int) -> None:
    assert edit_distance(reference, hypothesis) == distance
    assert edit_distance(hypothesis, reference) == distance


def test_wer_of_one_utterance() -> None:
    assert wer("He was not an ill disposed young man", "he was not an illness those young man") == 2 / 8
    assert wer("The cat sat.", "the cat sat") == 0.0
    assert wer("the cat", "the cat sat on the mat") == 2.0  # four insertions over two words
    assert wer("", "") == 0.0
    assert word_errors("one two three", "one three").errors == 1


def test_corpus_wer_pools_edits_over_reference_words() -> None:
    pairs = [("a b c d", "a b c d"), ("e f", "x f")]  # 1 error over 6 words, not mean(0, 0.5)
    assert corpus_wer(pairs) == pytest.approx(1 / 6)
    assert corpus_wer([]) == 0.0
