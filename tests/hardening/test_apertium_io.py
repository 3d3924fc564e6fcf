"""Apertium I/O that cannot deadlock, hang on a trailing `^`, or answer OK with a dead stage's output.

Real processes throughout: the installed eng-spa pipeline, and a one-stage `sed` pipeline (a mode file
is any shell pipeline) where a large chunk must pass through without a translation's CPU cost.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tolk.backend.engines.apertium_mt import probe
from tolk.backend.engines.apertium_process import (
    ApertiumProcess,
    ProcessOptions,
    chunks,
    flatten,
    split_tail,
)

MODE = Path("/usr/share/apertium/modes/eng-spa.mode")
pytestmark = pytest.mark.skipif(probe() is not None or not MODE.is_file(), reason="apertium-eng-spa missing")
SPECIALS = "^$[]\\/@<>{}\0"


@pytest.fixture(scope="module")
def pipeline() -> Iterator[ApertiumProcess]:
    process = ApertiumProcess("eng-spa", MODE, ProcessOptions())
    yield process
    process.close()


def test_a_chunk_larger_than_the_pipes_passes_through(tmp_path: Path) -> None:
    """Finding 1: the old code wrote a whole chunk before reading; a reply > 64 KiB deadlocked both."""
    mode = tmp_path / "sed.mode"
    mode.write_text("sed -u 's/a/b/g'\n")
    process = ApertiumProcess("sed", mode, ProcessOptions(max_chunk_chars=10**7))
    try:
        text = "a " * 400_000  # 800 KB in, 800 KB out, one round trip
        assert process.translate(text) == flatten(text.replace("a", "b"))
        assert process.translate("a cat") == "b cbt" and process.starts == 1
    finally:
        process.close()


def test_a_trailing_caret_answers_at_once(pipeline: ApertiumProcess) -> None:
    """Finding 3: lrx-proc swallowed the NUL after a final `\\^`; the pipeline hung for the timeout."""
    starts = pipeline.starts
    assert pipeline.translate("x ^") == "x ^"
    assert pipeline.translate("the dog ^ ^") == "El perro ^ ^"
    assert pipeline.translate("^") == "^"
    assert pipeline.translate("The house is big.") == "La casa es grande."
    assert pipeline.starts == max(starts, 1)  # no timeout, no restart


def test_a_killed_stage_restarts_the_pipeline_instead_of_a_short_reply(pipeline: ApertiumProcess) -> None:
    """Finding 6: a dead stage made the rest flush and exit, which read as an empty translation, OK."""
    assert pipeline.translate("I have a red car.") == pipeline.translate("I have a red car.")
    assert pipeline.stage_pids
    starts = pipeline.starts
    os.kill(pipeline.stage_pids[6], signal.SIGKILL)  # lrx-proc; the stages after it flush and exit
    assert pipeline.translate("The house is big.") == "La casa es grande."
    assert pipeline.starts == starts + 1


def test_long_text_is_split_at_sentence_ends(pipeline: ApertiumProcess) -> None:
    text = "The house is big. " * 300  # 5,400 characters: three round trips
    pieces = chunks(flatten(text))
    assert len(pieces) == 3 and all(len(p) <= 2000 and p.endswith(".") for p in pieces)
    assert pipeline.translate(text) == " ".join(["La casa es grande."] * 300)


@pytest.mark.parametrize(
    ("text", "head", "tail"),
    [
        ("x ^", "x ", "^"),
        ("x ^ y", "x ^ y", ""),
        ("^", "", "^"),
        ("a ^.^", "a ", "^.^"),
        ("no caret", "no caret", ""),
    ],
)
def test_split_tail(text: str, head: str, tail: str) -> None:
    assert split_tail(text) == (head, tail)


words = st.sampled_from(["the", "house", "is", "big", "dog", "x", "42", "café", "Ünïcode", "日本"])
specials = st.sampled_from(list(SPECIALS))
texts = st.lists(st.one_of(words, specials, st.text(max_size=3)), max_size=12).map(" ".join) | st.text(
    max_size=40
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_any_unicode_through_the_real_pipeline(pipeline: ApertiumProcess, text: str) -> None:
    """Every special character of the stream format, and NUL, at any position: an answer, never a hang,
    never a restart; special characters that go in come out."""
    starts = pipeline.starts
    out = pipeline.translate(text)
    assert "\0" not in out
    assert pipeline.starts == max(starts, 1)
    for char in set(SPECIALS) - {"\0"}:
        assert out.count(char) >= flatten(text).count(char), (char, text, out)
