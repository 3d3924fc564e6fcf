"""`tolk translate` end to end in a subprocess, offline (in-process server, real engines)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from integration.helpers import librivox

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sense-and-sensibility.wav"
REQUIRED = {"type", "segment", "lang", "text", "audio_start_s", "audio_end_s", "wall_s"}
SRT_TIME = r"(\d\d):(\d\d):(\d\d),(\d\d\d)"
VTT_TIME = r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)"


def tolk(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tolk.app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TOLK_SERVER": ""},
    )


def test_translate_offline_jsonl() -> None:
    done = tolk("translate", str(SAMPLE), "--from", "en", "--to", "es", "--offline", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(set(r) >= REQUIRED for r in records)
    assert {r["type"] for r in records} == {"partial", "final", "translation"}
    finals = [r for r in records if r["type"] == "final" and r["text"]]
    assert len(finals) >= 4  # five utterances in the sample
    spanish = {r["segment"]: r for r in records if r["type"] == "translation" and r["is_final"]}
    for final in finals:
        assert final["lang"] == "en" and final["audio_start_s"] < final["audio_end_s"]
        translation = spanish[final["segment"]]
        assert translation["lang"] == "es" and translation["text"]
        assert translation["audio_start_s"] == final["audio_start_s"]
        assert translation["wall_s"] >= final["wall_s"]
    walls = [r["wall_s"] for r in records]
    assert walls == sorted(walls)
    assert "john" in " ".join(f["text"] for f in finals)


def seconds(match: tuple[str, ...]) -> float:
    hours, minutes, secs, millis = (int(x) for x in match)
    return hours * 3600 + minutes * 60 + secs + millis / 1000


def parse_cues(text: str, timing: str) -> list[tuple[float, float, list[str]]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        index = next(i for i, line in enumerate(lines) if "-->" in line)
        match = re.fullmatch(f"{timing} --> {timing}", lines[index])
        assert match, lines[index]
        groups = match.groups()
        cues.append((seconds(groups[:4]), seconds(groups[4:]), lines[index + 1 :]))
    return cues


@pytest.mark.parametrize(("fmt", "timing"), [("srt", SRT_TIME), ("vtt", VTT_TIME)])
def test_translate_subtitles(fmt: str, timing: str) -> None:
    wav, _ = librivox()[1]
    done = tolk("translate", str(wav), "--to", "es", "--to", "en", "--format", fmt)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    if fmt == "vtt":
        assert text.startswith("WEBVTT\n\n")
        text = text.removeprefix("WEBVTT\n\n")
    cues = parse_cues(text, timing)
    assert cues
    duration_s = 3.0  # "he was not an ill disposed young man" lasts under 3 s
    for start, end, lines in cues:
        assert 0 <= start < end <= duration_s
        assert len(lines) == 3  # original, Spanish, English (same language: the original again)
        assert lines[0] == lines[2] and lines[1] != lines[0]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["translate", "{bad}"], 3, "not a readable audio file"),
        (["translate", "{missing}"], 3, "no such file"),
        (["translate", "{wav}", "--to", "xx"], 4, "xx"),
        (["translate", "{wav}", "--asr", "nosuch"], 4, "nosuch"),
        (["translate", "{wav}", "--server", "127.0.0.1:1"], 5, "cannot reach"),
        (["translate"], 2, "AUDIO"),
        (["translate", "{wav}", "--format", "xml"], 2, "format"),
    ],
)
def test_bad_input_one_line_and_exit_code(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all\n" * 20)
    paths = {"bad": str(bad), "missing": str(tmp_path / "absent.flac"), "wav": str(librivox()[1][0])}
    done = tolk(*(arg.format(**paths) for arg in args))
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert message in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""
