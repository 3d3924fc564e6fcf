"""The CLI and the app connect through one channel builder (tolk.app.transport.channel), TLS included.

A real Tolk server with mutual TLS; the app's BackendLink reaches it with the CA, client certificate and
key that `tolk app --tls-ca/--tls-cert/--tls-key` pass down, and the CLI's flags make the same spec.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tolk.app.backend_link import BackendLink, ConnectionSpec
from tolk.app.cli import build_parser
from tolk.app.commands import channel_spec
from tolk.app.core.errors import ServerError
from tolk.app.transport.channel import ChannelSpec, ClientTls
from tolk.backend.config import ServerConfig
from tolk.backend.server import TolkServer, start_server

from .certs import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
async def mtls_server(pki: Pki) -> AsyncIterator[TolkServer]:
    config = ServerConfig(
        host="127.0.0.1", port=0, tls_cert=pki.server_cert, tls_key=pki.server_key, tls_client_ca=pki.ca
    )
    handle = await start_server(config)
    yield handle
    await handle.stop(0)


async def test_app_reaches_a_mutual_tls_server_with_its_files(mtls_server: TolkServer, pki: Pki) -> None:
    spec = ConnectionSpec(mode="server", address=f"127.0.0.1:{mtls_server.port}", tls=True)
    link = BackendLink(tls_files=ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key))
    try:
        capabilities = await link.capabilities(spec)
    finally:
        await link.close()
    assert {engine.kind for engine in capabilities.engines} == {"asr", "mt"}


async def test_app_with_system_roots_only_is_refused(mtls_server: TolkServer) -> None:
    spec = ConnectionSpec(mode="server", address=f"127.0.0.1:{mtls_server.port}", tls=True)
    link = BackendLink()
    try:
        with pytest.raises(ServerError):
            await link.capabilities(spec)
    finally:
        await link.close()


def test_cli_flags_and_app_settings_make_the_same_channel_spec(pki: Pki, tmp_path: Path) -> None:
    flags = ["--server", "h:1", "--tls-ca", str(pki.ca), "--tls-cert", str(pki.client_cert)]
    flags += ["--tls-key", str(pki.client_key), "--token", "t" * 20]
    args = build_parser(["translate"], env={}).parse_args(["translate", "a.wav", *flags])
    files = ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    expected = ChannelSpec("h:1", "t" * 20, files)
    assert channel_spec(args, "h:1") == expected
    assert ConnectionSpec(mode="server", address="h:1", tls=True, token="t" * 20).channel(files) == expected
    plain = build_parser(["translate"], env={}).parse_args(["translate", "a.wav", "--server", "h:1"])
    assert channel_spec(plain, "h:1") == ChannelSpec("h:1") == ConnectionSpec(address="h:1").channel(files)
