"""The zero-download engines through the Registry, as the server and CLI load them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tolk.backend.engines.apertium_mt import ApertiumEngine
from tolk.backend.engines.base import AsrOptions
from tolk.backend.engines.pocketsphinx_asr import PocketsphinxEngine
from tolk.backend.engines.registry import Registry
from tolk.common.errors import NotFound
from tolk.common.langcodes import LanguagePair


@pytest.fixture
def registry() -> Iterator[Registry]:
    reg = Registry()
    yield reg
    reg.close()


def test_installed_lists_both_with_languages_and_pairs(registry: Registry) -> None:
    infos = {info.name: info for info in registry.installed()}
    assert infos["pocketsphinx"].kind == "asr" and infos["pocketsphinx"].languages == ("en",)
    apertium = infos["apertium"]
    assert apertium.kind == "mt"
    assert {LanguagePair("en", "es"), LanguagePair("es", "en")} <= set(apertium.pairs)
    assert "pocketsphinx" not in registry.unavailable() and "apertium" not in registry.unavailable()


def test_defaults_load_once_and_work(registry: Registry) -> None:
    asr = registry.asr()
    assert isinstance(asr, PocketsphinxEngine) and registry.asr("pocketsphinx") is asr
    stream = asr.open_stream(AsrOptions(language="en"))
    stream.accept(np.zeros(16_000, dtype=np.float32))
    assert stream.finalize().unstable == ""
    stream.close()
    mt = registry.mt()
    assert isinstance(mt, ApertiumEngine) and registry.mt("apertium") is mt
    assert mt.translate(["The house is big."], "en", "es") == ["La casa es grande."]


def test_unknown_models_are_not_found(registry: Registry) -> None:
    with pytest.raises(NotFound):
        registry.asr("pocketsphinx:fr-fr")
    with pytest.raises(NotFound):
        registry.mt("apertium:eng-xxx")
