from __future__ import annotations

import shutil
from dataclasses import astuple
from pathlib import Path

import pytest

from tolk.backend.engines.registry import EngineContext, Registry
from tolk.backend.offline import offline_engines
from tolk.common.errors import FailedPrecondition
from tolk.models import cli
from tolk.models.store import ModelStore, resolve_store_dir

pytestmark = pytest.mark.neural


@pytest.fixture
def scratch(tmp_path: Path, checkpoints: dict[str, Path]) -> ModelStore:
    store = ModelStore(tmp_path / "store")
    store.import_dir(checkpoints["marian"], "mt")
    return store


def test_manifest_records_every_file(scratch: ModelStore) -> None:
    model = scratch.get("mt")
    m = model.manifest
    assert (m.kind, m.family, m.arch, m.precision, m.runtime, m.version) == (
        "mt",
        "seq2seq",
        "marian",
        "fp32",
        "torch",
        1,
    )
    assert {"config.json", "model.safetensors", "source.spm", "vocab.json"} <= set(m.files)
    assert m.size_bytes == sum(f.size for f in m.files.values()) > 0
    assert m.created and m.revision == "local"
    assert scratch.verify(model) is model


def test_corrupt_model_names_the_fix(scratch: ModelStore) -> None:
    model = scratch.get("mt")
    weights = model.path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    registry = Registry(EngineContext(model_dir=scratch.root))
    with pytest.raises(FailedPrecondition, match=r"corrupt: model.safetensors .*tolk models remove mt"):
        registry.mt("seq2seq:mt")


def test_partial_model_names_the_fix(scratch: ModelStore) -> None:
    (scratch.get("mt").path / "source.spm").unlink()
    with pytest.raises(FailedPrecondition, match=r"incomplete: source\.spm is missing"):
        Registry(EngineContext(model_dir=scratch.root)).mt("seq2seq:mt")


def test_missing_model_and_bad_directories(scratch: ModelStore, tmp_path: Path) -> None:
    with pytest.raises(FailedPrecondition, match="tolk models import DIR --name nope"):
        Registry(EngineContext(model_dir=scratch.root)).mt("seq2seq:nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FailedPrecondition, match=r"no config\.json"):
        scratch.import_dir(tmp_path / "empty", "x")


def test_versions_and_rollback(scratch: ModelStore, checkpoints: dict[str, Path]) -> None:
    assert scratch.import_dir(checkpoints["marian"], "mt").manifest.version == 2
    assert scratch.get("mt").manifest.version == 2
    assert scratch.rollback("mt").manifest.version == 1
    with pytest.raises(FailedPrecondition, match="no older version"):
        scratch.rollback("mt")


def test_cli_import_list_quantize_remove_and_offline_pull(
    tmp_path: Path, checkpoints: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(tmp_path / "s")]
    assert cli.main([*store, "import", str(checkpoints["whisper"]), "--name", "w"]) == 0
    assert cli.main([*store, "quantize", "w"]) == 0
    assert cli.main([*store, "list"]) == 0
    out = capsys.readouterr().out
    assert "w-int8" in out and "w-ct2-int8" in out and "ctranslate2" in out
    assert cli.main([*store, "pull", "openai/whisper-base", "--no-progress"]) == cli.EXIT_UNAVAILABLE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "cannot reach the hub for openai/whisper-base" in err and "tolk models import" in err
    assert cli.main([*store, "remove", "w"]) == 0
    assert cli.main([*store, "verify", "w"]) == cli.EXIT_REFUSED
    assert "not in the store" in capsys.readouterr().err


def test_store_dir_resolution(tmp_path: Path) -> None:
    assert resolve_store_dir(str(tmp_path), {"TOLK_MODEL_DIR": "/elsewhere"}) == tmp_path
    assert resolve_store_dir(None, {"TOLK_MODEL_DIR": str(tmp_path)}) == tmp_path
    assert resolve_store_dir(None, {}).name == "models"


def test_offline_defaults(store: ModelStore, tmp_path: Path) -> None:
    asr, mt, reason = astuple(offline_engines(store, "en", "de"))
    assert (asr, mt) == ("whisper:whisper-tiny-ct2-int8", "seq2seq:opus-mt-en-de-ct2-int8")
    assert "ctranslate2 int8" in reason
    asr, mt, _ = astuple(offline_engines(store, "en", "es"))
    assert mt == "seq2seq:m2m-ct2-int8"
    empty = ModelStore(tmp_path / "none")
    asr, mt, reason = astuple(offline_engines(empty, "en", "es"))
    assert (asr, mt) == ("pocketsphinx", "apertium")
    assert "tolk models pull" in reason
    shutil.rmtree(tmp_path / "none", ignore_errors=True)


def test_pull_helpers() -> None:
    from tolk.models.hub import _weights_patterns, default_name

    assert default_name("openai/whisper-base") == "whisper-base"
    assert _weights_patterns(["model.safetensors", "pytorch_model.bin"]) == ["*.safetensors"]
    assert _weights_patterns(["pytorch_model.bin", "tf_model.h5"]) == ["pytorch_model*.bin"]
