"""Builds the PyInstaller bundle and runs it for real; opt-in, as the build takes minutes.

Run: TOLK_PACKAGING_TEST=1 .venv/bin/pytest tests/packaging -m slow
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tolk.models.metrics import wer

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "tolk" / "tolk"
SAMPLE = ROOT / "samples" / "sense-and-sensibility.wav"
BUILD_TIMEOUT_S = 1500
RUN_TIMEOUT_S = 300
TRANSCRIPT = SAMPLE.with_suffix(".txt")
MAX_WER = 0.5  # pocketsphinx scores about 0.3 on this sample; a broken model would score near 1
SPANISH_WORDS = {"y", "de", "el", "la", "un", "una", "en", "para", "hombre", "más"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(BUILD_TIMEOUT_S + 4 * RUN_TIMEOUT_S),
    pytest.mark.skipif(
        os.environ.get("TOLK_PACKAGING_TEST") != "1", reason="set TOLK_PACKAGING_TEST=1 to build the bundle"
    ),
]
needs_apertium = pytest.mark.skipif(shutil.which("lt-proc") is None, reason="Apertium is not installed")


@pytest.fixture(scope="module")
def bundle() -> Path:
    env = {**os.environ, "PYTHON": sys.executable}
    build = subprocess.run(
        [str(ROOT / "packaging" / "build.sh")],
        env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "size:" in build.stdout
    assert BUNDLE.is_file()
    return BUNDLE


def _run(bundle: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle), *args],
        env={**os.environ, **(env or {})}, cwd=ROOT, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip


def test_help_lists_every_subcommand(bundle: Path) -> None:
    result = _run(bundle, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("translate", "engines", "serve", "models", "app"):
        assert command in result.stdout


def test_engines_lists_zero_download_engines_and_explains_neural_ones(bundle: Path) -> None:
    result = _run(bundle, "engines")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("ASR pocketsphinx") for line in lines), result.stdout
    for family in ("whisper", "seq2seq"):
        line = next(line for line in lines if family in line)
        assert "unavailable: not installed" in line and "tolk[neural]" in line


@needs_apertium
def test_translate_jsonl_has_finals_and_spanish_translations(bundle: Path) -> None:
    result = _run(bundle, "translate", str(SAMPLE), "--from", "en", "--to", "es", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    finals = [e for e in events if e["type"] == "final"]
    translations = [e for e in events if e["type"] == "translation" and e["is_final"]]
    assert len(finals) >= 3
    assert [t["segment"] for t in translations] == [f["segment"] for f in finals]
    assert all(t["lang"] == "es" and t["text"] for t in translations)
    spanish_words = {w.strip(".,").lower() for t in translations for w in t["text"].split()}
    assert spanish_words & SPANISH_WORDS
    transcript = " ".join(f["text"] for f in finals)
    assert wer(TRANSCRIPT.read_text(), transcript) < MAX_WER


@needs_apertium
def test_app_offscreen_exports_srt(bundle: Path, tmp_path: Path) -> None:
    srt = tmp_path / "captions.srt"
    result = _run(
        bundle, "app", "--input-file", str(SAMPLE), "--from", "en", "--to", "es", "--start",
        "--quit-after", "40", "--file-speed", "2", "--export", str(srt),
        env={"QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    cues = srt.read_text().strip().split("\n\n")
    assert len(cues) >= 3
    first = cues[0].splitlines()
    assert first[0] == "1" and " --> " in first[1]
    assert len(first) == 4, "a cue has the original line and the Spanish line"
