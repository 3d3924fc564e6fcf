"""Audit log, promotion rules and the `tolk models` life-cycle commands on a real store (no torch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tolk.common.errors import FailedPrecondition, InvalidArgument
from tolk.models.audit import AuditLog
from tolk.models.cli import main as models_main
from tolk.models.promote import parse_spec, promote
from tolk.models.store import ModelStore


def _checkpoint(directory: Path, weights: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"model_type": "marian"}))
    (directory / "model.safetensors").write_bytes(weights)
    return directory


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    store = ModelStore(tmp_path / "store", actor="tester")
    store.import_dir(_checkpoint(tmp_path / "a", b"first"), "opus-mt-en-es")
    store.import_dir(_checkpoint(tmp_path / "b", b"second"), "opus-mt-en-es", activate=False, action="train")
    return store


def test_a_trained_version_waits_for_promotion(store: ModelStore) -> None:
    assert store.versions("opus-mt-en-es") == [1, 2]
    assert store.current_version("opus-mt-en-es") == 1


def test_promotion_refuses_worse_metrics_and_accepts_better(store: ModelStore) -> None:
    v1, v2 = store.get("opus-mt-en-es", 1), store.get("opus-mt-en-es", 2)
    store.set_metrics(v1, "en-es", {"bleu": 30.0, "chrf": 55.0, "latency_ms": 5.0})
    store.set_metrics(v2, "en-es", {"bleu": 31.0, "chrf": 54.0, "latency_ms": 1.0})
    with pytest.raises(FailedPrecondition, match=r"en-es chrf 54 < 55"):
        promote(store, "opus-mt-en-es@v2")
    assert store.current_version("opus-mt-en-es") == 1
    store.set_metrics(store.get("opus-mt-en-es", 2), "en-es", {"bleu": 31.0, "chrf": 56.0})
    assert promote(store, "opus-mt-en-es@v2").manifest.version == 2
    assert store.current_version("opus-mt-en-es") == 2


def test_promotion_needs_a_shared_evaluation_unless_forced(store: ModelStore) -> None:
    store.set_metrics(store.get("opus-mt-en-es", 1), "en-es", {"chrf": 55.0})
    store.set_metrics(store.get("opus-mt-en-es", 2), "other@12345678", {"chrf": 90.0})
    with pytest.raises(FailedPrecondition, match="share no evaluation"):
        promote(store, "opus-mt-en-es@v2")
    promote(store, "opus-mt-en-es@v2", force=True)
    last = store.audit.entries("opus-mt-en-es")[-1]
    assert (last.action, last.version, last.details["forced"], last.details["from"]) == (
        "promote",
        2,
        True,
        1,
    )


def test_every_change_is_audited_in_a_hash_chain(store: ModelStore, tmp_path: Path) -> None:
    store.set_metrics(store.get("opus-mt-en-es", 2), "en-es", {"chrf": 1.0})
    promote(store, "opus-mt-en-es@v2", force=True)
    store.rollback("opus-mt-en-es")
    store.remove("opus-mt-en-es")
    entries = store.audit.entries("opus-mt-en-es")
    assert [e.action for e in entries] == ["import", "train", "evaluate", "promote", "rollback", "remove"]
    assert {e.actor for e in entries} == {"tester"}
    assert entries[0].digest == store.audit.entries()[0].digest and entries[0].digest != entries[1].digest
    assert store.audit.verify_chain() is None
    lines = store.audit.path.read_text().splitlines()
    lines[2] = lines[2].replace('"chrf": 1.0', '"chrf": 99.0')
    store.audit.path.write_text("\n".join(lines) + "\n")
    assert AuditLog(store.audit.path).verify_chain() == 4


def test_promote_spec_is_checked() -> None:
    assert parse_spec("whisper-base@v3") == ("whisper-base", 3)
    with pytest.raises(InvalidArgument, match="NAME@vN"):
        parse_spec("whisper-base")


def test_cli_history_promote_and_show(store: ModelStore, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(store.root)
    assert models_main(["--store", root, "promote", "opus-mt-en-es@v2"]) == 4  # refused
    assert "share no evaluation" in capsys.readouterr().err
    assert models_main(["--store", root, "promote", "opus-mt-en-es@v2", "--force"]) == 0
    assert "opus-mt-en-es@v2 is now the default" in capsys.readouterr().out
    assert models_main(["--store", root, "history", "opus-mt-en-es"]) == 0
    history = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in history] == ["import", "train", "promote"]
    assert models_main(["--store", root, "show", "opus-mt-en-es@v1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["version"], shown["current"], shown["metrics"]) == (1, False, {})
