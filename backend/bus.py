"""The room bus: how a speaker's captions reach every replica that has listeners for the room.

`LocalBus` (the default) keeps rooms in this process. `RedisBus` (`--bus redis://HOST:PORT`) shares them
through Redis, so a listener behind a load balancer on replica B follows a speaker on replica A: every
message goes out on the pub/sub channel `tolk:room:<room>` and, when it is worth replaying to a late
joiner (start, finals, final translations), into the capped list `tolk:room:<room>:recent`. A room-wide
sequence number (`INCR tolk:room:<room>:seq`) lets a subscriber drop what it already read from the list.

Messages carry caption text only; nothing here logs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, Protocol

RECENT_MESSAGES = 48
"""Replayable messages a room keeps for late joiners (a start, then finals with their translations)."""
SUBSCRIBER_QUEUE = 4096
"""Messages buffered for one subscriber of the local bus (one per room per replica, not per listener)."""

Kind = Literal["start", "partial", "final", "translation", "end"]


@dataclass(frozen=True)
class RoomMessage:
    """One event of a room on the bus.

    Attributes:
        kind: start (a speaker stream opened), partial, final, translation (of a final), end.
        seq: room-wide position, assigned by the bus on publish (0 before).
        segment_id / text / language: the caption; for a translation, `language` is its target.
        audio_start_s / audio_end_s: the segment's audio span on the speaker's timeline.
        published_s: Unix time the speaker's server published it (fan-out delay is measured from it).
        source_language / targets / token_sha256: a start's room settings (source, the speaker's own
            target languages, and the SHA-256 of the listener token or "").
        reason: why an end happened.
    """

    kind: Kind
    seq: int = 0
    segment_id: int = 0
    text: str = ""
    language: str = ""
    audio_start_s: float = 0.0
    audio_end_s: float = 0.0
    published_s: float = 0.0
    source_language: str = ""
    targets: tuple[str, ...] = ()
    token_sha256: str = ""
    reason: str = ""

    @property
    def replayable(self) -> bool:
        return self.kind in ("start", "final", "translation")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes) -> RoomMessage:
        raw: dict[str, Any] = json.loads(data)
        raw["targets"] = tuple(raw.get("targets", ()))
        return cls(**raw)


class Bus(Protocol):
    """Publishes room messages and delivers them, in order, to every subscriber of the room."""

    async def publish(self, room: str, message: RoomMessage) -> None: ...

    def subscribe(self, room: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[RoomMessage]]:
        """Subscribes at once; the iterator yields the room's messages published after that."""
        ...

    async def recent(self, room: str) -> list[RoomMessage]:
        """The replayable messages since the room's last start (empty when no room is live)."""
        ...

    async def close(self) -> None: ...


def _keep_recent(recent: deque[RoomMessage], message: RoomMessage) -> None:
    if message.kind == "end":
        recent.clear()
    elif message.kind == "start" and recent and recent[0].kind == "start":
        recent[0] = message  # a reconnecting speaker: the room and its finals go on
    elif message.replayable:
        if message.kind == "start":
            recent.clear()
        recent.append(message)
        while len(recent) > RECENT_MESSAGES:
            start = recent.popleft()
            if start.kind == "start" and recent:  # keep the start first: it carries the settings
                recent.popleft()
                recent.appendleft(start)


class LocalBus:
    """Rooms of this process only: subscribers are bounded queues fed synchronously on publish."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[RoomMessage]]] = {}
        self._recent: dict[str, deque[RoomMessage]] = {}
        self._seq: dict[str, int] = {}

    async def publish(self, room: str, message: RoomMessage) -> None:
        seq = self._seq.get(room, 0) + 1
        self._seq[room] = seq
        message = replace(message, seq=seq)
        recent = self._recent.setdefault(room, deque())
        _keep_recent(recent, message)
        if not recent:
            del self._recent[room]
        for queue in self._subscribers.get(room, ()):
            if queue.full():  # a stuck subscriber loses its oldest message, never blocks the speaker
                queue.get_nowait()
            queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, room: str) -> AsyncIterator[AsyncIterator[RoomMessage]]:
        queue: asyncio.Queue[RoomMessage] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.setdefault(room, set()).add(queue)

        async def messages() -> AsyncIterator[RoomMessage]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            subscribers = self._subscribers.get(room, set())
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(room, None)

    async def recent(self, room: str) -> list[RoomMessage]:
        return list(self._recent.get(room, ()))

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBus:
    """Rooms shared by every replica that points at the same Redis (redis-py's asyncio client)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.url = url
        self._redis = redis.Redis.from_url(url)

    @staticmethod
    def _key(room: str, what: str = "") -> str:
        return f"tolk:room:{room}" + (f":{what}" if what else "")

    async def ping(self) -> None:
        """Raises ConnectionError (redis.ConnectionError is one) when Redis cannot be reached."""
        await self._redis.ping()

    async def publish(self, room: str, message: RoomMessage) -> None:
        seq = int(await self._redis.incr(self._key(room, "seq")))
        message = replace(message, seq=seq)
        data = message.to_json()
        recent = self._key(room, "recent")
        async with self._redis.pipeline(transaction=True) as pipe:
            if message.kind in ("end", "start") and not await self._continues(room, message):
                pipe.delete(recent)
            if message.replayable:
                pipe.rpush(recent, data)
                pipe.ltrim(recent, -RECENT_MESSAGES, -1)
                pipe.expire(recent, 24 * 3600)
            pipe.publish(self._key(room), data)
            await pipe.execute()

    async def _continues(self, room: str, message: RoomMessage) -> bool:
        """A start while the room is live is a speaker's reconnect: its recent finals stay."""
        if message.kind != "start":
            return False
        first = await self._redis.lindex(self._key(room, "recent"), 0)
        return first is not None and RoomMessage.from_json(first).kind == "start"

    @contextlib.asynccontextmanager
    async def subscribe(self, room: str) -> AsyncIterator[AsyncIterator[RoomMessage]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._key(room))

        async def messages() -> AsyncIterator[RoomMessage]:
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    yield RoomMessage.from_json(item["data"])

        try:
            yield messages()
        finally:
            with contextlib.suppress(Exception):  # Redis gone while unsubscribing: nothing to undo
                await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def recent(self, room: str) -> list[RoomMessage]:
        items = await self._redis.lrange(self._key(room, "recent"), 0, -1)
        messages = [RoomMessage.from_json(item) for item in items]
        return messages if messages and messages[0].kind == "start" else []

    async def close(self) -> None:
        await self._redis.aclose()


def open_bus(url: str | None) -> LocalBus | RedisBus:
    """The bus for `--bus`: None or "local" -> in-process; redis://HOST:PORT[/DB] -> Redis."""
    if url is None or url in ("", "local"):
        return LocalBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBus(url)
    raise ValueError(f"--bus: expected redis://HOST:PORT or 'local', got {url!r}")
