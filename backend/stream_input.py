"""The request side of a guarded Interpret stream: metering, and ending the input early on a limit.

`GuardedInput` is what the servicer iterates instead of grpc's request iterator. It ends (like a client
half-close, so the servicer flushes the open segment) when the stream reaches max_stream_s, sends nothing
for idle_timeout_s, runs over its audio quota or the server drains, and records why in `early_end`.
`StreamMeter` meters audio per client and turns the events sent back into delay metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import grpc

from tolk.backend.limits import Limits
from tolk.backend.metrics import Metrics, StreamTimeline
from tolk.backend.quotas import Admission
from tolk.common.errors import ResourceExhausted
from tolk.v1 import interpreter_pb2 as pb

BYTES_PER_SAMPLE = {pb.LINEAR16: 2, pb.FLOAT32: 4}
DRAINING_MESSAGE = "server draining; open a new stream (another replica will take it)"


@dataclass(frozen=True)
class EarlyEnd:
    """Why a stream's input ended early, and the status that ends the call after the flush."""

    code: grpc.StatusCode
    message: str


@dataclass
class StreamMeter:
    """Per-stream accounting: audio seconds (charged to the client's quota) and event delays."""

    client: str
    admission: Admission
    metrics: Metrics
    clock: Callable[[], float]
    session_id: str | None = None
    audio_s: float = 0.0
    finals: int = 0
    _bytes_per_s: float = 0.0
    _offset_s: float = 0.0
    _client_vad: bool = False
    _timeline: StreamTimeline = field(init=False)

    def __post_init__(self) -> None:
        self._timeline = StreamTimeline(self.clock)

    def request(self, request: pb.InterpretRequest) -> None:
        """Accounts one request; raises ResourceExhausted when the client's audio quota runs out."""
        kind = request.WhichOneof("request")
        if kind == "config":
            fmt = request.config.audio_format
            rate = max(0, fmt.sample_rate_hz) * BYTES_PER_SAMPLE.get(fmt.encoding, 0) * max(1, fmt.channels)
            self._bytes_per_s = float(rate)
            self._offset_s = request.config.audio_offset_s
            self._client_vad = request.config.segmentation == pb.CLIENT_VAD
        elif kind == "audio" and self._bytes_per_s > 0:
            seconds = len(request.audio.data) / self._bytes_per_s
            self.audio_s += seconds
            self.metrics.audio_seconds.inc(seconds)
            if not self._client_vad:
                self._timeline.audio(seconds)
            self.admission.charge(self.client, seconds)
        elif kind == "boundary" and request.boundary.kind == pb.SpeechBoundary.SPEECH_END:
            self._timeline.boundary(request.boundary.audio_time_s)

    def observe(self, response: pb.InterpretResponse) -> None:
        """Turns one event sent to the client into delay metrics."""
        kind = response.WhichOneof("event")
        if kind == "started":
            self.session_id = response.started.session_id
        elif kind == "partial" and not self._client_vad:
            delay = self._timeline.delay(self._rel(response.partial.audio_end_s))
            self._record(self.metrics.partial_delay, delay)
        elif kind == "final":
            self.finals += 1
            end_s = self._rel(response.final.audio_end_s)
            self._record(self.metrics.final_delay, self._timeline.final(response.final.segment_id, end_s))
        elif kind == "translation":
            tr = response.translation
            delay = self._timeline.translation(tr.segment_id, tr.is_final)
            self._record(self.metrics.translation_delay, delay)

    def _rel(self, audio_s: float) -> float:
        return audio_s - self._offset_s

    @staticmethod
    def _record(histogram: Any, delay: float | None) -> None:
        if delay is not None:
            histogram.observe(delay)


_END = object()


async def _next(requests: AsyncIterator[Any]) -> Any:
    try:
        return await anext(requests)
    except StopAsyncIteration:
        return _END


class GuardedInput:
    """An async iterator over the client's requests that ends early on a stream limit or drain.

    Each read of grpc's request iterator runs in its own small task, so that a limit or a drain can
    stop waiting for it (cancelling a read inside grpc's iterator would end it like a half-close).
    """

    def __init__(
        self,
        requests: AsyncIterator[Any],
        meter: StreamMeter,
        limits: Limits,
        clock: Callable[[], float],
        abort: Callable[[grpc.StatusCode, str], Awaitable[Any]],
    ) -> None:
        self._requests = requests
        self._abort = abort
        self._delivered = 0
        self._meter = meter
        self._limits = limits
        self._clock = clock
        self._started_at = clock()
        self._interrupted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending: asyncio.Task[Any] | None = None
        self._ended = False
        self.early_end: EarlyEnd | None = None

    def __aiter__(self) -> GuardedInput:
        return self

    def interrupt(self) -> None:
        """The server drains: the input ends now (or at the next read) and the call ends UNAVAILABLE."""
        if not self._interrupted.done():
            self._interrupted.set_result(None)

    async def __anext__(self) -> Any:
        if self._ended:
            raise StopAsyncIteration
        if self._pending is None:
            self._pending = asyncio.ensure_future(_next(self._requests))
        timeout_s, cut = self._next_limit()
        done, _ = await asyncio.wait(
            {self._pending, self._interrupted}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if self._pending in done:
            request = self._pending.result()
            self._pending = None
            if request is _END:
                self._ended = True
                raise StopAsyncIteration
            self._delivered += 1
            return self._accounted(request)
        if self._interrupted.done():
            cut = EarlyEnd(grpc.StatusCode.UNAVAILABLE, DRAINING_MESSAGE)
        self._cancel_pending()
        if cut is not None and not self._delivered:
            await self._abort(cut.code, cut.message)  # nothing to flush: end the call right away
        self._stop(cut)

    def _next_limit(self) -> tuple[float | None, EarlyEnd | None]:
        """Seconds until the nearer of the idle and stream-length limits, and the cut it causes."""
        limits = self._limits
        candidates: list[tuple[float, EarlyEnd]] = []
        if limits.idle_timeout_s:
            message = f"no message for {limits.idle_timeout_s:g} s; stream closed"
            candidates.append((limits.idle_timeout_s, EarlyEnd(grpc.StatusCode.DEADLINE_EXCEEDED, message)))
        if limits.max_stream_s:
            left_s = max(0.0, self._started_at + limits.max_stream_s - self._clock())
            message = f"maximum stream duration {limits.max_stream_s:g} s reached; open a new stream"
            candidates.append((left_s, EarlyEnd(grpc.StatusCode.DEADLINE_EXCEEDED, message)))
        if not candidates:
            return None, None
        return min(candidates, key=lambda item: item[0])

    def _accounted(self, request: Any) -> Any:
        try:
            self._meter.request(request)
        except ResourceExhausted as exc:
            self._stop(EarlyEnd(grpc.StatusCode.RESOURCE_EXHAUSTED, str(exc)))
        return request

    def _stop(self, cut: EarlyEnd | None) -> NoReturn:
        """Ends the input (the servicer flushes as on a half-close) and remembers why."""
        self.early_end = cut
        self._ended = True
        raise StopAsyncIteration

    def _cancel_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and not pending.done():
            pending.add_done_callback(_consume)
            pending.cancel()

    def close(self) -> None:
        """The call is over: stops a read still waiting."""
        self._ended = True
        self._cancel_pending()


def _consume(task: asyncio.Task[Any]) -> None:
    """Retrieves a cancelled read's outcome so asyncio does not report it as never retrieved."""
    if not task.cancelled():
        task.exception()
