"""TLS and mutual TLS: the right clients get in; plaintext, no-certificate and wrong-CA clients do not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from tolk.app.transport.channel import ClientTls, channel_credentials
from tolk.backend.tls import ServerTls, server_credentials
from tolk.common.keyfiles import TlsFileError

from .certs import Pki, make_pki

TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("foreign"), name="intruder")


async def _serve(tls: ServerTls) -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    port = server.add_secure_port("127.0.0.1:0", server_credentials(tls))
    await server.start()
    return server, port


@pytest.fixture
async def tls_server(pki: Pki) -> AsyncIterator[int]:
    server, port = await _serve(ServerTls(pki.server_cert, pki.server_key))
    yield port
    await server.stop(None)


@pytest.fixture
async def mtls_server(pki: Pki) -> AsyncIterator[int]:
    server, port = await _serve(ServerTls(pki.server_cert, pki.server_key, client_ca=pki.ca))
    yield port
    await server.stop(None)


async def _check(port: int, tls: ClientTls | None) -> grpc.StatusCode:
    target = f"127.0.0.1:{port}"
    if tls is None:
        channel = grpc.aio.insecure_channel(target)
    else:
        channel = grpc.aio.secure_channel(target, channel_credentials(tls))
    async with channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            await stub.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


async def test_tls_client_with_the_right_ca_gets_in(tls_server: int, pki: Pki) -> None:
    assert await _check(tls_server, ClientTls(ca=pki.ca)) == grpc.StatusCode.OK


async def test_plaintext_client_is_rejected(tls_server: int) -> None:
    assert await _check(tls_server, None) == grpc.StatusCode.UNAVAILABLE


async def test_client_trusting_another_ca_is_rejected(tls_server: int, foreign: Pki) -> None:
    assert await _check(tls_server, ClientTls(ca=foreign.ca)) == grpc.StatusCode.UNAVAILABLE


async def test_mtls_client_with_its_certificate_gets_in(mtls_server: int, pki: Pki) -> None:
    tls = ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    assert await _check(mtls_server, tls) == grpc.StatusCode.OK


async def test_mtls_client_without_certificate_is_rejected(mtls_server: int, pki: Pki) -> None:
    assert await _check(mtls_server, ClientTls(ca=pki.ca)) == grpc.StatusCode.UNAVAILABLE


async def test_mtls_client_with_a_foreign_certificate_is_rejected(
    mtls_server: int, pki: Pki, foreign: Pki
) -> None:
    tls = ClientTls(ca=pki.ca, cert=foreign.client_cert, key=foreign.client_key)
    assert await _check(mtls_server, tls) == grpc.StatusCode.UNAVAILABLE


def test_unreadable_or_non_pem_files_give_one_line_errors(tmp_path: Path, pki: Pki) -> None:
    with pytest.raises(TlsFileError, match="cannot read TLS certificate"):
        server_credentials(ServerTls(tmp_path / "missing.crt", pki.server_key))
    junk = tmp_path / "junk.crt"
    junk.write_text("not a certificate")
    with pytest.raises(TlsFileError, match="is not PEM"):
        server_credentials(ServerTls(junk, pki.server_key))
    with pytest.raises(TlsFileError, match="needs its key"):
        channel_credentials(ClientTls(ca=pki.ca, cert=pki.client_cert))
