"""The server's gatekeeper: admission, quotas, stream limits, draining and metrics, as one interceptor.

For every Interpret stream it (1) refuses it at once with UNAVAILABLE while draining, or with
RESOURCE_EXHAUSTED when the server or the client is at its limit, before the servicer reads a byte;
(2) hands the servicer a request stream (`GuardedInput`) that ends early when the stream reaches
max_stream_s, sends nothing for idle_timeout_s, runs over the client's audio quota or the server starts
draining, so the servicer flushes the open segment as on a half-close; then (3) ends the call with the
documented status of that cut (DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNAVAILABLE). It measures delays
from the events the servicer sends. Health checks pass untouched.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from tolk.backend.interceptors import OPEN_METHOD_PREFIXES, abort_handler
from tolk.backend.limits import Limits
from tolk.backend.logs import RefusalLog, bind_session
from tolk.backend.metrics import Metrics
from tolk.backend.quotas import Admission
from tolk.backend.security import client_identity
from tolk.backend.stream_input import DRAINING_MESSAGE, EarlyEnd, GuardedInput, StreamMeter
from tolk.backend.unary_limits import UnaryAdmission
from tolk.backend.watch_limits import WATCH_METHOD, WatchAdmission, limited_watch
from tolk.common.errors import ResourceExhausted

log = logging.getLogger(__name__)

INTERPRET_METHOD = "/tolk.v1.Interpreter/Interpret"
TRANSLATE_METHOD = "/tolk.v1.Interpreter/TranslateText"
CAPABILITIES_METHOD = "/tolk.v1.Interpreter/GetCapabilities"


class StreamGuard(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Admission control, stream limits, draining and metrics for one server."""

    def __init__(
        self, limits: Limits, metrics: Metrics | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self.metrics = metrics or Metrics()
        self.admission = Admission(limits.max_sessions, limits.max_streams_per_client, limits.audio_s_per_min)
        translate = limits.translate
        self.unary = UnaryAdmission(translate.max_concurrent_per_client, translate.calls_per_min, clock)
        self.watches = WatchAdmission(limits.watch)
        self.refusals = RefusalLog(log)
        self._clock = clock
        self._drain = asyncio.Event()
        self._inputs: set[GuardedInput] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._open_calls = 0

    @property
    def draining(self) -> bool:
        return self._drain.is_set()

    @property
    def active(self) -> int:
        return self.admission.active

    def drain(self) -> None:
        """Refuses new calls (UNAVAILABLE) and cuts the input of running streams so they flush and end."""
        self._drain.set()
        for guarded in list(self._inputs):
            guarded.interrupt()

    async def wait_idle(self, timeout_s: float) -> bool:
        """Waits until no stream is running and every ended stream's status has gone out (gRPC called
        the call's done-callback); False when `timeout_s` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method or ""
        handler = await continuation(handler_call_details)
        if handler is not None and method == WATCH_METHOD and handler.unary_stream is not None:
            return handler._replace(unary_stream=self._watched(handler.unary_stream))
        if handler is None or method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        if self.draining:
            self._reject("draining", grpc.StatusCode.UNAVAILABLE)
            return abort_handler(handler, grpc.StatusCode.UNAVAILABLE, DRAINING_MESSAGE)
        if method == INTERPRET_METHOD and handler.stream_stream is not None:
            return handler._replace(stream_stream=self._guarded(handler.stream_stream))
        if method in (TRANSLATE_METHOD, CAPABILITIES_METHOD) and handler.unary_unary is not None:
            behavior = self._admitted(handler.unary_unary, method, concurrent=method == TRANSLATE_METHOD)
            handler = handler._replace(unary_unary=behavior)
        return _counting(handler, self.metrics)

    def _reject(self, reason: str, code: grpc.StatusCode, peer: str = "", method: str = "") -> None:
        self.metrics.rejected.labels(reason).inc()
        self.metrics.errors.labels(code.name).inc()
        self.refusals.refused(peer, method, reason, self._clock())

    def _watched(self, behavior: Callable[..., Any]) -> Callable[..., Any]:
        def refused(context: grpc.aio.ServicerContext[Any, Any]) -> None:
            self._reject("watch-quota", grpc.StatusCode.RESOURCE_EXHAUSTED, context.peer(), WATCH_METHOD)

        return limited_watch(behavior, self.watches, client_identity, refused)

    def _admitted(self, behavior: Callable[..., Any], method: str, concurrent: bool) -> Callable[..., Any]:
        """A unary behavior under the client's concurrency and rate limits (refused at once when over)."""

        async def admitted(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                lease = self.unary.admit(client_identity(context), concurrent)
            except ResourceExhausted as exc:
                self._reject("unary-quota", grpc.StatusCode.RESOURCE_EXHAUSTED, context.peer(), method)
                await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
            try:
                return await behavior(request, context)
            finally:
                lease.release()

        return admitted

    def _guarded(self, behavior: Callable[..., Any]) -> Callable[..., AsyncIterator[Any]]:
        async def interpret(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            client = client_identity(context)
            try:
                lease = self.admission.admit(client)
            except ResourceExhausted as exc:
                reason = "capacity" if "capacity" in str(exc) else "quota"
                self._reject(reason, grpc.StatusCode.RESOURCE_EXHAUSTED, context.peer(), INTERPRET_METHOD)
                await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc))
            self._call_opened(context)
            self.metrics.active_sessions.inc()
            self.metrics.sessions.inc()
            meter = StreamMeter(client, self.admission, self.metrics, self._clock)
            guarded = GuardedInput(requests, meter, self.limits, self._clock, context.abort)
            self._inputs.add(guarded)
            if self.draining:
                guarded.interrupt()
            try:
                async for response in _responses(behavior, guarded, context):
                    meter.observe(response)
                    yield response
                if guarded.early_end is not None:
                    await _end_with(context, guarded.early_end)
            except BaseException:
                self.metrics.errors.labels(_code_name(context)).inc()
                raise
            finally:
                self._inputs.discard(guarded)
                guarded.close()
                lease.release()
                self.metrics.active_sessions.dec()
                _log_end(meter, guarded.early_end, _end_code(context))

        return interpret

    def _call_opened(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        """Counts the call until gRPC has finished it, status sent: the handler's own end comes before
        that, and a server stopped in between would drop the status (the client sees INTERNAL)."""
        self._open_calls += 1
        self._idle.clear()
        context.add_done_callback(self._call_done)

    def _call_done(self, _context: object) -> None:
        self._open_calls -= 1
        if self._open_calls == 0:
            self._idle.set()


async def _responses(
    behavior: Callable[..., Any], requests: GuardedInput, context: grpc.aio.ServicerContext[Any, Any]
) -> AsyncIterator[Any]:
    result = behavior(requests, context)
    if inspect.isasyncgen(result):
        async for response in result:
            yield response
    else:
        await result


async def _end_with(context: grpc.aio.ServicerContext[Any, Any], cut: EarlyEnd) -> None:
    await context.abort(cut.code, cut.message)


def _code_name(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    return "CANCELLED" if context.cancelled() else "UNKNOWN"


def _end_code(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    return "CANCELLED" if context.cancelled() else "OK"


def _log_end(meter: StreamMeter, cut: EarlyEnd | None, code: str) -> None:
    with bind_session(meter.session_id or "-"):
        log.info(
            "stream ended",
            extra={
                "audio_s": round(meter.audio_s, 3),
                "finals": meter.finals,
                "cut": cut.code.name if cut else None,
                "code": cut.code.name if cut else code,
            },
        )


def _counting(handler: grpc.RpcMethodHandler, metrics: Metrics) -> grpc.RpcMethodHandler:
    """Counts non-OK endings of unary calls by status code."""
    for kind in ("unary_unary", "stream_unary"):
        behavior = getattr(handler, kind, None)
        if behavior is not None and not inspect.isasyncgenfunction(behavior):
            return handler._replace(**{kind: _count_errors(behavior, metrics)})
    return handler


def _count_errors(behavior: Callable[..., Any], metrics: Metrics) -> Callable[..., Any]:
    async def counted(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await behavior(request, context)
        except BaseException:
            metrics.errors.labels(_code_name(context)).inc()
            raise

    return counted
