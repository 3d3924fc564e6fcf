"""The one place that turns a connection spec into a gRPC channel: TLS (CA, client certificate and key,
server name) and the bearer token. `tolk translate`, `tolk engines` and the desktop app all connect here.

A token sent over a plaintext channel to an address other machines can reach is logged as a warning
here, once per target (the CLI shows it as one `tolk: warning:` line on stderr, the app logs it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from tolk.common.keyfiles import TlsFileError, TokenFileError, read_pem

log = logging.getLogger(__name__)

AUTH_HEADER = "authorization"
_WARNED: set[str] = set()


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


@dataclass(frozen=True)
class ChannelSpec:
    """How to reach one server.

    Attributes:
        target: host:port.
        token: bearer token sent with every call, or None.
        tls: TLS settings, or None for a plaintext channel.
    """

    target: str
    token: str | None = None
    tls: ClientTls | None = None


def channel_credentials(tls: ClientTls) -> grpc.ChannelCredentials:
    """Credentials for `grpc.aio.secure_channel`; raises TlsFileError for a bad or half-given file set."""
    if (tls.cert is None) != (tls.key is None):
        raise TlsFileError("a client certificate needs its key and the key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=read_pem(tls.ca, "CA") if tls.ca else None,
        private_key=read_pem(tls.key, "TLS key") if tls.key else None,
        certificate_chain=read_pem(tls.cert, "TLS certificate") if tls.cert else None,
    )


def channel_options(tls: ClientTls | None) -> list[tuple[str, str]]:
    """Channel arguments that TLS needs (the overridden server name, if any)."""
    if tls is None or not tls.server_name:
        return []
    return [("grpc.ssl_target_name_override", tls.server_name)]


def call_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    """The call metadata that carries `token` (empty without one)."""
    return ((AUTH_HEADER, f"Bearer {token}"),) if token else ()


def read_token_file(path: Path) -> str:
    """The first token in a token file (comments and blank lines ignored; `name token` lines allowed)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TokenFileError(f"cannot read token file {path}: {exc.strerror}") from None
    for raw in lines:
        fields = raw.split("#", 1)[0].split()
        if fields:
            return fields[-1]
    raise TokenFileError(f"{path}: no token in the file")


def is_loopback_target(target: str) -> bool:
    """True for targets only this machine can reach (localhost, 127.0.0.0/8, ::1, unix sockets)."""
    bare = target.strip().lower()
    if bare.startswith(("unix:", "unix-abstract:")):
        return True
    for prefix in ("dns:///", "ipv4:", "ipv6:"):
        bare = bare.removeprefix(prefix)
    if bare.startswith("["):
        host = bare[1:].split("]", 1)[0]
    elif bare.count(":") > 1:  # a bare IPv6 address without a port
        host = bare
    else:
        host = bare.split(":", 1)[0]
    return host in ("localhost", "::1") or host.startswith("127.")


def plaintext_token_warning(spec: ChannelSpec) -> str | None:
    """The warning for a token that would travel in plaintext to a non-loopback target, or None."""
    if not spec.token or spec.tls is not None or is_loopback_target(spec.target):
        return None
    return (
        f"the token travels in plaintext to {spec.target}: anyone on the network can read it "
        "(connect with TLS)"
    )


def open_channel(spec: ChannelSpec, options: Sequence[tuple[str, Any]] = ()) -> grpc.aio.Channel:
    """A channel to `spec.target`: secure when `spec.tls` is set, plaintext otherwise."""
    warning = plaintext_token_warning(spec)
    if warning is not None and spec.target not in _WARNED:
        _WARNED.add(spec.target)
        log.warning(warning)
    if spec.tls is None:
        return grpc.aio.insecure_channel(spec.target, options=list(options))
    credentials = channel_credentials(spec.tls)
    return grpc.aio.secure_channel(spec.target, credentials, options=[*options, *channel_options(spec.tls)])
