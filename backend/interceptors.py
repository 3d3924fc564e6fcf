"""Small helpers for grpc.aio server interceptors: replace or wrap a method handler's behavior.

A handler's behavior is an async function (unary response) or an async generator (streaming response);
the wrappers here keep that shape, so grpc.aio treats the wrapped handler like the original.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)
"""Methods that stay open without a token and while draining (load balancer and kubelet probes)."""

Behavior = Callable[[Any, Any], Any]
_KINDS = ("unary_unary", "unary_stream", "stream_unary", "stream_stream")


def _behavior(handler: grpc.RpcMethodHandler) -> tuple[str, Behavior]:
    for kind in _KINDS:
        behavior = getattr(handler, kind, None)
        if behavior is not None:
            return kind, behavior
    raise ValueError("method handler without a behavior")


def _replace(handler: grpc.RpcMethodHandler, kind: str, behavior: Behavior) -> grpc.RpcMethodHandler:
    replaced: grpc.RpcMethodHandler = handler._replace(**{kind: behavior})
    return replaced


def abort_handler(
    handler: grpc.RpcMethodHandler, code: grpc.StatusCode, message: str
) -> grpc.RpcMethodHandler:
    """A handler of the same shape that ends every call with `code` before reading any request."""
    kind, _ = _behavior(handler)

    async def abort(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort(code, message)

    return _replace(handler, kind, abort)


def wrap_handler(
    handler: grpc.RpcMethodHandler, before: Callable[[], object] | Callable[[Any], object]
) -> grpc.RpcMethodHandler:
    """A handler that runs `before()` or `before(context)` in the call's task, then the behavior."""
    kind, behavior = _behavior(handler)
    call_before = _caller(before)
    if inspect.isasyncgenfunction(behavior):

        async def stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
            call_before(context)
            async for response in behavior(request, context):
                yield response

        return _replace(handler, kind, stream)

    async def unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        call_before(context)
        return await behavior(request, context)

    return _replace(handler, kind, unary)


def _caller(before: Callable[..., object]) -> Callable[[Any], object]:
    if inspect.signature(before).parameters:
        return before
    return lambda _context: before()
