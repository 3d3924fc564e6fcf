"""Everything a server needs for auth, TLS, limits and metrics, built once from its settings.

`build_protection` reads the token file and the TLS files (raising ValueError with one line naming the
file), and returns the interceptors (auth first, then the stream guard), the channel options (message
sizes, keepalive) and the credentials for the listening port (None = plaintext).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from tolk.backend.guard import StreamGuard
from tolk.backend.limits import Limits, server_options
from tolk.backend.metrics import Metrics
from tolk.backend.security import AuthInterceptor, load_tokens
from tolk.backend.tls import ReloadableTls, ServerTls, server_credentials
from tolk.common.keyfiles import TlsFileError, TokenFileError


@dataclass
class Protection:
    """What `start_server` wires in.

    Attributes:
        guard: admission, quotas, stream limits, draining and delay metrics.
        metrics: the server's Prometheus collectors.
        interceptors: server interceptors, in order (auth before the guard).
        options: grpc channel arguments (message sizes, keepalive).
        credentials: TLS credentials for the port, or None for plaintext.
        auth / auth_tokens: the token check and its file, when authentication is on.
        tls: the certificate and key behind `credentials`, reloadable (None for plaintext).
    """

    guard: StreamGuard
    metrics: Metrics
    interceptors: list[Any]
    options: list[tuple[str, int]]
    credentials: grpc.ServerCredentials | None
    auth: AuthInterceptor | None = None
    auth_tokens: Path | None = None
    tls: ReloadableTls | None = None

    def reload_tokens(self) -> int:
        """Re-reads the token file (SIGHUP); returns how many tokens it holds.

        Raises TokenFileError (the old tokens stay) for a missing or malformed file.
        """
        if self.auth is None or self.auth_tokens is None:
            raise TokenFileError("authentication is off (no token file)")
        tokens = load_tokens(self.auth_tokens)
        self.auth.reload(tokens)
        return len(tokens.entries)

    def reload_tls(self) -> None:
        """Re-reads the TLS certificate and key for new connections (SIGHUP).

        Raises TlsFileError (the pair in use stays) for a missing, malformed or mismatched file.
        """
        if self.tls is None:
            raise TlsFileError("TLS reload is off (start tolk serve with --tls-reload)")
        self.tls.reload()


def build_protection(
    limits: Limits,
    tls: ServerTls | None = None,
    auth_tokens: Path | None = None,
    metrics: Metrics | None = None,
    tls_reload: bool = False,
) -> Protection:
    """Loads tokens and certificates and builds the interceptors; raises ValueError for a bad file."""
    metrics = metrics or Metrics()
    interceptors: list[Any] = []
    auth: AuthInterceptor | None = None
    if auth_tokens is not None:
        tokens = load_tokens(auth_tokens)

        def on_reject() -> None:
            metrics.rejected.labels("auth").inc()
            metrics.errors.labels(grpc.StatusCode.UNAUTHENTICATED.name).inc()

        auth = AuthInterceptor(tokens, on_reject)
        interceptors.append(auth)
    guard = StreamGuard(limits, metrics)
    interceptors.append(guard)
    # Static credentials unless asked: the dynamic ones run a Python callback in every handshake.
    reloadable = ReloadableTls(tls) if tls is not None and tls_reload else None
    if reloadable is not None:
        credentials: grpc.ServerCredentials | None = reloadable.credentials()
    else:
        credentials = server_credentials(tls) if tls is not None else None
    options = server_options(limits)
    return Protection(guard, metrics, interceptors, options, credentials, auth, auth_tokens, reloadable)
