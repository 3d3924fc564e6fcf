"""A half-open connection (a proxy that silently stops forwarding) is freed by keepalive."""

from __future__ import annotations

import asyncio
import contextlib
import time

import grpc
import pytest

from tolk.backend.server import TolkServer
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import ServerFactory, paced

KEEPALIVE_TIME_S = 1.0
KEEPALIVE_TIMEOUT_S = 1.0
LIVENESS_BOUND_S = 30.0  # a hang guard, far above the keepalive window (the window itself is reported)


class FreezingProxy:
    """Forwards TCP between a client and the server until `freeze()`; then drops bytes, keeps sockets open."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.frozen = asyncio.Event()
        self._pumps: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [writer, up_writer]
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._pumps.add(task)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                if self.frozen.is_set():
                    continue  # swallowed: the peer never hears of it
                sink.write(data)
                await sink.drain()

    def freeze(self) -> None:
        self.frozen.set()

    async def close(self) -> None:
        for task in self._pumps:
            task.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def _until_no_sessions(server: TolkServer) -> float:
    started = time.monotonic()
    assert await server.guard.wait_idle(LIVENESS_BOUND_S), "the dead connection still holds its session"
    return time.monotonic() - started


@pytest.mark.slow
async def test_session_behind_a_dead_connection_is_freed(
    make_server: ServerFactory, chunks: list[bytes]
) -> None:
    server = await make_server(
        keepalive_s=KEEPALIVE_TIME_S, keepalive_timeout_s=KEEPALIVE_TIMEOUT_S, idle_timeout_s=600.0
    )
    proxy = FreezingProxy(server.port)
    port = await proxy.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    call = pb_grpc.InterpreterStub(channel).Interpret(paced(chunks * 10))
    try:
        first = await call.read()
        assert first.WhichOneof("event") == "started"
        assert server.guard.active == 1
        proxy.freeze()
        freed_after_s = await _until_no_sessions(server)
    finally:
        call.cancel()
        await channel.close(grace=None)
        await proxy.close()
    window_s = KEEPALIVE_TIME_S + KEEPALIVE_TIMEOUT_S
    print(f"freed {freed_after_s:.1f} s after the freeze (keepalive window {window_s:g} s)")
    assert server.metrics.value("tolk_active_sessions") == 0
