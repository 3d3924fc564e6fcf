"""Glossary: the file format, protection/restoration (a property test), and forced terms through real
Apertium and a real (tiny, random-weight) seq2seq model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tolk.backend.engines.apertium_mt import load as load_apertium
from tolk.backend.engines.base import MtEngine
from tolk.backend.engines.registry import EngineContext
from tolk.backend.glossary_mt import GlossaryTranslator
from tolk.common.errors import InvalidArgument
from tolk.common.glossary import (
    Glossary,
    GlossaryTerm,
    load_glossary,
    parse_glossary,
    restore,
    save_glossary,
)

GLOSSARY_TSV = (  # tests/neural/test_glossary_seq2seq.py uses it with the tiny Marian en-de model
    "# medical terms\n"
    "source\tes\tde\tpron\n"
    "metformin\tmetformina\tMetformin\tM EH T F AO R M IH N\n"
    "heart attack\tinfarto\tHerzinfarkt\t\n"
    "heart\tcorazón\t\t\n"
)


@pytest.fixture(scope="module")
def glossary(tmp_path_factory: pytest.TempPathFactory) -> Glossary:
    path = tmp_path_factory.mktemp("glossary") / "medical.tsv"
    path.write_text(GLOSSARY_TSV, encoding="utf-8")
    return load_glossary(path)


def test_file_format(glossary: Glossary) -> None:
    terms = {t.source: t for t in glossary.terms}
    assert terms["metformin"].targets == {"es": "metformina", "de": "Metformin"}
    assert terms["metformin"].pronunciation == "M EH T F AO R M IH N"
    assert terms["heart"].targets == {"es": "corazón"}
    # longest match first, whole words, any case, only terms forced into the target
    found = glossary.find("A HEART  attack; heartburn; heart.", "es")
    assert [(m.term.source, m.start) for m in found] == [("heart attack", 2), ("heart", 28)]
    assert [m.term.source for m in glossary.find("heart", "de")] == []


def test_bad_file_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="header starting with 'source'"):
        parse_glossary(["term\tes", "a\tb"])
    with pytest.raises(InvalidArgument, match=r"g\.tsv:3: 3 cells"):
        parse_glossary(["source\tes", "a\tb", "c\td\te"], name="g.tsv")
    with pytest.raises(InvalidArgument, match="cannot read glossary"):
        load_glossary(tmp_path / "none.tsv")


WORDS = st.sampled_from(["heart", "attack", "Heart", "metformin", "the", "zqx0x", "ZQX", "of", "5", "mg"])
SEPARATORS = st.sampled_from([" ", "  ", ", ", ".", "-", "\n", "'"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPARATORS), max_size=12))
def test_protect_restore_never_loses_or_duplicates_text(parts: list[tuple[str, str]]) -> None:
    glossary = parse_glossary(GLOSSARY_TSV.splitlines())
    text = "".join(word + sep for word, sep in parts)
    protected = glossary.protect(text, "es")
    matches = glossary.find(text, "es")
    assert len(protected.slots) == len(matches)
    expected, last = [], 0
    for match in matches:
        expected += [text[last : match.start], match.term.targets["es"]]
        last = match.end
    expected.append(text[last:])
    # an engine that copies everything: the text comes back with exactly the forced terms
    assert restore(protected.text, protected.slots) == "".join(expected)
    # the source text outside the terms is untouched and in order
    outside = re.sub("|".join(re.escape(p) for p, _, _ in protected.slots) or "(?!)", "", protected.text)
    bounds = [0, *(x for m in matches for x in (m.start, m.end)), len(text)]
    assert outside == "".join(text[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2))
    # an engine that drops or repeats a placeholder is detected, never silently accepted
    if protected.slots:
        first = protected.slots[0][0]
        assert restore(protected.text.replace(first, ""), protected.slots) is None
        assert restore(protected.text + " " + first, protected.slots) is None


class _Lossy:
    """A real engine seen through a filter that destroys placeholders (as a model might)."""

    def __init__(self, engine: MtEngine) -> None:
        self._engine = engine

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        return [re.sub(r"ZQX\d+X", "", t) for t in self._engine.translate(texts, source, target)]


@pytest.fixture(scope="module")
def apertium() -> Iterator[MtEngine]:
    engine = load_apertium(None, EngineContext())
    yield engine
    engine.close()


def test_apertium_uses_the_forced_terms(apertium: MtEngine, glossary: Glossary) -> None:
    texts = ["Take five milligrams of metformin every day.", "The patient had a heart attack."]
    plain = apertium.translate(texts, "en", "es")
    assert "metformina" not in plain[0] and "infarto" not in plain[1]
    forced = GlossaryTranslator(apertium, glossary).translate(texts, "en", "es")
    assert [f.method for f in forced] == ["placeholder", "placeholder"]
    assert "metformina" in forced[0].text and forced[0].terms == ("metformin",)
    assert "infarto" in forced[1].text and forced[1].terms == ("heart attack",)
    assert "ZQX" not in forced[0].text + forced[1].text


def test_an_engine_that_loses_placeholders_falls_back_to_pieces(
    apertium: MtEngine, glossary: Glossary
) -> None:
    forced = GlossaryTranslator(_Lossy(apertium), glossary).translate(  # type: ignore[arg-type]
        ["Take metformin after a heart attack."], "en", "es"
    )[0]
    assert forced.method == "pieces"
    assert forced.text.count("metformina") == 1 and forced.text.count("infarto") == 1
    assert forced.text.index("metformina") < forced.text.index("infarto")
    assert forced.text.startswith("Toma")


def test_no_term_no_change(apertium: MtEngine) -> None:
    empty = Glossary([GlossaryTerm("aspirin", {"fr": "aspirine"})])
    out = GlossaryTranslator(apertium, empty).translate(["Take aspirin."], "en", "es")[0]
    assert out.terms == () and out.text == apertium.translate(["Take aspirin."], "en", "es")[0]


CELLS = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x85"), max_size=12
).map(lambda text: " ".join(text.split()))


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(CELLS.filter(lambda s: bool(s) and not s.startswith("#")), CELLS, CELLS, CELLS),
        max_size=6,
        unique_by=lambda row: row[0].lower(),
    ),
    name=st.sampled_from(["g.tsv", "g.csv"]),
)
def test_saved_glossary_reads_back_the_same_terms(
    rows: list[tuple[str, str, str, str]], name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What the app's Glossary tab saves is what `--glossary FILE` reads: quotes, commas, tabs kept."""
    terms = tuple(
        GlossaryTerm(source, {k: v for k, v in (("es", es), ("fr", fr)) if v}, pron)
        for source, es, fr, pron in rows
    )
    path = save_glossary(tmp_path_factory.mktemp("g") / name, terms)
    assert load_glossary(path).terms == Glossary(terms).terms
