"""Live-event rooms: one speaker stream publishes, any number of listeners follow in their own language.

The speaker side (`RoomPublisher`) turns a session's events into bus messages without ever waiting on
a listener. The listener side is one `_Fanout` per room per replica: it subscribes to the bus once,
translates each final once per extra language its listeners asked for (directly, or through a pivot
language such as en->es->pt), keeps the last few finals per language for late joiners, and offers
every caption to each listener's bounded buffer (backend.room_listener). Nothing here logs caption text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from tolk.backend.bus import Bus, RoomMessage
from tolk.backend.room_listener import LISTENER_BUFFER, Caption, Ended, Listener
from tolk.backend.room_metrics import RoomMetrics
from tolk.backend.room_translator import RoomTranslator
from tolk.common.errors import InvalidArgument, NotFound, ResourceExhausted, TolkError
from tolk.common.events import Event, Final, Partial, Translation

log = logging.getLogger(__name__)

ROOM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HISTORY_FINALS = 3
"""Finals per language a late joiner gets first."""
PUBLISH_QUEUE = 256
PUBLISH_TIMEOUT_S = 5.0


class PermissionDenied(TolkError):
    """A listener token that does not match the room's."""


@dataclass(frozen=True)
class RoomLimits:
    """Listener limits (listeners never count against speakers' limits).

    Attributes:
        max_listeners_per_room: listeners of one room on this replica; more get RESOURCE_EXHAUSTED.
        max_listeners: listeners of all rooms on this replica.
        listener_buffer: captions a listener may fall behind before it is resynced.
    """

    max_listeners_per_room: int = 1000
    max_listeners: int = 2000
    listener_buffer: int = LISTENER_BUFFER


def check_room(room: str) -> str:
    if not ROOM_NAME.match(room):
        raise InvalidArgument(f"room {room!r}: use letters, digits, '-', '_' or '.' (at most 64)")
    return room


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


class RoomPublisher:
    """Publishes one speaker stream's events into a room from its own task (the speaker never waits)."""

    def __init__(self, bus: Bus, room: str, start: RoomMessage) -> None:
        self.room = room
        self._bus = bus
        self._queue: asyncio.Queue[RoomMessage | _Close] = asyncio.Queue()  # bounded by `offer`
        self._queue.put_nowait(start)
        self._task = asyncio.create_task(self._run(), name=f"room-publisher-{room}")

    def offer(self, event: Event) -> None:
        message = _message_of(event)
        if message is None:
            return
        backlog = self._queue.qsize()
        if backlog >= PUBLISH_QUEUE or (message.kind == "partial" and backlog > PUBLISH_QUEUE // 2):
            return  # the bus is stuck: partials go first; finals are never waited for by the speaker
        self._queue.put_nowait(message)

    @property
    def task(self) -> asyncio.Task[None]:
        return self._task

    def finish(self, ended: bool) -> None:
        """Publishes what is queued, then stops. `ended` (the stream ended with OK) ends the room;
        otherwise the room stays live for the speaker's reconnect."""
        if ended:
            self._queue.put_nowait(_Close(RoomMessage("end", reason="speaker ended")))
        else:
            self._queue.put_nowait(_Close(None))

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            message = item.last if isinstance(item, _Close) else item
            if message is not None:
                try:
                    await asyncio.wait_for(self._bus.publish(self.room, message), PUBLISH_TIMEOUT_S)
                except Exception:
                    log.exception("room %s: publishing failed; message dropped", self.room)
            if isinstance(item, _Close):
                return


@dataclass(frozen=True)
class _Close:
    last: RoomMessage | None


def _message_of(event: Event) -> RoomMessage | None:
    now = time.time()
    if isinstance(event, Final | Translation) and not event.text.strip():
        return None  # a segment without words (noise): nothing to show
    if isinstance(event, Final):
        return RoomMessage("final", segment_id=event.segment_id, text=event.text, language=event.language,
                           audio_start_s=event.audio_start_s, audio_end_s=event.audio_end_s,
                           published_s=now)  # fmt: skip
    if isinstance(event, Translation) and event.is_final:
        return RoomMessage("translation", segment_id=event.segment_id, text=event.text,
                           language=event.target_language, published_s=now)  # fmt: skip
    if isinstance(event, Partial):
        text = f"{event.stable} {event.unstable}".strip()
        return RoomMessage("partial", segment_id=event.segment_id, text=text, language=event.language,
                           audio_start_s=event.audio_start_s, audio_end_s=event.audio_end_s,
                           published_s=now)  # fmt: skip
    return None


class _Fanout:
    """One room on one replica: a bus subscription, per-language history, and the local listeners."""

    def __init__(self, hub: RoomHub, room: str, language: str) -> None:
        self.room = room
        self.listeners: set[Listener] = set()
        self.languages = {language}  # every language asked for here (late joiners' history included)
        self._hub = hub
        self._start: RoomMessage | None = None
        self._seen = 0
        self._history: dict[str, deque[Caption]] = {}
        self._finals: dict[int, RoomMessage] = {}  # segment -> final, until its translations are in
        self._subscribed = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"room-fanout-{room}")

    async def ready(self) -> None:
        await self._subscribed.wait()

    @property
    def start(self) -> RoomMessage | None:
        return self._start

    async def add(self, listener: Listener) -> None:
        """Adds a listener after queueing the recent finals of its language (translated if new here)."""
        language = listener.language
        if language not in self.languages:
            self.languages.add(language)  # live finals from now on are translated into it
            await self._backfill(language)
        self.listeners.add(listener)
        listener.replay(self._history.get(language, ()))

    async def _backfill(self, language: str) -> None:
        """Translates the source language's recent finals for a language first asked for now."""
        start = self._start
        if start is None or language in start.targets:
            return
        source = self._history.get(start.source_language, deque())
        translated: list[Caption] = []
        for caption in list(source):
            try:
                text = await self._hub.translator.translate(caption.text, caption.language, language)
            except TolkError:
                return
            translated.append(replace(caption, text=text, language=language))
        history = self._history.setdefault(language, deque(maxlen=HISTORY_FINALS))
        merged = {c.segment_id: c for c in [*translated, *history]}  # live ones win
        history.clear()
        history.extend(merged[k] for k in sorted(merged)[-HISTORY_FINALS:])

    async def _run(self) -> None:
        try:
            async with self._hub.bus.subscribe(self.room) as messages:
                for message in await self._hub.bus.recent(self.room):
                    await self._handle(message, live=False)
                self._subscribed.set()
                async for message in messages:
                    await self._handle(message, live=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("room %s: bus subscription failed", self.room)
            self._end_all("room bus unavailable")
        finally:
            self._subscribed.set()

    async def _handle(self, message: RoomMessage, live: bool) -> None:
        if message.seq and message.seq <= self._seen:
            return
        self._seen = max(self._seen, message.seq)
        if message.kind == "start":
            self._on_start(message)
        elif message.kind == "end":
            self._end_all(message.reason or "speaker ended")
            self._start, self._seen = None, 0
            self._history.clear()
        elif self._start is None:
            return
        elif message.kind == "partial":
            self._deliver(message.language, message, message.text, final=False, live=live)
        elif message.kind == "final":
            await self._on_final(message, live)
        elif message.kind == "translation":
            final = self._finals.get(message.segment_id)
            if final is not None:
                self._deliver(message.language, final, message.text, final=True, live=live)

    def _on_start(self, start: RoomMessage) -> None:
        self._start = start
        for listener in list(self.listeners):
            if not hmac.compare_digest(start.token_sha256, token_sha256(self._hub.tokens[listener])):
                listener.end(Ended("wrong listener token for this room"))
            elif not self._hub.translator.reachable(start.source_language, listener.language, start.targets):
                listener.end(Ended(f"no translation from {start.source_language} to {listener.language}"))

    async def _on_final(self, final: RoomMessage, live: bool) -> None:
        start = self._start
        assert start is not None
        self._finals[final.segment_id] = final
        while len(self._finals) > 16:
            del self._finals[min(self._finals)]
        self._deliver(final.language, final, final.text, final=True, live=live)
        wanted = self.languages - {final.language, *start.targets}
        for language in sorted(wanted):
            try:
                text = await self._hub.translator.translate(final.text, final.language, language)
            except TolkError:
                continue  # no path to this language: its listeners were told at start
            self._deliver(language, final, text, final=True, live=live)

    def _deliver(self, language: str, origin: RoomMessage, text: str, final: bool, live: bool) -> None:
        caption = Caption(origin.seq, origin.segment_id, text, language, final, origin.audio_start_s,
                          origin.audio_end_s, origin.published_s)  # fmt: skip
        history = self._history.setdefault(language, deque(maxlen=HISTORY_FINALS))
        if final:
            history.append(caption)
        if not live:
            return
        metrics = self._hub.metrics
        for listener in [x for x in self.listeners if x.language == language]:
            outcome = listener.offer(caption, history)
            if outcome == "resynced":
                metrics.resynced.inc()
            elif outcome == "dropped":
                metrics.dropped.inc()

    def _end_all(self, reason: str) -> None:
        for listener in list(self.listeners):
            listener.end(Ended(reason))


class RoomHub:
    """The rooms of one server: publishers for speaker streams, fan-outs for listeners."""

    def __init__(self, bus: Bus, translator: RoomTranslator, limits: RoomLimits | None = None,
                 metrics: RoomMetrics | None = None) -> None:  # fmt: skip
        self.bus = bus
        self.translator = translator
        self.limits = limits or RoomLimits()
        self.metrics = metrics or RoomMetrics()
        self.tokens: dict[Listener, str] = {}
        self._fanouts: dict[str, _Fanout] = {}
        self._speakers: dict[str, int] = {}
        self._publishing: set[asyncio.Task[None]] = set()
        self._closed = False
        self.metrics.rooms.set_function(lambda: float(len(set(self._fanouts) | set(self._speakers))))
        self.metrics.listeners.set_function(lambda: float(len(self.tokens)))

    @property
    def listener_count(self) -> int:
        return len(self.tokens)

    def listeners_of(self, room: str) -> int:
        fanout = self._fanouts.get(room)
        return len(fanout.listeners) if fanout else 0

    def publisher(self, room: str, source: str, targets: tuple[str, ...], token: str) -> RoomPublisher:
        """Starts publishing a speaker stream into `room` (the caller closes it when the stream ends)."""
        start = RoomMessage("start", source_language=source, targets=targets,
                            token_sha256=token_sha256(token), published_s=time.time())  # fmt: skip
        self._speakers[room] = self._speakers.get(room, 0) + 1
        publisher = RoomPublisher(self.bus, room, start)
        self._publishing.add(publisher.task)
        publisher.task.add_done_callback(lambda task: self._speaker_left(room, task))
        return publisher

    def _speaker_left(self, room: str, task: asyncio.Task[None]) -> None:
        self._publishing.discard(task)
        left = self._speakers.get(room, 1) - 1
        if left > 0:
            self._speakers[room] = left
        else:
            self._speakers.pop(room, None)

    @contextlib.asynccontextmanager
    async def listen(self, room: str, language: str, token: str = "") -> AsyncIterator[Listener]:
        """A listener of `room` in `language` for the duration of the block (raises on refusal)."""
        check_room(room)
        self._admit(room)
        listener = Listener(room, language, self.limits.listener_buffer)
        await self.translator.load()
        fanout = self._fanouts.get(room) or self._open(room, language)
        self.tokens[listener] = token
        try:
            await fanout.ready()
            self._check(fanout, listener, token)
            await fanout.add(listener)
            if self._closed:
                listener.end(Ended("server stopping"))
            yield listener
        finally:
            del self.tokens[listener]
            fanout.listeners.discard(listener)
            await self._maybe_close(room, fanout)

    def _admit(self, room: str) -> None:
        if self._closed:
            raise ResourceExhausted("server stopping: no new listeners")
        if len(self.tokens) >= self.limits.max_listeners:
            self.metrics.rejected.inc()
            raise ResourceExhausted(f"this server has its maximum of {self.limits.max_listeners} listeners")
        if self.listeners_of(room) >= self.limits.max_listeners_per_room:
            self.metrics.rejected.inc()
            raise ResourceExhausted(
                f"room {room} has its maximum of {self.limits.max_listeners_per_room} listeners"
            )

    def _check(self, fanout: _Fanout, listener: Listener, token: str) -> None:
        start = fanout.start
        if start is None:
            return  # not live yet: checked when the speaker starts
        if not hmac.compare_digest(start.token_sha256, token_sha256(token)):
            raise PermissionDenied(f"room {fanout.room} needs its listener token")
        if not self.translator.reachable(start.source_language, listener.language, start.targets):
            raise NotFound(f"no translation from {start.source_language} to {listener.language}")

    def _open(self, room: str, language: str) -> _Fanout:
        fanout = _Fanout(self, room, language)
        self._fanouts[room] = fanout
        return fanout

    async def _maybe_close(self, room: str, fanout: _Fanout) -> None:
        if fanout.listeners or self._fanouts.get(room) is not fanout:
            return
        del self._fanouts[room]
        fanout.task.cancel()
        await asyncio.gather(fanout.task, return_exceptions=True)

    def sent(self, caption: Caption) -> None:
        """Records the fan-out delay of a live final handed to a listener's connection."""
        if caption.is_final and not caption.replay and caption.published_s:
            self.metrics.fanout_delay.observe(max(0.0, time.time() - caption.published_s))

    async def room_info(self, room: str) -> RoomMessage | None:
        """The room's start message (source, targets, token hash) when a speaker is live."""
        recent = await self.bus.recent(check_room(room))
        return recent[0] if recent else None

    async def close(self) -> None:
        """Ends every listener ("server stopping") and stops the fan-outs."""
        self._closed = True
        if self._publishing:  # speakers' last captions and ends reach the bus first
            await asyncio.wait(set(self._publishing), timeout=PUBLISH_TIMEOUT_S)
        for fanout in list(self._fanouts.values()):
            fanout._end_all("server stopping")
        await asyncio.sleep(0)
