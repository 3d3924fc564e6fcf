"""Models by hub id (`whisper:openai/whisper-base`) and the store's engines in `tolk engines`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tolk.app import cli as tolk_cli
from tolk.backend.engines.registry import EngineContext, Registry, canonical_spec
from tolk.common.errors import NotFound
from tolk.models import catalog
from tolk.models.embedded import WHISPER_BASE
from tolk.models.store import ModelStore


@pytest.fixture(scope="module")
def hub_store(tmp_path_factory: pytest.TempPathFactory, checkpoints: dict[str, Path]) -> ModelStore:
    """Entries whose manifests record hub sources as `tolk models pull` and the embedded install do."""
    store = ModelStore(tmp_path_factory.mktemp("hub-store"))
    store.import_dir(checkpoints["whisper"], "whisper-base", source=WHISPER_BASE.source, revision="1.0.0")
    store.import_dir(
        checkpoints["whisper"], "whisper-small", source="openai/whisper-small", revision="c0ffee"
    )
    store.import_dir(
        checkpoints["marian"], "opus-mt-en-de", source="Helsinki-NLP/opus-mt-en-de", revision="abc"
    )
    store.import_dir(
        checkpoints["marian"], "opus-mt-en-de-int8", source="Helsinki-NLP/opus-mt-en-de", revision="abc",
        precision="int8", parent="opus-mt-en-de",
    )  # fmt: skip
    return store


@pytest.mark.parametrize(
    ("family", "ref", "name"),
    [
        ("whisper", "Systran/faster-whisper-base", "whisper-base"),  # the embedded model's own source
        ("whisper", "openai/whisper-base", "whisper-base"),  # ... and the checkpoint it was converted from
        ("whisper", "OpenAI/Whisper-Small", "whisper-small"),  # hub ids are case-insensitive
        ("whisper", "Systran/faster-whisper-small", "whisper-small"),
        ("seq2seq", "Helsinki-NLP/opus-mt-en-de", "opus-mt-en-de"),  # as pulled, before its int8 variant
        ("seq2seq", "opus-mt-en-de-int8", "opus-mt-en-de-int8"),  # a store name stays itself
    ],
)
def test_hub_ids_resolve_to_store_entries(hub_store: ModelStore, family: str, ref: str, name: str) -> None:
    assert catalog.resolve(hub_store, family, ref).name == name
    assert canonical_spec(f"{family}:{ref}", EngineContext(model_dir=hub_store.root)) == f"{family}:{name}"


def test_unknown_hub_id_names_the_pull_command(hub_store: ModelStore) -> None:
    with pytest.raises(NotFound, match=r"tolk models pull openai/whisper-large-v3"):
        catalog.resolve(hub_store, "whisper", "openai/whisper-large-v3")
    with pytest.raises(NotFound, match=r"tolk models pull Helsinki-NLP/opus-mt-de-en"):
        canonical_spec("seq2seq:Helsinki-NLP/opus-mt-de-en", EngineContext(model_dir=hub_store.root))
    assert canonical_spec("apertium", EngineContext()) == "apertium"


def test_registry_loads_by_hub_id_once(hub_store: ModelStore) -> None:
    registry = Registry(EngineContext(model_dir=hub_store.root))
    try:
        engine = registry.mt("seq2seq:Helsinki-NLP/opus-mt-en-de")
        assert engine is registry.mt("seq2seq:opus-mt-en-de")
        assert engine.pairs() == registry.mt("seq2seq:opus-mt-en-de").pairs()
    finally:
        registry.close()


def test_tolk_engines_lists_the_store(
    hub_store: ModelStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOLK_MODEL_DIR", str(hub_store.root))
    assert tolk_cli.main(["engines", "--json"]) == 0
    engines = {e["name"]: e for e in json.loads(capsys.readouterr().out)["engines"]}
    base = engines["whisper:whisper-base"]
    assert base["kind"] == "asr" and "en" in base["languages"]
    assert "v1 (fp32, torch" in base["description"] and "Systran/faster-whisper-base" in base["description"]
    assert engines["seq2seq:opus-mt-en-de-int8"]["pairs"] == [["en", "de"]]
    assert "int8" in engines["seq2seq:opus-mt-en-de-int8"]["description"]
    assert tolk_cli.main(["engines"]) == 0
    table = capsys.readouterr().out
    assert "whisper:whisper-small" in table and "pairs: en-de" in table


def test_embedded_whisper_base_answers_to_its_hub_ids(whisper_base_store: ModelStore) -> None:
    context = EngineContext(model_dir=whisper_base_store.root)
    for ref in ("Systran/faster-whisper-base", "openai/whisper-base", "whisper-base"):
        assert canonical_spec(f"whisper:{ref}", context) == "whisper:whisper-base"
    with pytest.raises(NotFound, match=r"`tolk models pull openai/whisper-tiny`"):
        canonical_spec("whisper:openai/whisper-tiny", context)
