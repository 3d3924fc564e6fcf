"""Admission control and per-client quotas, as plain bookkeeping (no gRPC, no threads, no sleeps).

`Admission.admit(client)` either returns a `Lease` for one stream or raises ResourceExhausted at once:
when the server holds max_sessions streams, or the client holds max_streams_per_client. Streams already
running are never touched by a rejection. `charge(client, seconds)` meters audio per client with a token
bucket that refills audio_s_per_min per minute and holds at most one minute's worth.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tolk.common.errors import ResourceExhausted

SECONDS_PER_MINUTE = 60.0
MAX_IDLE_BUCKETS = 1024
"""Buckets of clients without streams are pruned once there are more than this many."""


@dataclass
class TokenBucket:
    """A leaky bucket that refills `per_minute` units per minute and holds at most one minute's worth."""

    per_minute: float
    level: float
    updated_at: float

    @classmethod
    def full(cls, per_minute: float, now: float) -> TokenBucket:
        return cls(per_minute, per_minute, now)

    def current(self, now: float) -> float:
        refill = (now - self.updated_at) * self.per_minute / SECONDS_PER_MINUTE
        return min(self.per_minute, self.level + refill)

    def take(self, amount: float, now: float) -> float:
        """Takes `amount` (the level may go below zero) and returns the level left."""
        self.level, self.updated_at = self.current(now) - amount, now
        return self.level


@dataclass
class Lease:
    """One admitted call or stream; `release()` is idempotent and hands the client to `on_release` once."""

    client: str
    on_release: Callable[[str], None]
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.on_release(self.client)


@dataclass
class Admission:
    """Counts streams per server and per client, and meters audio per client; 0 turns a limit off."""

    max_sessions: int = 0
    max_streams_per_client: int = 0
    audio_s_per_min: float = 0.0
    clock: Callable[[], float] = time.monotonic
    _streams: dict[str, int] = field(default_factory=dict, init=False)
    _buckets: dict[str, TokenBucket] = field(default_factory=dict, init=False)
    _active: int = field(default=0, init=False)

    @property
    def active(self) -> int:
        """Streams currently admitted."""
        return self._active

    def streams_of(self, client: str) -> int:
        return self._streams.get(client, 0)

    def admit(self, client: str) -> Lease:
        """Admits one stream for `client` or raises ResourceExhausted (nothing changes then)."""
        if self.max_sessions and self._active >= self.max_sessions:
            raise ResourceExhausted(f"server at capacity ({self.max_sessions} streams); retry later")
        held = self._streams.get(client, 0)
        if self.max_streams_per_client and held >= self.max_streams_per_client:
            raise ResourceExhausted(f"client quota: at most {self.max_streams_per_client} concurrent streams")
        if self.audio_s_per_min and self._level(client) <= 0.0:
            raise ResourceExhausted(f"client quota: {self.audio_s_per_min:g} audio seconds per minute")
        self._streams[client] = held + 1
        self._active += 1
        return Lease(client, self._release)

    def charge(self, client: str, seconds: float) -> None:
        """Takes `seconds` of audio from the client's bucket; raises ResourceExhausted when it runs dry."""
        if not self.audio_s_per_min or seconds <= 0.0:
            return
        now = self.clock()
        bucket = self._buckets.setdefault(client, TokenBucket.full(self.audio_s_per_min, now))
        if bucket.take(seconds, now) < 0.0:
            raise ResourceExhausted(f"client quota: {self.audio_s_per_min:g} audio seconds per minute")

    def _level(self, client: str) -> float:
        bucket = self._buckets.get(client)
        return self.audio_s_per_min if bucket is None else bucket.current(self.clock())

    def _release(self, client: str) -> None:
        self._active -= 1
        held = self._streams.get(client, 0) - 1
        if held > 0:
            self._streams[client] = held
        else:
            self._streams.pop(client, None)
        if len(self._buckets) > MAX_IDLE_BUCKETS:
            self._prune()

    def _prune(self) -> None:
        """Forgets full buckets of clients without streams (a full bucket is the same as none)."""
        full = [c for c in self._buckets if c not in self._streams and self._level(c) >= self.audio_s_per_min]
        for client in full:
            del self._buckets[client]
