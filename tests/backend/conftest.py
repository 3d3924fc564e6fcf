"""Fixtures: a real server on port 0 with test engines, and a channel/stub to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from backend_fakes import FakeRegistry
from backend_helpers import launch

from tolk.backend.config import ServerConfig
from tolk.backend.server import TolkServer
from tolk.v1 import interpreter_pb2_grpc as pb_grpc


@pytest_asyncio.fixture
async def fake_server() -> AsyncIterator[tuple[TolkServer, FakeRegistry]]:
    registry = FakeRegistry()
    handle = await launch(ServerConfig(asr="fake-asr", mt="fake-mt"), registry)
    try:
        yield handle, registry
    finally:
        await handle.stop(None)


@pytest_asyncio.fixture
async def channel(fake_server: tuple[TolkServer, FakeRegistry]) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{fake_server[0].port}") as ch:
        yield ch


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> pb_grpc.InterpreterStub:
    return pb_grpc.InterpreterStub(channel)
