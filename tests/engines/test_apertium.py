"""Apertium through persistent null-flush pipelines: real pairs (apertium-eng-spa), real processes."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tolk.backend.engines.apertium_mt import (
    ApertiumEngine,
    ApertiumMode,
    discover_modes,
    load,
    probe,
    select_modes,
)
from tolk.backend.engines.apertium_process import ProcessOptions, clean, escape
from tolk.backend.engines.registry import EngineContext
from tolk.common.errors import NotFound, Unavailable
from tolk.common.langcodes import LanguagePair

EN_ES = LanguagePair("en", "es")
pytestmark = pytest.mark.skipif(probe() is not None, reason=f"Apertium unusable: {probe()}")


@pytest.fixture(scope="module")
def engine() -> Iterator[ApertiumEngine]:
    eng = load(None, EngineContext())
    yield eng
    eng.close()


def test_installed_pairs_use_iso_639_1_codes(engine: ApertiumEngine) -> None:
    assert {EN_ES, LanguagePair("es", "en")} <= set(engine.pairs())
    assert "eng-spa" in engine.description


def test_english_to_spanish_and_back(engine: ApertiumEngine) -> None:
    [spanish] = engine.translate(["The house is big."], "en", "es")
    assert spanish == "La casa es grande."
    [english] = engine.translate(["La casa es grande y el perro duerme."], "es", "en")
    assert "house" in english and "dog" in english


def test_a_batch_keeps_order_and_skips_blank_inputs(engine: ApertiumEngine) -> None:
    texts = ["The dog sleeps.", "", "   ", "I have a red car.", "The house is\nbig."]
    out = engine.translate(texts, "en-US", "es")
    assert len(out) == 5
    assert "perro" in out[0] and out[1] == "" and out[2] == ""
    assert "coche" in out[3] and "rojo" in out[3]
    assert out[4] == "La casa es grande."


def test_unknown_words_lose_their_marks_and_special_characters_survive(engine: ApertiumEngine) -> None:
    [out] = engine.translate(["Xyzzy likes the car [really] a/b <x> {y} ^z$ @home"], "en", "es")
    assert "*" not in out and "Xyzzy" in out
    for literal in ("[", "]", "/b", "<x>", "{y}", "^z$"):
        assert literal in out


def test_unknown_pair_is_not_found(engine: ApertiumEngine) -> None:
    with pytest.raises(NotFound, match="en->xx"):
        engine.translate(["hello"], "en", "xx")


def test_concurrent_translations_match_sequential_ones(engine: ApertiumEngine) -> None:
    batches = [[f"I have {n} red cars.", "The dog sleeps in the house."] for n in range(2, 10)]
    expected = [engine.translate(batch, "en", "es") for batch in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda batch: engine.translate(batch, "en", "es"), batches))
    assert got == expected
    assert engine.pool("en", "es").started == 2  # the pool's size, not one process per thread


def test_a_dead_pipeline_is_restarted() -> None:
    eng = load(None, EngineContext())
    try:
        pool = eng.pool("en", "es")
        assert eng.translate(["", " "], "en", "es") == ["", ""] and pool.started == 0  # no round trip
        eng.translate(["The house is big."], "en", "es")
        process = pool.acquire()
        assert process.pid is not None
        os.killpg(process.pid, signal.SIGKILL)
        assert process.translate("The house is big.") == "La casa es grande."
        assert process.starts == 2
        pool.release(process)
    finally:
        eng.close()


def test_a_stuck_pipeline_times_out_instead_of_hanging() -> None:
    modes = select_modes(discover_modes(), None)
    eng = ApertiumEngine({EN_ES: modes[EN_ES]}, ProcessOptions(response_timeout_s=1e-6))
    try:
        with pytest.raises(Unavailable, match="did not answer"):
            eng.translate(["The house is big."], "en", "es")
    finally:
        eng.close()


def test_a_broken_pair_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    mode_file = tmp_path / "eng-spa.mode"
    mode_file.write_text(f"lt-proc -z '{tmp_path / 'missing.bin'}'\n")
    eng = ApertiumEngine({EN_ES: ApertiumMode("eng-spa", mode_file, EN_ES, False)})
    try:
        with pytest.raises(Unavailable, match="exited"):
            eng.translate(["The house is big."], "en", "es")
    finally:
        eng.close()


def test_mode_discovery_and_variant_selection(tmp_path: Path) -> None:
    for name in ("eng-spa", "spa-eng", "spa-eng_US", "oci_aran-cat", "eng-spa-tagger", "ast-spa"):
        (tmp_path / f"{name}.mode").write_text("cat\n")
    modes = discover_modes([tmp_path])
    assert sorted(m.name for m in modes) == ["ast-spa", "eng-spa", "oci_aran-cat", "spa-eng", "spa-eng_US"]
    chosen = select_modes(modes, None)
    assert chosen[LanguagePair("es", "en")].name == "spa-eng"
    assert chosen[LanguagePair("oc", "ca")].name == "oci_aran-cat"  # only a variant: it serves the pair
    assert chosen[LanguagePair("ast", "es")].name == "ast-spa"  # no ISO 639-1 code: kept as is
    assert select_modes(modes, "spa-eng_US")[LanguagePair("es", "en")].name == "spa-eng_US"
    with pytest.raises(NotFound, match="no Apertium mode"):
        select_modes(modes, "eng-fra")


@pytest.mark.parametrize(
    ("text", "chunk"),
    [
        ("The house.", "The house. "),
        ("a\nb\tc\0d", "a b c d "),
        ("[x] ^y$ a/b <c> {d} @e \\f", "\\[x\\] \\^y\\$ a\\/b \\<c\\> \\{d\\} \\@e \\\\f "),
    ],
)
def test_escape(text: str, chunk: str) -> None:
    assert escape(text) == chunk


@pytest.mark.parametrize(
    ("output", "text"),
    [
        ("*Xyzzy Fue a la tienda ", "Xyzzy Fue a la tienda"),
        ("Tengo #coches y @perros.", "Tengo coches y perros."),
        ("\\[realmente\\] un\\/*b \\@casa", "[realmente] un/b @casa"),
        ("  No fue.  Fue! ", "No fue. Fue!"),
        ("5 * 3", "5 * 3"),
    ],
)
def test_clean(output: str, text: str) -> None:
    assert clean(output) == text


def test_a_missing_mode_file_is_unavailable(tmp_path: Path) -> None:
    mode = ApertiumMode("eng-spa", tmp_path / "eng-spa.mode", EN_ES, False)
    eng = ApertiumEngine({EN_ES: mode})
    try:
        with pytest.raises(Unavailable, match="is missing"):
            eng.translate(["The house is big."], "en", "es")
    finally:
        eng.close()
