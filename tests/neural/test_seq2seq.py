from __future__ import annotations

import re
from pathlib import Path

import pytest

from tolk.backend.engines.registry import EngineContext, Registry
from tolk.common import langcodes
from tolk.common.errors import NotFound
from tolk.common.langcodes import LanguagePair
from tolk.models.store import ModelStore

pytestmark = pytest.mark.neural
SPECS = ["seq2seq:opus-mt-en-de", "seq2seq:opus-mt-en-de-int8", "seq2seq:opus-mt-en-de-ct2-int8",
         "seq2seq:m2m", "seq2seq:m2m-int8", "seq2seq:m2m-ct2-int8",
         "seq2seq:nllb", "seq2seq:nllb-int8", "seq2seq:nllb-ct2-int8"]  # fmt: skip
FLORES_CODE = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")


@pytest.mark.parametrize("spec", SPECS)
def test_every_runtime_translates_a_batch(registry: Registry, spec: str) -> None:
    engine = registry.mt(spec)
    out = engine.translate(["hello world", "", "good morning my friend"], "en", "de")
    assert len(out) == 3
    assert out[0] and out[2]
    assert out[1] == ""
    assert "__" not in out[0] and not FLORES_CODE.search(out[0])  # language tokens are not text
    assert LanguagePair("en", "de") in engine.pairs()


def test_marian_pair_comes_from_the_checkpoint_name(registry: Registry) -> None:
    engine = registry.mt("seq2seq:opus-mt-en-de")
    assert engine.pairs() == (LanguagePair("en", "de"),)
    with pytest.raises(NotFound, match="en-de"):
        engine.translate(["hola"], "es", "en")


@pytest.mark.parametrize("name", ["m2m", "nllb"])
def test_multilingual_models_reject_unknown_languages(registry: Registry, name: str) -> None:
    with pytest.raises(NotFound, match="xx"):
        registry.mt(f"seq2seq:{name}").translate(["hello"], "en", "xx")


def test_nllb_is_recognized_and_offers_flores_languages(store: ModelStore, registry: Registry) -> None:
    assert store.get("nllb").manifest.arch == "nllb"
    pairs = registry.mt("seq2seq:nllb").pairs()
    maltese = LanguagePair("mt", "en")  # in NLLB-200, not in M2M100
    assert {LanguagePair("en", "es"), LanguagePair("es", "en"), maltese} <= set(pairs)


def test_beam_search(store: ModelStore) -> None:
    registry = Registry(EngineContext(model_dir=store.root, beam_size=3))
    try:
        for spec in ("seq2seq:opus-mt-en-de", "seq2seq:opus-mt-en-de-ct2-int8"):
            assert registry.mt(spec).translate(["hello world"], "en", "de")[0]
    finally:
        registry.close()


def test_language_code_maps() -> None:
    assert langcodes.to_nllb("de") == "deu_Latn"
    assert langcodes.from_nllb("spa_Latn") == "es"
    assert all(
        langcodes.from_nllb(langcodes.to_nllb(iso)) == iso for iso in langcodes.NLLB_CODES if iso != "no"
    )
    assert langcodes.model_code("m2m100", "nb") == "no"
    assert "en" in langcodes.languages("m2m100") and "ast" not in langcodes.languages("m2m100")
    with pytest.raises(NotFound):
        langcodes.to_nllb("xx")


def test_describe_lists_store_entries_without_loading(store: ModelStore) -> None:
    infos = {i.name: i for i in Registry(EngineContext(model_dir=store.root)).installed()}
    assert infos["seq2seq:opus-mt-en-de-ct2-int8"].pairs == (LanguagePair("en", "de"),)
    assert "ctranslate2" in infos["seq2seq:opus-mt-en-de-ct2-int8"].description
    assert set(infos["whisper:whisper-tiny"].languages) == {"de", "en", "es", "fr"}
    assert isinstance(store.root, Path)
