"""A conversation that survives lost connections and server-side stream rotation.

`ResilientSession.run(audio)` streams like `InterpreterClient.stream` but, when a stream fails with
UNAVAILABLE (server gone, draining, connection dropped) or DEADLINE_EXCEEDED (maximum stream duration),
it opens a new stream with backoff and continues where the captions stopped:

- `first_segment_id` = the first segment whose captions are not complete (final + every translation);
- `audio_offset_s` = where the re-sent audio starts on the conversation timeline;
- the audio of unfinished segments is re-sent first (from a bounded ReplayBuffer), then live audio.

Events already delivered are never repeated (a re-sent final or translation is dropped), so no caption
is lost and none is duplicated. Connection changes are yielded as ConnectionState events.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import assert_never

from tolk.app.core.errors import RETRYABLE, DeadlineExceededError, ServerError, UnavailableError
from tolk.app.core.timing import WallClock
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import (
    ConnectionState,
    Event,
    Final,
    Outgoing,
    Partial,
    SessionEvent,
    Started,
    StreamOptions,
    Translation,
)
from tolk.app.transport.replay import ReplayBuffer

QUEUE_ITEMS = 64
"""Outgoing items read ahead from the audio source (backpressure for sources faster than the link)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How a session reconnects.

    Attributes:
        initial_backoff_s: wait before the first retry (a rotation retries at once).
        max_backoff_s: cap of the exponential backoff.
        multiplier: growth of the wait per failed attempt.
        jitter: +- fraction of random spread so many clients do not retry in step.
        max_attempts: consecutive failed attempts before giving up (None: never give up).
        max_replay_s: audio kept for re-sending; older audio of an unfinished segment is dropped.
        retry_first_connect: also retry when the very first stream cannot start (otherwise a server
            that is not there fails at once, which is what a command line wants).
    """

    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.2
    max_attempts: int | None = 10
    max_replay_s: float = 60.0
    retry_first_connect: bool = False

    def backoff_s(self, attempt: int) -> float:
        base = min(self.max_backoff_s, self.initial_backoff_s * self.multiplier ** max(0, attempt - 1))
        return base * (1 + self.jitter * (2 * random.random() - 1))


@dataclass
class _Pending:
    """A final delivered whose translations are not all in yet."""

    end_s: float
    missing: set[str] = field(default_factory=set)


class _End:
    pass


_END = _End()


class _Ledger:
    """Which captions were delivered; decides what to pass on and where a new stream starts."""

    def __init__(self, targets: tuple[str, ...], buffer: ReplayBuffer, first_id: int) -> None:
        self._targets = targets
        self._buffer = buffer
        self.next_id = first_id
        self._pending: dict[int, _Pending] = {}

    def _done(self, segment_id: int) -> bool:
        return segment_id < self.next_id

    def accept(self, event: Event) -> bool:
        """True when `event` is new to the app; updates what is complete."""
        if isinstance(event, Started):
            return True
        if isinstance(event, Partial):
            return not self._done(event.segment_id) and event.segment_id not in self._pending
        if isinstance(event, Final):
            if self._done(event.segment_id) or event.segment_id in self._pending:
                return False
            self._pending[event.segment_id] = _Pending(event.audio_end_s, set(self._targets))
            self._advance()
            return True
        if isinstance(event, Translation):
            return self._accept_translation(event)
        assert_never(event)

    def _accept_translation(self, event: Translation) -> bool:
        pending = self._pending.get(event.segment_id)
        if self._done(event.segment_id):
            return False
        if not event.is_final:
            return pending is None
        if pending is None or event.target_language not in pending.missing:
            return False
        pending.missing.discard(event.target_language)
        self._advance()
        return True

    def _advance(self) -> None:
        while (pending := self._pending.get(self.next_id)) is not None and not pending.missing:
            del self._pending[self.next_id]
            self._buffer.complete_until(pending.end_s)
            self.next_id += 1


class ResilientSession:
    """One conversation over as many Interpret streams as it takes."""

    def __init__(
        self,
        client: InterpreterClient,
        options: StreamOptions,
        policy: RetryPolicy | None = None,
        clock: WallClock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._options = options
        self._policy = policy or RetryPolicy()
        self.clock = clock or WallClock()
        self._sleep = sleep
        self._buffer = ReplayBuffer(
            options.sample_rate_hz, options.segmentation == "client_vad", self._policy.max_replay_s
        )
        self._ledger = _Ledger(options.target_languages, self._buffer, options.first_segment_id)
        self._queue: asyncio.Queue[Outgoing | _End | BaseException] = asyncio.Queue(QUEUE_ITEMS)
        self._source_done = False
        self._sent_all = False
        self._connected_once = False
        self.streams_opened = 0

    @property
    def dropped_s(self) -> float:
        """Audio that could not be re-sent because the replay buffer was full."""
        return self._buffer.dropped_s

    async def run(self, audio: AsyncIterable[Outgoing]) -> AsyncIterator[SessionEvent]:
        pump = asyncio.create_task(self._pump(audio))
        try:
            async for event in self._streams():
                yield event
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    async def _streams(self) -> AsyncIterator[SessionEvent]:
        failures = 0
        while True:
            origin_s, replay = self._buffer.replay()
            options = replace(self._options, first_segment_id=self._ledger.next_id, audio_offset_s=origin_s)
            self._sent_all = False
            self.streams_opened += 1
            try:
                async for event in self._client.stream(options, self._requests(replay), self.clock):
                    if isinstance(event, Started):
                        failures = 0
                        self._connected_once = True
                        yield ConnectionState("connected", 0, self._client.target, self.clock.elapsed())
                    if self._ledger.accept(event):
                        yield event
                if self._sent_all:
                    return
                error: ServerError = UnavailableError("the server ended the stream early")
            except RETRYABLE as exc:
                if not self._connected_once and not self._policy.retry_first_connect:
                    raise
                error = exc
            rotation = isinstance(error, DeadlineExceededError) and failures == 0
            failures += 0 if rotation else 1
            if self._policy.max_attempts is not None and failures > self._policy.max_attempts:
                raise error
            yield ConnectionState("reconnecting", failures, str(error), self.clock.elapsed())
            if not rotation:
                await self._sleep(self._policy.backoff_s(failures))

    async def _pump(self, audio: AsyncIterable[Outgoing]) -> None:
        try:
            async for item in audio:
                await self._queue.put(item)
        except Exception as exc:
            await self._queue.put(exc)
            return
        await self._queue.put(_END)

    async def _requests(self, replay: list[Outgoing]) -> AsyncIterator[Outgoing]:
        for old in replay:
            yield old
        while not self._source_done:
            item = await self._queue.get()
            if isinstance(item, _End):
                self._source_done = True
            elif isinstance(item, BaseException):
                self._source_done = True
                raise item
            else:
                self._buffer.append(item)
                yield item
        self._sent_all = True
