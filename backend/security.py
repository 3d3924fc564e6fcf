"""Bearer-token authentication for the gRPC service.

Clients send `authorization: Bearer <token>` metadata. Tokens live in a file, one per line:

    # comments and blank lines are ignored
    alice  3f9c2a7e6b1d4c08a5e2f7b9c1d3e5a7     <- a named token: quotas and logs say "alice"
    9b8a7c6d5e4f30211f2e3d4c5b6a7988          <- an unnamed token: named "token-2" (its line number)

The check runs in a server interceptor, before any handler or model work, compares every known token
in constant time (hmac.compare_digest) and answers UNAUTHENTICATED. The token itself is never logged
or put in an error message; the identity that later code sees (`client_identity`) is the token's name,
or the peer's address when authentication is off.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from tolk.backend.interceptors import OPEN_METHOD_PREFIXES, abort_handler, wrap_handler
from tolk.common.keyfiles import TokenFileError

log = logging.getLogger(__name__)

MIN_TOKEN_CHARS = 16
AUTH_HEADER = "authorization"
BEARER_PREFIX = "bearer "

_CLIENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("tolk_client", default=None)


@dataclass(frozen=True)
class TokenSet:
    """Known tokens and the client name each one stands for.

    Attributes:
        entries: (name, token) pairs, in file order.
    """

    entries: tuple[tuple[str, str], ...]

    def identify(self, presented: str) -> str | None:
        """Returns the client name for `presented`, or None; compares against every token in constant time."""
        found: str | None = None
        candidate = presented.encode()
        for name, token in self.entries:
            if hmac.compare_digest(candidate, token.encode()) and found is None:
                found = name
        return found


def parse_tokens(text: str) -> TokenSet:
    """Parses a token file's text (see the module docstring for the format)."""
    entries: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) > 2:
            raise TokenFileError(f"line {number}: expected '<token>' or '<name> <token>'")
        name, token = (fields[0], fields[1]) if len(fields) == 2 else (f"token-{number}", fields[0])
        if len(token) < MIN_TOKEN_CHARS:
            raise TokenFileError(f"line {number}: token shorter than {MIN_TOKEN_CHARS} characters")
        entries.append((name, token))
    if not entries:
        raise TokenFileError("no tokens in the file")
    return TokenSet(tuple(entries))


def load_tokens(path: Path) -> TokenSet:
    """Reads a token file; raises TokenFileError with a one-line reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TokenFileError(f"cannot read token file {path}: {exc.strerror}") from None
    try:
        return parse_tokens(text)
    except TokenFileError as exc:
        raise TokenFileError(f"{path}: {exc}") from None


def bearer_token(metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
    """The bearer token in call metadata, or None."""
    for key, value in metadata or ():
        if key.lower() != AUTH_HEADER or not isinstance(value, str):
            continue
        if value[: len(BEARER_PREFIX)].lower() == BEARER_PREFIX:
            return value[len(BEARER_PREFIX) :].strip()
    return None


def peer_identity(peer: str) -> str:
    """A client identity from a gRPC peer string: the address without the port."""
    if peer.startswith("ipv6:"):
        return peer.rsplit(":", 1)[0] if "]:" in peer else peer
    if peer.startswith("ipv4:"):
        return peer.rsplit(":", 1)[0]
    return peer


def client_identity(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """Who is calling: the token's name when authentication is on, else the peer address."""
    return _CLIENT.get() or peer_identity(context.peer())


class AuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Answers UNAUTHENTICATED to calls without a known token; health checks stay open for probes."""

    def __init__(self, tokens: TokenSet, on_reject: Callable[[], None] | None = None) -> None:
        self._tokens = tokens
        self._on_reject = on_reject

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method or ""
        if method.startswith(OPEN_METHOD_PREFIXES):
            return await continuation(handler_call_details)
        presented = bearer_token(_metadata(handler_call_details))
        name = self._tokens.identify(presented) if presented is not None else None
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        if name is None:
            reason = "no token" if presented is None else "bad token"
            log.warning("rejected call", extra={"method": method, "reason": reason})
            if self._on_reject is not None:
                self._on_reject()
            message = "missing bearer token" if presented is None else "unknown bearer token"
            return abort_handler(handler, grpc.StatusCode.UNAUTHENTICATED, message)
        return wrap_handler(handler, before=lambda: _CLIENT.set(name))


def _metadata(details: grpc.HandlerCallDetails) -> Sequence[tuple[str, str | bytes]]:
    metadata: Any = details.invocation_metadata
    if isinstance(metadata, Mapping):
        return list(metadata.items())
    return list(metadata or ())
