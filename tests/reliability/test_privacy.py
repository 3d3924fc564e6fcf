"""Privacy canary: speech with a canary phrase leaves no trace of its words or audio in logs or temp files.

The server runs as a process at DEBUG level with its temp directory pointed at the test's; the test
first checks that the canary words did reach the client (so a silent failure cannot pass), then
searches every log line and every file the server left behind.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import soundfile as sf

from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import audio_request, interpret
from .serverproc import spawn

CANARY = "the secret password is orange"
CHUNK_S = 0.1


def _speak(path: Path) -> tuple[bytes, int]:
    """The canary spoken by espeak-ng (LINEAR16 at its own rate), with a second of silence around it."""
    subprocess.run(["espeak-ng", "-s", "120", "-w", str(path), CANARY], check=True, capture_output=True)
    samples, rate = sf.read(path, dtype="int16")
    silence = b"\x00\x00" * rate
    return silence + samples.astype("<i2").tobytes() + silence, rate


def _traces(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [f"{path.name}: {needle!r}" for needle in needles if needle in data]
    return found


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_canary_phrase_leaves_no_trace(tmp_path: Path) -> None:
    pcm, rate = _speak(tmp_path / "canary.wav")
    (tmp_path / "canary.wav").unlink()
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    env = {"TMPDIR": str(server_tmp), "TOLK_LOG_LEVEL": "DEBUG"}
    proc = spawn([], tmp_path / "server.log", env=env)
    step = int(rate * CHUNK_S) * 2

    async def requests() -> AsyncIterator[pb.InterpretRequest]:
        yield pb.InterpretRequest(
            config=pb.SessionConfig(
                source_language="en",
                target_languages=["es"],
                audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=rate, channels=1),
            )
        )
        for i in range(0, len(pcm), step):
            yield audio_request(pcm[i : i + step])

    try:
        await asyncio.to_thread(proc.wait_serving)
        async with grpc.aio.insecure_channel(proc.target) as channel:
            outcome = await interpret(pb_grpc.InterpreterStub(channel), requests())
    finally:
        proc.stop()
    assert outcome.code == grpc.StatusCode.OK
    heard = " ".join(outcome.texts).lower().split()
    translated = " ".join(outcome.translations).lower().split()
    canary_words = [w for w in heard if len(w) >= 5 and w in CANARY.split()]
    assert canary_words, f"the engine did not hear the canary ({heard}); the test would prove nothing"
    needles = [w.encode() for w in canary_words + [w for w in translated if len(w) >= 6]]
    needles.append(pcm[len(pcm) // 2 : len(pcm) // 2 + 64].lower())
    assert (tmp_path / "server.log").read_text().strip(), "the server logged nothing to search"
    assert _traces(tmp_path, needles) == []
