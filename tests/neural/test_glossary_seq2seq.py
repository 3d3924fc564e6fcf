"""A glossary forces its terms through a real seq2seq engine (the tiny random-weight Marian en-de model).

Random weights translate nothing sensibly and never copy placeholders, so this exercises the fallback
that translates between the terms: the forced terms must be there once each, in source order.
"""

from __future__ import annotations

from tolk.backend.engines.registry import Registry
from tolk.backend.glossary_mt import GlossaryTranslator
from tolk.common.glossary import parse_glossary

GLOSSARY = ["source\tde", "metformin\tMetformin", "heart attack\tHerzinfarkt"]


def test_seq2seq_output_contains_the_forced_terms(registry: Registry) -> None:
    engine = registry.mt("seq2seq:opus-mt-en-de-ct2-int8")
    texts = ["Take metformin after a heart attack.", "No term here."]
    forced = GlossaryTranslator(engine, parse_glossary(GLOSSARY)).translate(texts, "en", "de")
    assert forced[0].text.count("Metformin") == 1 and forced[0].text.count("Herzinfarkt") == 1
    assert forced[0].text.index("Metformin") < forced[0].text.index("Herzinfarkt")
    assert forced[0].terms == ("metformin", "heart attack")
    assert forced[1].terms == () and forced[1].method == ""
    assert forced[1].text == engine.translate(["No term here."], "en", "de")[0]
