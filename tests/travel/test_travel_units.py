"""Speech scheduling (no overlap, skip when late, mute while speaking), pivot routes, and choosing a
language within a pair: plain policy, tables of cases; the pivot through real Apertium pairs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest

from tolk.app.core.speech_queue import MUTE_MARGIN_S, SpeechQueue
from tolk.app.travel_cli import parse_pair
from tolk.backend.conversation import conversation_asr_spec, conversation_pair, translation_targets
from tolk.backend.engines.apertium_mt import discover_modes
from tolk.backend.engines.language_id import choose_language
from tolk.backend.engines.pivot_mt import PivotMt, pivot_language
from tolk.backend.engines.registry import EngineContext, Registry
from tolk.backend.session_setup import SessionOptions
from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound
from tolk.common.langcodes import LanguagePair
from tolk.models.store import ModelStore


def test_speech_never_overlaps_and_late_speech_is_skipped() -> None:
    queue = SpeechQueue(max_lag_s=3.0)
    first = queue.schedule("uno", "es", due_s=1.0, duration_s=4.0)
    second = queue.schedule("dos", "es", due_s=2.0, duration_s=1.0)  # waits for the first to end
    third = queue.schedule("tres", "es", due_s=2.5, duration_s=1.0)  # would start 3.5 s late: skipped
    fourth = queue.schedule("cuatro", "es", due_s=9.0, duration_s=1.0)
    assert first is not None and (first.start_s, first.end_s) == (1.0, 5.0)
    assert second is not None and (second.start_s, second.end_s) == (5.0, 6.0)
    assert third is None and queue.skipped == 1
    assert fourth is not None and fourth.start_s == 9.0
    assert queue.schedule("  ", "es", due_s=20.0, duration_s=1.0) is None


@pytest.mark.parametrize(
    ("start_s", "end_s", "ignored"),
    [
        (0.0, 0.5, False),  # before Tolk speaks
        (0.5, 1.5, True),  # runs into the utterance
        (2.0, 2.5, True),  # during
        (3.0 + MUTE_MARGIN_S / 2, 4.0, True),  # room echo just after
        (3.0 + 2 * MUTE_MARGIN_S, 5.0, False),  # after
    ],
)
def test_microphone_segments_overlapping_tolks_speech_are_ignored(
    start_s: float, end_s: float, ignored: bool
) -> None:
    queue = SpeechQueue()
    queue.schedule("hola", "es", due_s=1.0 + MUTE_MARGIN_S, duration_s=2.0 - MUTE_MARGIN_S)
    assert queue.overlaps_speech(start_s, end_s) is ignored


def test_language_is_the_likelier_of_the_pair() -> None:
    probs = [("pt", 0.5), ("gl", 0.2), ("es", 0.2), ("en", 0.1)]
    guess = choose_language(probs, ("en", "es"))
    assert (guess.language, guess.unrestricted) == ("es", "pt")
    assert guess.probability == pytest.approx(2 / 3)
    assert choose_language(probs, ("fr", "de")).language == "fr"  # neither scored: the first


def test_conversation_pairs_and_targets() -> None:
    assert conversation_pair([]) is None
    assert conversation_pair(["EN", "es"]) == ("en", "es")
    for bad in (["en"], ["en", "en"], ["en", "es", "fr"]):
        with pytest.raises(InvalidArgument):
            conversation_pair(bad)
    options = SessionOptions(None, (), conversation=("en", "es"))
    assert translation_targets(options, "es") == ("en",)
    assert translation_targets(SessionOptions("en", ("es", "fr")), "en") == ("es", "fr")
    assert parse_pair("en, ES") == ("en", "es")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_pair("en")


class _Table:
    """An MT engine that records its calls: enough to check routing, not translation."""

    name = "table"
    description = ""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._pairs = tuple(LanguagePair(s, t) for s, t in pairs)
        self.calls: list[tuple[str, str]] = []

    def pairs(self) -> tuple[LanguagePair, ...]:
        return self._pairs

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self.calls.append((source, target))
        return [f"{t}>{target}" for t in texts]

    def close(self) -> None:
        pass


def test_pivot_routes_prefer_direct_pairs_then_english() -> None:
    table = _Table([("en", "es"), ("es", "en"), ("es", "pt"), ("pt", "es"), ("en", "ca"), ("ca", "en")])
    mt = PivotMt(table)
    assert mt.route("en", "es") is None
    assert mt.route("en", "pt") == "es" and mt.route("ca", "es") == "en"
    assert mt.translate(["hi"], "en", "pt") == ["hi>es>pt"] and table.calls == [("en", "es"), ("es", "pt")]
    assert pivot_language(mt, "pt", "en") == "es" and pivot_language(mt, "en", "es") == ""
    assert LanguagePair("en", "pt") in mt.pairs()
    with pytest.raises(NotFound, match="installed: ca-en"):
        mt.route("en", "de")


@pytest.mark.skipif(
    not {"eng-spa", "es-pt"} <= {m.name for m in discover_modes()},
    reason="needs apertium-eng-spa and apertium-es-pt (./dev setup installs them)",
)
def test_english_to_portuguese_through_spanish_with_real_apertium() -> None:
    from tolk.backend.engines.apertium_mt import load
    from tolk.backend.engines.registry import EngineContext

    mt = PivotMt(load(None, EngineContext()))
    try:
        assert mt.route("en", "pt") == "es"
        (text,) = mt.translate(["The house is big."], "en", "pt")
        assert "casa" in text.lower(), text
    finally:
        mt.close()


def test_conversation_mode_picks_the_stores_whisper_or_says_what_is_missing(
    whisper_base_store: ModelStore, tmp_path: Path
) -> None:
    registry = Registry(EngineContext(model_dir=whisper_base_store.root))
    assert conversation_asr_spec("", registry) == "whisper:whisper-base"
    assert conversation_asr_spec("conversation", registry) == "whisper:whisper-base"  # the former family
    assert conversation_asr_spec("conversation:base2", registry) == "whisper:base2"
    assert conversation_asr_spec("whisper:base2", registry) == "whisper:base2"
    with pytest.raises(FailedPrecondition, match="cannot identify languages"):
        conversation_asr_spec("pocketsphinx", registry)
    with pytest.raises(FailedPrecondition, match="needs a Whisper model"):
        conversation_asr_spec("", Registry(EngineContext(model_dir=tmp_path)))
