"""TLS and mutual TLS for the server's listening port.

A certificate chain and its private key; with a client CA the server also requires every client to
present a certificate signed by that CA (mutual TLS). The client side is tolk.app.transport.channel.

`ReloadableTls` serves the same files through grpc's dynamic server credentials: `reload()` (SIGHUP)
re-reads and checks them (certificate and key parse, and the key belongs to the certificate); new
handshakes then use the new pair, open connections and their streams keep going. A broken new file set
raises TlsFileError and the pair in use stays.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tolk.common.keyfiles import TlsFileError, read_pem


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


def _checked_pair(tls: ServerTls) -> tuple[bytes, bytes]:
    """(key, chain) PEM bytes, after checking that both parse and that the key matches the certificate."""
    key_pem, chain_pem = read_pem(tls.key, "TLS key"), read_pem(tls.cert, "TLS certificate")
    try:
        leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    except ValueError:
        raise TlsFileError(f"TLS certificate {tls.cert} is not a valid certificate") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise TlsFileError(f"TLS key {tls.key} is not a valid unencrypted private key") from None
    raw = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*raw) != leaf.public_key().public_bytes(*raw):
        raise TlsFileError(f"TLS key {tls.key} does not belong to the certificate {tls.cert}")
    return key_pem, chain_pem


class ReloadableTls:
    """Server credentials whose certificate and key `reload()` replaces for new connections."""

    def __init__(self, tls: ServerTls) -> None:
        self.tls = tls
        self._lock = threading.Lock()
        self._pending: grpc.ServerCertificateConfiguration | None = None
        self._initial = self._configuration()

    def _configuration(self) -> grpc.ServerCertificateConfiguration:
        pair = _checked_pair(self.tls)
        client_ca = read_pem(self.tls.client_ca, "client CA") if self.tls.client_ca else None
        return grpc.ssl_server_certificate_configuration([pair], root_certificates=client_ca)

    def credentials(self) -> grpc.ServerCredentials:
        """Credentials for `server.add_secure_port` (mutual TLS when `tls.client_ca` is set)."""
        return grpc.dynamic_ssl_server_credentials(
            self._initial, self._fetch, require_client_authentication=self.tls.client_ca is not None
        )

    def reload(self) -> None:
        """Re-reads the files; raises TlsFileError (the pair in use stays) when they are broken."""
        configuration = self._configuration()
        with self._lock:
            self._pending = configuration

    def _fetch(self) -> grpc.ServerCertificateConfiguration | None:
        """grpc asks before each handshake: a new configuration once after a reload, else None (keep)."""
        with self._lock:
            pending, self._pending = self._pending, None
        return pending
