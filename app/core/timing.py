"""The clock behind `wall_s`: seconds since the first audio of a conversation was sent."""

from __future__ import annotations

import time
from collections.abc import Callable


class WallClock:
    """Starts at the first `mark()`; `elapsed()` is None before that. Shared across reconnects."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._t0: float | None = None

    def mark(self) -> None:
        """Records the first audio's send time (later calls change nothing)."""
        if self._t0 is None:
            self._t0 = self._now()

    @property
    def started(self) -> bool:
        return self._t0 is not None

    def elapsed(self) -> float | None:
        return None if self._t0 is None else self._now() - self._t0
