"""espeak-ng speech for the learners' tests (pronunciation, glossary, dictation)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Speak = Callable[[str], Path]


@pytest.fixture(scope="module")
def speak(tmp_path_factory: pytest.TempPathFactory) -> Speak:
    """Synthesizes a sentence with espeak-ng (en-us, 140 wpm) into a WAV file and returns its path."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is required (./dev setup installs it)")
    folder = tmp_path_factory.mktemp("espeak")
    count = iter(range(1_000_000))

    def _speak(text: str, voice: str = "en-us") -> Path:
        path = folder / f"{next(count)}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(path), text], check=True)
        return path

    return _speak
