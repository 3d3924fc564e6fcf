"""Soak: 50+ concurrent real-time streams for 60 s against a server process.

Zero lost or duplicated finals (segment ids checked per stream, each stream starting at its own
first_segment_id), every final translated, and server memory growth under 5 % after warm-up.

Each stream is a speaker who talks now and then: three 1.5 s utterances from the LibriVox sample per
minute, at stream-specific times, with silence between. PocketSphinx needs about 0.4 CPU seconds per
second of speech, so 50 continuous talkers would need ~20 cores; this duty cycle keeps the total speech
load under what two shared cores process in real time, while every stream stays open and paced.
"""

from __future__ import annotations

import asyncio
import random
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from bench.load import load_chunks, run_stream
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .serverproc import free_port, spawn

STREAMS = 50
AUDIO_S = 60.0
MAX_GROWTH = 0.05
SAMPLE_PERIOD_S = 5.0
UTTERANCES = 3
UTTERANCE_CHUNKS = 15


def _talker(speech: list[bytes], rng: random.Random) -> list[bytes]:
    """60 s of 100 ms chunks: silence with UTTERANCES utterances of UTTERANCE_CHUNKS chunks each."""
    silence = bytes(len(speech[0]))
    chunks = [silence] * int(AUDIO_S / 0.1)
    slot = len(chunks) // UTTERANCES
    for index in range(UTTERANCES):
        start = index * slot + rng.randrange(5, slot - UTTERANCE_CHUNKS - 10)
        source = rng.randrange(0, len(speech) - UTTERANCE_CHUNKS)
        chunks[start : start + UTTERANCE_CHUNKS] = speech[source : source + UTTERANCE_CHUNKS]
    return chunks


def _finals_so_far(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("tolk_final_delay_seconds_count "):
                return float(line.split()[1])
    return 0.0


def _series(samples: list[Sample]) -> list[tuple[int, int]]:
    return [(round(s.t_s), s.rss_kib >> 10) for s in samples]


@dataclass
class Sample:
    t_s: float
    rss_kib: int
    finals: float
    running: int


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_soak_50_real_time_streams_for_60_s(tmp_path: Path) -> None:
    speech = load_chunks()
    metrics_port = free_port()
    flags = ["--max-sessions", str(STREAMS + 8), "--max-streams-per-client", "0", "--audio-s-per-min", "0"]
    flags += ["--metrics-port", str(metrics_port), "--log-level", "warning"]
    proc = spawn(flags, tmp_path / "server.log")
    samples: list[Sample] = []
    try:
        await asyncio.to_thread(proc.wait_serving)
        rng = random.Random(6)
        async with grpc.aio.insecure_channel(proc.target) as channel:
            stub = pb_grpc.InterpreterStub(channel)
            streams = [
                asyncio.create_task(
                    run_stream(
                        stub,
                        _talker(speech, rng),
                        first_segment_id=1000 * i,
                        start_delay_s=rng.uniform(0, 1.0),
                    )
                )
                for i in range(STREAMS)
            ]
            loop = asyncio.get_running_loop()
            started = loop.time()
            while not all(task.done() for task in streams):
                finals = await asyncio.to_thread(_finals_so_far, metrics_port)
                running = sum(not task.done() for task in streams)
                samples.append(Sample(loop.time() - started, proc.rss_kib(), finals, running))
                await asyncio.wait(streams, timeout=SAMPLE_PERIOD_S)
            results = [task.result() for task in streams]
    finally:
        proc.stop()
    # warm-up: every decoder has been created and (about) every stream has had a final
    live = [s for s in samples if s.running == STREAMS]
    warm = [s for s in live if s.finals >= STREAMS]
    assert len(warm) >= 2, f"too few samples after warm-up: {samples}"
    growth = (warm[-1].rss_kib - warm[0].rss_kib) / warm[0].rss_kib
    finals = sum(len(r.final_ids) for r in results)
    print(
        f"soak: {STREAMS} streams, {finals} finals, {samples[-1].t_s:.0f} s; rss after warm-up "
        f"{warm[0].rss_kib / 1024:.1f} MiB (t={warm[0].t_s:.0f} s) -> {warm[-1].rss_kib / 1024:.1f} MiB "
        f"(t={warm[-1].t_s:.0f} s): {growth:+.2%}; MiB by second {_series(samples)}"
    )
    assert [r.code for r in results] == ["OK"] * STREAMS
    assert [p for r in results for p in r.problems] == []
    assert all(r.final_ids for r in results)
    assert growth < MAX_GROWTH
