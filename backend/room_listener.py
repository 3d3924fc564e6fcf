"""What a listener of a live-event room receives, and its bounded per-listener buffer.

A listener's buffer never makes anyone wait: the room offers each caption without awaiting. When a
listener falls `capacity` captions behind, its buffer is resynced (dropped and refilled with the recent
finals of its language, marked as replays); a listener resynced more than `max_resyncs` times is ended.
Partials coalesce: an unsent partial is replaced by the newer one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

LISTENER_BUFFER = 64
"""Captions one listener may fall behind before it is resynced."""
MAX_RESYNCS = 3
"""Resyncs after which a listener that keeps falling behind is disconnected."""


@dataclass(frozen=True)
class Caption:
    """One caption in the listener's language.

    Attributes:
        seq: the room's position of the event it came from.
        segment_id: the speaker's segment.
        text / language: the caption and its language.
        is_final: a finished segment (False: a partial, source-language listeners only).
        audio_start_s / audio_end_s: the segment's audio span.
        published_s: Unix time the speaker's server published the final.
        replay: a recent final replayed to a late joiner or a resynced listener.
    """

    seq: int
    segment_id: int
    text: str
    language: str
    is_final: bool
    audio_start_s: float
    audio_end_s: float
    published_s: float
    replay: bool = False


@dataclass(frozen=True)
class Ended:
    """The room ended for this listener (speaker ended, server stopping, too slow...)."""

    reason: str


RoomItem = Caption | Ended


class Listener:
    """One listener's bounded, coalescing buffer; the room calls `offer`, the listener awaits `next`."""

    def __init__(self, room: str, language: str, capacity: int = LISTENER_BUFFER,
                 max_resyncs: int = MAX_RESYNCS) -> None:  # fmt: skip
        self.room = room
        self.language = language
        self.capacity = capacity
        self.max_resyncs = max_resyncs
        self.resyncs = 0
        self._items: deque[RoomItem] = deque()
        self._ready = asyncio.Event()
        self._ended = False

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def unsent(self) -> int:
        return len(self._items)

    def offer(self, caption: Caption, recent: Iterable[Caption] = ()) -> str:
        """Queues a caption; returns "ok", "resynced" or "dropped" (the listener ended as too slow)."""
        if self._ended:
            return "ok"
        last = self._items[-1] if self._items else None
        if (
            not caption.is_final
            and isinstance(last, Caption)
            and not last.is_final
            and last.segment_id == caption.segment_id
        ):
            self._items[-1] = caption
            return "ok"
        if len(self._items) < self.capacity:
            self._push(caption)
            return "ok"
        self.resyncs += 1
        self._items.clear()
        if self.resyncs > self.max_resyncs:
            self.end(Ended("listener too slow: disconnected"))
            return "dropped"
        for old in recent:
            self._items.append(replace(old, replay=True))
        self._push(caption)
        return "resynced"

    def replay(self, recent: Iterable[Caption]) -> None:
        """Queues the recent finals a late joiner gets first."""
        for old in recent:
            self._push(replace(old, replay=True))

    def _push(self, item: RoomItem) -> None:
        self._items.append(item)
        self._ready.set()

    def end(self, ended: Ended) -> None:
        """Queues the end (after what is already queued, unless the listener is being dropped)."""
        if self._ended:
            return
        self._ended = True
        self._push(ended)

    async def next(self) -> RoomItem:
        """The next caption, or the Ended that closes the stream."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()
