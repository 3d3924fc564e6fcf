"""TLS and mutual TLS for the server and for client channels.

Server: a certificate chain and its private key; with a client CA the server also requires every client to
present a certificate signed by that CA (mutual TLS). Client: the CA that signed the server's certificate
(system roots when omitted) and, for mutual TLS, the client's own certificate and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


class TlsFileError(ValueError):
    """A certificate or key file is missing or unreadable (one line, names the file)."""


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


@dataclass(frozen=True)
class ClientTls:
    """Client TLS settings.

    Attributes:
        ca: PEM CA bundle that signed the server certificate; None uses the system roots.
        cert: PEM client certificate chain (mutual TLS), or None.
        key: PEM client private key (mutual TLS), or None.
        server_name: overrides the name checked against the server certificate (tests, IP targets).
    """

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    server_name: str | None = None


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TlsFileError(f"cannot read {what} {path}: {exc.strerror}") from None
    if b"-----BEGIN" not in data:
        raise TlsFileError(f"{what} {path} is not PEM")
    return data


def server_credentials(tls: ServerTls) -> grpc.ServerCredentials:
    """Credentials for `server.add_secure_port`; mutual TLS when `tls.client_ca` is set."""
    pair = (_read(tls.key, "TLS key"), _read(tls.cert, "TLS certificate"))
    client_ca = _read(tls.client_ca, "client CA") if tls.client_ca else None
    return grpc.ssl_server_credentials(
        [pair], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


def channel_credentials(tls: ClientTls) -> grpc.ChannelCredentials:
    """Credentials for `grpc.aio.secure_channel`."""
    if (tls.cert is None) != (tls.key is None):
        raise TlsFileError("a client certificate needs its key and the key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(tls.ca, "CA") if tls.ca else None,
        private_key=_read(tls.key, "TLS key") if tls.key else None,
        certificate_chain=_read(tls.cert, "TLS certificate") if tls.cert else None,
    )


def channel_options(tls: ClientTls | None) -> list[tuple[str, str]]:
    """Channel arguments that TLS needs (the overridden server name, if any)."""
    if tls is None or not tls.server_name:
        return []
    return [("grpc.ssl_target_name_override", tls.server_name)]
