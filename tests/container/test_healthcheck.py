"""`python -m tolk.backend.healthcheck` (the image's HEALTHCHECK) against a real server on port 0."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from tolk.backend import healthcheck
from tolk.backend.config import ServerConfig
from tolk.backend.server import TolkServer, start_server


@pytest.fixture
async def server() -> AsyncIterator[TolkServer]:
    handle = await start_server(ServerConfig(port=0))
    try:
        await handle.ready
        yield handle
    finally:
        await handle.stop(0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serving_server_is_healthy_and_draining_one_is_not(
    server: TolkServer, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"127.0.0.1:{server.port}"
    assert await asyncio.to_thread(healthcheck.main, ["--target", target]) == 0
    await server.set_serving(False)
    assert await asyncio.to_thread(healthcheck.main, ["--target", target]) == 1
    assert "NOT_SERVING" in capsys.readouterr().err


async def test_default_target_is_tolk_port_on_loopback(
    server: TolkServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOLK_PORT", str(server.port))
    assert await asyncio.to_thread(healthcheck.main, []) == 0


def test_unreachable_server_fails_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    assert healthcheck.main(["--target", f"127.0.0.1:{port}", "--timeout-s", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UNAVAILABLE" in err
