"""The queue that carries what a session sends to its client (the events are tolk.common.events).

`Outbox` is bounded and coalescing. Partials are advisory: a newer partial replaces an unsent one of the
same segment, so a slow reader gets fewer, fresher partials and never stalls recognition. Everything else
(started, finals, translations) is never dropped: `put` waits while `capacity` of them are unsent, which
pushes back on the session and, through its bounded input queue, on the client.
"""

from __future__ import annotations

import asyncio
from collections import deque

from tolk.common.events import Event, Partial


class Outbox:
    """A bounded event queue: `put` waits for room, `put_partial` coalesces, `get` returns None at the end."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self.coalesced = 0
        self._items: deque[Event] = deque()
        self._partials = 0
        self._cond = asyncio.Condition()
        self._closed = False
        self._error: BaseException | None = None

    @property
    def unsent(self) -> int:
        return len(self._items)

    def _has_room(self) -> bool:
        return len(self._items) - self._partials < self.capacity or self._closed

    async def put(self, event: Event) -> None:
        """Queues an event that must arrive; waits while `capacity` such events are unsent."""
        async with self._cond:
            await self._cond.wait_for(self._has_room)
            if not self._closed:
                self._items.append(event)
                self._cond.notify_all()

    async def put_partial(self, partial: Partial) -> None:
        """Queues a partial, replacing an unsent partial of the same segment in place."""
        async with self._cond:
            if self._closed:
                return
            for index, item in enumerate(self._items):
                if isinstance(item, Partial) and item.segment_id == partial.segment_id:
                    self._items[index] = partial
                    self.coalesced += 1
                    return
            self._items.append(partial)
            self._partials += 1
            self._cond.notify_all()

    async def get(self) -> Event | None:
        """The next event; None once closed and drained; raises the error given to `fail`."""
        async with self._cond:
            await self._cond.wait_for(lambda: bool(self._items) or self._closed)
            if not self._items:
                if self._error is not None:
                    raise self._error
                return None
            item = self._items.popleft()
            if isinstance(item, Partial):
                self._partials -= 1
            self._cond.notify_all()
            return item

    async def close(self) -> None:
        """No more events: the reader drains what is queued, then gets None."""
        async with self._cond:
            self._closed = True
            self._cond.notify_all()

    async def fail(self, error: BaseException) -> None:
        """Ends the stream with an error: unsent events are dropped and the reader gets the error."""
        async with self._cond:
            if self._error is None:
                self._error = error
            self._items.clear()
            self._partials = 0
            self._closed = True
            self._cond.notify_all()
