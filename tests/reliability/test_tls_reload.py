"""SIGHUP reloads the server's TLS certificate and key: new connections get the new pair, open ones keep
going, and a broken new file set keeps the pair in use (issue 11)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.backend.config import ServerConfig
from tolk.backend.server import TolkServer, reload_tokens, start_server
from tolk.backend.tls import ReloadableTls, ServerTls
from tolk.common.keyfiles import TlsFileError

from .certs import Pki, make_pki


def _install(pki: Pki, cert: Path, key: Path) -> None:
    cert.write_bytes(pki.server_cert.read_bytes())
    key.write_bytes(pki.server_key.read_bytes())


def _trusting(ca: Path) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(ca.read_bytes())


async def _check(port: int, ca: Path) -> grpc.StatusCode:
    """Health.Check over a NEW channel that trusts only `ca`."""
    credentials = _trusting(ca)
    async with grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        try:
            await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        except grpc.aio.AioRpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[TolkServer, Pki, Pki, Path, Path]]:
    old, new = make_pki(tmp_path / "old", "old"), make_pki(tmp_path / "new", "new")
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    _install(old, cert, key)
    handle = await start_server(
        ServerConfig(host="127.0.0.1", port=0, tls_cert=cert, tls_key=key, tls_reload=True)
    )
    yield handle, old, new, cert, key
    await handle.stop(0)


async def test_sighup_swaps_the_certificate_and_keeps_open_connections(
    served: tuple[TolkServer, Pki, Pki, Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    handle, old, new, cert, key = served
    credentials = _trusting(old.ca)
    async with grpc.aio.secure_channel(f"127.0.0.1:{handle.port}", credentials) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        watch = health.Watch(health_pb2.HealthCheckRequest(), timeout=60)
        await watch.read()  # an open stream on a connection made with the old certificate
        assert await _check(handle.port, old.ca) == grpc.StatusCode.OK
        assert await _check(handle.port, new.ca) == grpc.StatusCode.UNAVAILABLE

        _install(new, cert, key)
        reload_tokens(handle)  # the SIGHUP handler
        assert await _check(handle.port, new.ca) == grpc.StatusCode.OK
        assert await _check(handle.port, old.ca) == grpc.StatusCode.UNAVAILABLE

        cert.write_text("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
        with caplog.at_level(logging.ERROR, logger="tolk.backend.server"):
            reload_tokens(handle)
        assert "TLS certificate not reloaded" in caplog.text
        assert await _check(handle.port, new.ca) == grpc.StatusCode.OK  # the new pair stays in use

        assert not watch.done()  # the stream opened before both reloads is still running
        await health.Check(health_pb2.HealthCheckRequest(), timeout=10)  # and its connection still works
        watch.cancel()


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(tmp_path: Path) -> None:
    one, other = make_pki(tmp_path / "one", "one"), make_pki(tmp_path / "other", "other")
    reloadable = ReloadableTls(ServerTls(one.server_cert, one.server_key))
    reloadable.tls = ServerTls(one.server_cert, other.server_key)
    with pytest.raises(TlsFileError, match="does not belong"):
        reloadable.reload()
    with pytest.raises(TlsFileError, match="does not belong"):
        ReloadableTls(ServerTls(one.server_cert, other.server_key))
