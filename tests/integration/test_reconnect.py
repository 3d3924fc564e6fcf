"""The reconnecting session against a real `tolk serve` process that is killed and restarted mid-stream
on the same port: no caption lost, none duplicated, segment ids continue, connection changes reported."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.app.audio.files import read_audio
from tolk.app.core.events import ConnectionState, Final, SessionEvent, Translation
from tolk.app.pipeline import PipelineOptions, array_source, run_pipeline, segment
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import Boundary, StreamOptions
from tolk.app.transport.resilient import RetryPolicy
from tolk.models.metrics import corpus_wer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "sense-and-sensibility.wav"
SPEED = 3.0
"""The sample is streamed this many times faster than real time, so the kill lands mid-stream."""
SERVING_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tolk.app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "GRPC_VERBOSITY": "ERROR"},
        )


async def wait_serving(port: int, proc: subprocess.Popen[bytes]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SERVING_TIMEOUT_S
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while loop.time() < deadline:
            assert proc.poll() is None, "tolk serve exited"
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.2)
    pytest.fail("tolk serve did not become SERVING")


async def run_session(port: int, on_event: object = None) -> list[SessionEvent]:
    audio = read_audio(SAMPLE)
    policy = RetryPolicy(initial_backoff_s=0.2, max_backoff_s=1.0, max_attempts=100)
    options = StreamOptions(source_language="en", target_languages=("es",))
    events: list[SessionEvent] = []
    async with InterpreterClient(f"127.0.0.1:{port}") as client:
        blocks = array_source(audio, realtime=True, block_ms=20, speed=SPEED)
        async for event in run_pipeline(client, options, blocks, PipelineOptions(retry=policy)):
            events.append(event)
            if callable(on_event):
                on_event(event)
    return events


async def client_segments() -> list[tuple[float, float]]:
    """(start, end) of every segment the client VAD cuts from the sample: what the server must finalize."""
    items = segment(array_source(read_audio(SAMPLE), realtime=False), PipelineOptions())
    starts, ends = [], []
    async for item in items:
        if isinstance(item, Boundary):
            (starts if item.kind == "start" else ends).append(item.t_s)
    return list(zip(starts, ends, strict=True))


def finals_and_translations(events: list[SessionEvent]) -> tuple[list[Final], list[Translation]]:
    finals = [e for e in events if isinstance(e, Final)]
    return finals, [e for e in events if isinstance(e, Translation) and e.is_final]


@pytest.mark.slow
async def test_server_killed_and_restarted_mid_stream(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    procs = [start_server(port, log)]
    try:
        await wait_serving(port, procs[0])

        def kill_on_first_final(event: SessionEvent) -> None:
            if isinstance(event, Final) and len(procs) == 1:
                procs[0].send_signal(signal.SIGKILL)
                procs[0].wait()
                procs.append(start_server(port, log))

        events = await run_session(port, kill_on_first_final)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    assert len(procs) == 2, "the session ended before any final"
    states = [e.status for e in events if isinstance(e, ConnectionState)]
    assert states[0] == "connected" and "reconnecting" in states and states[-1] == "connected"

    expected = await client_segments()
    finals, translations = finals_and_translations(events)
    ids = [f.segment_id for f in finals]
    assert ids == list(range(len(expected))), "segment ids must continue without gaps or repeats"
    keys = [(t.segment_id, t.target_language) for t in translations]  # may interleave across segments
    assert sorted(keys) == [(i, "es") for i in ids], "one Spanish translation per final, none repeated"
    position = {id(e): i for i, e in enumerate(events)}
    final_at = {f.segment_id: position[id(f)] for f in finals}
    assert all(position[id(t)] > final_at[t.segment_id] for t in translations)
    for final, (start_s, end_s) in zip(finals, expected, strict=True):
        assert final.audio_start_s == pytest.approx(start_s, abs=0.001)
        assert final.audio_end_s == pytest.approx(end_s, abs=0.001)
    references = SAMPLE.with_suffix(".txt").read_text().splitlines()
    assert corpus_wer(zip(references, [f.text for f in finals], strict=True)) < 0.5


@pytest.mark.slow
async def test_streams_rotate_at_the_maximum_duration_without_losing_or_repeating_audio() -> None:
    from tolk.backend.offline import EmbeddedOptions, embedded_backend

    async with embedded_backend(EmbeddedOptions(max_stream_s=3.0)) as backend:
        target = backend.target
        port = int(target.rsplit(":", 1)[1])
        events = await run_session(port)
    rotations = [e for e in events if isinstance(e, ConnectionState) and e.status == "reconnecting"]
    # the status is DEADLINE_EXCEEDED, or, when the cut lands on a write, grpc's local error for it
    reasons = ("maximum stream duration", "ended the stream while audio was being sent")
    assert len(rotations) >= 2 and all(any(r in e.detail for r in reasons) for e in rotations)
    finals, translations = finals_and_translations(events)
    assert [f.segment_id for f in finals] == list(range(len(finals)))
    assert sorted(t.segment_id for t in translations) == [f.segment_id for f in finals]
    for before, after in itertools.pairwise(finals):
        assert after.audio_start_s >= before.audio_end_s - 0.005, "audio finalized twice"
    for start_s, end_s in await client_segments():  # every bit of speech is in some final
        covered = sum(max(0.0, min(end_s, f.audio_end_s) - max(start_s, f.audio_start_s)) for f in finals)
        assert covered == pytest.approx(end_s - start_s, abs=0.02)
