"""Rooms across replicas: two servers sharing a real redis-server (Debian's, started here on a free port)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest
import pytest_asyncio
from events_helpers import launch, listen, sample_audio, speak, until

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server (./dev setup)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    port = free_port()
    args = [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    reg = Registry()
    try:
        yield reg
    finally:
        reg.close()


@pytest_asyncio.fixture
async def replicas(redis_url: str, registry: Registry) -> AsyncIterator[tuple[TolkServer, TolkServer]]:
    config = replace(ServerConfig(), bus=redis_url)
    a = await launch(config, registry)
    b = await launch(config, registry)
    try:
        yield a, b
    finally:
        await a.stop(None)
        await b.stop(None)


async def test_listener_on_replica_b_follows_a_speaker_on_replica_a(
    replicas: tuple[TolkServer, TolkServer],
) -> None:
    a, b = replicas
    assert b.rooms is not None
    hub_b = b.rooms.hub
    on_b = {lang: asyncio.create_task(listen(b.port, "shared", lang)) for lang in ("es", "ca")}
    await until(lambda: hub_b.listeners_of("shared") == 2)

    speech = await speak(a.port, "shared", sample_audio(12.5), ["es"])
    got = {lang: await asyncio.wait_for(task, 60) for lang, task in on_b.items()}

    assert speech.finals
    for lang, events in got.items():
        finals = [e.caption for e in events if e.WhichOneof("event") == "caption" and e.caption.is_final]
        assert [c.segment_id for c in finals] == [f.segment_id for f in speech.finals], lang
        assert events[-1].ended.reason == "speaker ended"
    spanish = [e.caption.text for e in got["es"] if e.WhichOneof("event") == "caption"]
    assert spanish == [speech.translations[(f.segment_id, "es")] for f in speech.finals]


async def test_a_bad_bus_url_fails_at_start(registry: Registry) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(OSError, match="cannot reach Redis"):
        await launch(replace(ServerConfig(), bus=f"redis://127.0.0.1:{port}"), registry)
