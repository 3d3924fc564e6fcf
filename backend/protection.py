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
from tolk.backend.tls import ServerTls, server_credentials


@dataclass
class Protection:
    """What `start_server` wires in.

    Attributes:
        guard: admission, quotas, stream limits, draining and delay metrics.
        metrics: the server's Prometheus collectors.
        interceptors: server interceptors, in order (auth before the guard).
        options: grpc channel arguments (message sizes, keepalive).
        credentials: TLS credentials for the port, or None for plaintext.
    """

    guard: StreamGuard
    metrics: Metrics
    interceptors: list[Any]
    options: list[tuple[str, int]]
    credentials: grpc.ServerCredentials | None


def build_protection(
    limits: Limits,
    tls: ServerTls | None = None,
    auth_tokens: Path | None = None,
    metrics: Metrics | None = None,
) -> Protection:
    """Loads tokens and certificates and builds the interceptors; raises ValueError for a bad file."""
    metrics = metrics or Metrics()
    interceptors: list[Any] = []
    if auth_tokens is not None:
        tokens = load_tokens(auth_tokens)

        def on_reject() -> None:
            metrics.rejected.labels("auth").inc()
            metrics.errors.labels(grpc.StatusCode.UNAUTHENTICATED.name).inc()

        interceptors.append(AuthInterceptor(tokens, on_reject))
    guard = StreamGuard(limits, metrics)
    interceptors.append(guard)
    credentials = server_credentials(tls) if tls is not None else None
    return Protection(guard, metrics, interceptors, server_options(limits), credentials)
