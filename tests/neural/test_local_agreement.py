from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tolk.backend.engines.local_agreement import HypothesisBuffer, normalize

pytestmark = pytest.mark.neural


def feed(buffer: HypothesisBuffer, text: str) -> list[str]:
    buffer.insert(text.split())
    return buffer.flush()


@pytest.mark.parametrize(
    ("hypotheses", "committed", "tail"),
    [
        (["a b c"], [], ["a", "b", "c"]),
        (["a b c", "a b d"], ["a", "b"], ["d"]),
        (["a b", "a b c", "a b c d"], ["a", "b", "c"], ["d"]),
        (["x y", "a b", "a b c"], ["a", "b"], ["c"]),
        (["a b c", "A, b. c d"], ["A,", "b.", "c"], ["d"]),
        (["a b c", "a b c", "z z z z"], ["a", "b", "c"], ["z"]),
    ],
)
def test_commits_what_two_consecutive_hypotheses_agree_on(
    hypotheses: list[str], committed: list[str], tail: list[str]
) -> None:
    buffer = HypothesisBuffer()
    for text in hypotheses:
        feed(buffer, text)
    assert buffer.committed == committed
    assert buffer.complete() == tail


def test_rephrased_committed_words_are_found_by_their_last_words() -> None:
    buffer = HypothesisBuffer()
    feed(buffer, "one two three four")
    feed(buffer, "one two three four five")
    assert buffer.committed == ["one", "two", "three", "four"]
    # the decoder dropped a committed word: alignment by the committed tail keeps "six" as new
    assert buffer.strip_committed(["two", "three", "four", "six"]) == ["six"]


def test_normalize_ignores_case_and_punctuation() -> None:
    assert normalize("Hello,") == normalize("hello") == "hello"


def contains(sequence: list[str], part: list[str]) -> bool:
    return any(sequence[i : i + len(part)] == part for i in range(len(sequence) - len(part) + 1))


words = st.sampled_from(["a", "b", "c", "d", "the", "The,"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(words, max_size=8), max_size=12))
def test_committed_words_never_change(hypotheses: list[list[str]]) -> None:
    buffer = HypothesisBuffer()
    before: list[str] = []
    previous: list[str] | None = None
    for words_now in hypotheses:
        buffer.insert(words_now)
        new = buffer.flush()
        assert buffer.committed[: len(before)] == before  # append-only
        assert buffer.committed == before + new
        if new:  # every committed word was in the previous hypothesis too (agreement of two)
            assert previous is not None
            assert contains([normalize(w) for w in previous], [normalize(w) for w in new])
            assert contains([normalize(w) for w in words_now], [normalize(w) for w in new])
        before = list(buffer.committed)
        previous = words_now
