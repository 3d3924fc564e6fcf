"""Churn: 1,000 open / cancel-at-a-random-point cycles; sessions, asyncio tasks and RSS return to baseline.

The decoder pool is filled to the server's capacity first: the pool keeps its peak, and a decoder built
mid-run (40 MB) would show up as RSS growth that is not a leak.
"""

from __future__ import annotations

import asyncio
import gc
import random
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from tolk.backend.engines.pocketsphinx_asr import DecoderPool
from tolk.backend.server import TolkServer
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import ServerFactory, SpyRegistry, audio_request, config_request

CYCLES = 1000
WARM_UP_CYCLES = 100
CONCURRENCY = 8
MAX_RSS_GROWTH = 0.05
SETTLE_S = 30.0


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def _requests(chunks: list[bytes], count: int, pause_s: float) -> AsyncIterator[pb.InterpretRequest]:
    yield config_request()
    for chunk in chunks[:count]:
        if pause_s:
            await asyncio.sleep(pause_s)
        yield audio_request(chunk)
    await asyncio.Event().wait()  # never half-closes: only the cancel ends the call


async def _cycle(stub: pb_grpc.InterpreterStub, chunks: list[bytes], rng: random.Random) -> None:
    """Opens a stream and cancels it at a random point: before or after events, mid-audio."""
    call = stub.Interpret(_requests(chunks, rng.randrange(0, 40), rng.choice([0.0, 0.0, 0.01])))
    reads = rng.randrange(0, 4)
    try:
        for _ in range(reads):
            await asyncio.wait_for(call.read(), timeout=rng.uniform(0.0, 0.3))
    except (TimeoutError, grpc.aio.AioRpcError):
        pass
    call.cancel()


def _fill(pool: DecoderPool, count: int) -> None:
    decoders = [pool.acquire() for _ in range(count)]
    for decoder in decoders:
        pool.release(decoder)


async def _settle(server: TolkServer) -> None:
    assert await server.guard.wait_idle(SETTLE_S), "sessions did not end"


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_1000_open_cancel_cycles_leave_nothing_behind(
    make_server: ServerFactory, registry: SpyRegistry, chunks: list[bytes]
) -> None:
    server = await make_server(max_sessions=CONCURRENCY * 2)
    pool = registry.asr("pocketsphinx").pool  # type: ignore[attr-defined]
    _fill(pool, server.guard.admission.max_sessions)  # the pool's peak: as many decoders as the server admits
    rng = random.Random(1000)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)

        async def batch(count: int) -> None:
            for start in range(0, count, CONCURRENCY):
                await asyncio.gather(
                    *(_cycle(stub, chunks, rng) for _ in range(min(CONCURRENCY, count - start)))
                )

        await batch(WARM_UP_CYCLES)
        await _settle(server)
        gc.collect()
        base_tasks, base_rss, base_decoders = len(asyncio.all_tasks()), rss_kib(), pool.created
        await batch(CYCLES - WARM_UP_CYCLES)
        await _settle(server)
        await asyncio.sleep(0.5)  # let cancelled helpers finish
        gc.collect()
        tasks, rss = len(asyncio.all_tasks()), rss_kib()
    growth = (rss - base_rss) / base_rss
    print(
        f"churn: {CYCLES} cycles; tasks {base_tasks} -> {tasks}; rss {base_rss / 1024:.1f} MiB -> "
        f"{rss / 1024:.1f} MiB ({growth:+.2%})"
    )
    assert server.sessions.active == 0 and server.guard.active == 0
    assert server.metrics.value("tolk_active_sessions") == 0
    assert tasks <= base_tasks
    assert pool.created == base_decoders  # every stream reused a pooled decoder
    assert growth < MAX_RSS_GROWTH
