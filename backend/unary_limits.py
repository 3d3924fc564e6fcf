"""Limits on the unary RPCs (TranslateText, GetCapabilities), as plain bookkeeping (no gRPC, no threads).

`UnaryAdmission.admit(client)` returns a lease or raises ResourceExhausted at once: when the client
already runs `max_concurrent_per_client` calls, or has spent its `calls_per_min` token bucket (one
minute's worth of burst). The size caps (`max_texts`, `max_text_chars`, `max_request_chars`) are checked
by the servicer and listed in GetCapabilities. Machine-translation work runs on its own `mt_threads`
executor, so it can never hold the threads speech recognition needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tolk.backend.quotas import Lease, TokenBucket
from tolk.common.errors import InvalidArgument, ResourceExhausted

MAX_TRACKED_CLIENTS = 1024
"""Buckets of idle clients are pruned once more clients than this have been seen."""


@dataclass(frozen=True)
class TranslateLimits:
    """What one TranslateText call and one client may ask for; 0 turns a rate or concurrency limit off.

    Attributes:
        max_texts: texts in one request.
        max_text_chars: characters in one text.
        max_request_chars: characters in all texts of one request.
        max_concurrent_per_client: TranslateText calls one client runs at once; more get RESOURCE_EXHAUSTED.
        calls_per_min: unary calls (TranslateText and GetCapabilities) per client per minute.
        mt_threads: threads for machine translation (TranslateText and live captions), apart from ASR's.
    """

    max_texts: int = 1000
    max_text_chars: int = 10_000
    max_request_chars: int = 50_000
    max_concurrent_per_client: int = 2
    calls_per_min: float = 600.0
    mt_threads: int = 4


def check_texts(texts: list[str], limits: TranslateLimits) -> None:
    """Raises InvalidArgument for a request over a size cap (the message never quotes the text)."""
    if len(texts) > limits.max_texts:
        raise InvalidArgument(f"at most {limits.max_texts} texts per request, got {len(texts)}")
    longest = max((len(t) for t in texts), default=0)
    if longest > limits.max_text_chars:
        raise InvalidArgument(f"a text has {longest} characters; at most {limits.max_text_chars} per text")
    total = sum(len(t) for t in texts)
    if total > limits.max_request_chars:
        raise InvalidArgument(
            f"{total} characters in all texts; at most {limits.max_request_chars} per request"
        )


@dataclass
class _Client:
    bucket: TokenBucket
    running: int = 0


@dataclass
class UnaryAdmission:
    """Per-client concurrency and call rate of unary calls."""

    max_concurrent_per_client: int = 0
    calls_per_min: float = 0.0
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Client] = field(default_factory=dict, init=False)

    def running(self, client: str) -> int:
        state = self._clients.get(client)
        return state.running if state else 0

    def admit(self, client: str, concurrent: bool = True) -> Lease:
        """Admits one call or raises ResourceExhausted (nothing changes then).

        `concurrent=False` charges the rate only (GetCapabilities holds no engine).
        """
        now = self.clock()
        state = self._clients.get(client) or _Client(TokenBucket.full(self.calls_per_min, now))
        limit = self.max_concurrent_per_client
        if concurrent and limit and state.running >= limit:
            raise ResourceExhausted(f"client quota: at most {limit} concurrent TranslateText calls")
        if self.calls_per_min:
            if state.bucket.current(now) < 1.0:
                raise ResourceExhausted(f"client quota: {self.calls_per_min:g} calls per minute")
            state.bucket.take(1.0, now)
        if len(self._clients) >= MAX_TRACKED_CLIENTS and client not in self._clients:
            self._prune()
        self._clients[client] = state
        if not concurrent:
            return Lease(client, self._release, released=True)
        state.running += 1
        return Lease(client, self._release)

    def _release(self, client: str) -> None:
        state = self._clients.get(client)
        if state is not None:
            state.running = max(0, state.running - 1)

    def _prune(self) -> None:
        """Forgets idle clients whose bucket is full again (the same as a client never seen)."""
        now = self.clock()
        idle = [n for n, s in self._clients.items() if not s.running]
        for name in [n for n in idle if self._clients[n].bucket.current(now) >= self.calls_per_min]:
            del self._clients[name]
