"""Tiny random-weight checkpoints, imported into a real store and loaded like downloaded ones.

No network: HF_HUB_OFFLINE=1, and any non-loopback connect() fails the test.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("ctranslate2")

os.environ["HF_HUB_OFFLINE"] = "1"

from tolk.backend.engines.registry import EngineContext, Registry
from tolk.models.quantize import quantize
from tolk.models.store import ModelStore
from tolk.models.synthetic import build_m2m100, build_marian, build_nllb, build_whisper

pytestmark = pytest.mark.neural


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/neural" in str(item.fspath):
            item.add_marker(pytest.mark.neural)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access during a test: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("checkpoints")
    return {
        "whisper": build_whisper(root / "whisper"),
        "marian": build_marian(root / "opus-mt-en-de"),
        "m2m100": build_m2m100(root / "m2m100"),
        "nllb": build_nllb(root / "nllb-200"),
    }


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory, checkpoints: dict[str, Path]) -> ModelStore:
    store = ModelStore(tmp_path_factory.mktemp("store"))
    store.import_dir(checkpoints["whisper"], "whisper-tiny")
    store.import_dir(checkpoints["marian"], "opus-mt-en-de")
    store.import_dir(checkpoints["m2m100"], "m2m")
    store.import_dir(checkpoints["nllb"], "nllb")
    for name in ("whisper-tiny", "opus-mt-en-de", "m2m", "nllb"):
        quantize(store, name)
    return store


@pytest.fixture(scope="session")
def registry(store: ModelStore) -> Iterator[Registry]:
    registry = Registry(EngineContext(model_dir=store.root, max_wait_ms=20.0))
    yield registry
    registry.close()


@pytest.fixture(scope="session")
def speech() -> Any:
    """29.5 s of real LibriVox speech, 16 kHz mono float32."""
    import soundfile

    root = Path(__file__).resolve().parents[2]
    audio, rate = soundfile.read(root / "samples" / "sense-and-sensibility.wav", dtype="float32")
    assert rate == 16_000
    return audio
