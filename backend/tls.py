"""TLS and mutual TLS for the server's listening port.

A certificate chain and its private key; with a client CA the server also requires every client to
present a certificate signed by that CA (mutual TLS). The client side is tolk.app.transport.channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from tolk.common.keyfiles import read_pem


@dataclass(frozen=True)
class ServerTls:
    """Server TLS settings.

    Attributes:
        cert: PEM certificate chain of the server.
        key: PEM private key of the server.
        client_ca: PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS).
    """

    cert: Path
    key: Path
    client_ca: Path | None = None


def server_credentials(tls: ServerTls) -> grpc.ServerCredentials:
    """Credentials for `server.add_secure_port`; mutual TLS when `tls.client_ca` is set."""
    pair = (read_pem(tls.key, "TLS key"), read_pem(tls.cert, "TLS certificate"))
    client_ca = read_pem(tls.client_ca, "client CA") if tls.client_ca else None
    return grpc.ssl_server_credentials(
        [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
    )
