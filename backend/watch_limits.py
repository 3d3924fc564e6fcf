"""Health.Watch streams under a limit: each one holds a server task and a connection for as long as the
client keeps it open, and Health is open without a token, so without a bound anyone could pile them up.

At most `max_watch_streams` Watch streams in all and `max_watch_streams_per_client` per client (peer
address: Health needs no token); the next one ends at once with RESOURCE_EXHAUSTED. Health.Check stays
unlimited (it answers and ends).
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from tolk.common.errors import ResourceExhausted

WATCH_METHOD = "/grpc.health.v1.Health/Watch"


@dataclass(frozen=True)
class WatchLimits:
    """Bounds on Health.Watch streams; 0 turns a bound off.

    Attributes:
        max_streams: concurrent Watch streams on the server.
        max_streams_per_client: concurrent Watch streams per client (peer address).
    """

    max_streams: int = 64
    max_streams_per_client: int = 4


class WatchAdmission:
    """Counts open Watch streams per client and in all."""

    def __init__(self, limits: WatchLimits) -> None:
        self.limits = limits
        self._open: Counter[str] = Counter()

    @property
    def active(self) -> int:
        return sum(self._open.values())

    def admit(self, client: str) -> None:
        """Counts one more stream for `client`; raises ResourceExhausted when a bound is reached."""
        total, mine = self.limits.max_streams, self.limits.max_streams_per_client
        if total and self.active >= total:
            raise ResourceExhausted(f"too many Health.Watch streams on this server (limit {total})")
        if mine and self._open[client] >= mine:
            raise ResourceExhausted(f"too many Health.Watch streams from this client (limit {mine})")
        self._open[client] += 1

    def release(self, client: str) -> None:
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]


def limited_watch(
    behavior: Callable[..., Any],
    admission: WatchAdmission,
    identify: Callable[[grpc.aio.ServicerContext[Any, Any]], str],
    on_reject: Callable[[grpc.aio.ServicerContext[Any, Any]], None],
) -> Callable[..., Any]:
    """`behavior` (a Watch handler: coroutine or async generator) under `admission`."""

    async def enter(context: grpc.aio.ServicerContext[Any, Any]) -> str:
        client = identify(context)
        try:
            admission.admit(client)
        except ResourceExhausted as exc:
            on_reject(context)
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
        return client

    if inspect.isasyncgenfunction(behavior):

        async def stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
            client = await enter(context)
            try:
                async for response in behavior(request, context):
                    yield response
            finally:
                admission.release(client)

        return stream

    async def written(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        client = await enter(context)
        try:
            return await behavior(request, context)
        finally:
            admission.release(client)

    return written
