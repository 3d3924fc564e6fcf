"""One batching scheduler per model: calls from all sessions are grouped into batches in its own thread.

A caller blocks in `run(fn, key, item)`; the scheduler thread waits up to `max_wait_ms` for more items with
the same (fn, key), calls `fn(items)` once with up to `max_batch_size` of them, and hands each caller its
own result. Items under one key must be batchable without changing each other's output (same language,
same padded shape), so batched outputs equal unbatched ones.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from tolk.common.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
BatchFn = Callable[[list[Any]], list[Any]]


@dataclass(frozen=True)
class SchedulerOptions:
    """Batching limits.

    Attributes:
        max_batch_size: most items per model call.
        max_wait_ms: longest time the first item of a batch waits for company.
    """

    max_batch_size: int = 8
    max_wait_ms: float = 5.0


@dataclass
class _Job:
    fn: BatchFn
    key: Hashable
    item: Any
    future: Future[Any]

    def group(self) -> tuple[BatchFn, Hashable]:
        return (self.fn, self.key)


@dataclass
class SchedulerStats:
    """Counters for benches and tests: model calls made and items served."""

    calls: int = 0
    items: int = 0


class BatchScheduler:
    """Groups same-key calls from many threads into batched model calls, in one worker thread."""

    def __init__(self, options: SchedulerOptions | None = None, name: str = "tolk-batch") -> None:
        self.options = options or SchedulerOptions()
        self.stats = SchedulerStats()
        self._cond = threading.Condition()
        self._pending: deque[_Job] = deque()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[list[T]], list[R]], key: Hashable, item: T) -> Future[R]:
        """Queues one item; the future resolves to fn's output for it."""
        future: Future[R] = Future()
        with self._cond:
            if self._closed:
                raise Unavailable("the model scheduler is shut down")
            self._pending.append(_Job(fn, key, item, future))
            self._cond.notify()
        return future

    def run(self, fn: Callable[[list[T]], list[R]], key: Hashable, item: T) -> R:
        """Blocking submit: returns fn's output for this item (re-raises fn's error)."""
        return self.submit(fn, key, item).result()

    def close(self) -> None:
        """Finishes queued work, then stops the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._execute(batch)

    def _count(self, group: tuple[BatchFn, Hashable]) -> int:
        return sum(1 for job in self._pending if job.group() == group)

    def _next_batch(self) -> list[_Job] | None:
        with self._cond:
            while not self._pending and not self._closed:
                self._cond.wait()
            if not self._pending:
                return None
            group = self._pending[0].group()
            deadline = time.monotonic() + self.options.max_wait_ms / 1000
            while self._count(group) < self.options.max_batch_size and not self._closed:
                remaining_s = deadline - time.monotonic()
                if remaining_s <= 0:
                    break
                self._cond.wait(remaining_s)
            batch: list[_Job] = []
            rest: deque[_Job] = deque()
            for job in self._pending:
                if job.group() == group and len(batch) < self.options.max_batch_size:
                    batch.append(job)
                else:
                    rest.append(job)
            self._pending = rest
            return batch

    def _execute(self, batch: list[_Job]) -> None:
        live = [job for job in batch if job.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            outputs = live[0].fn([job.item for job in live])
            if len(outputs) != len(live):
                raise RuntimeError(f"batch function returned {len(outputs)} outputs for {len(live)} inputs")
        except BaseException as exc:  # handed to every caller of this batch, never swallowed
            log.warning("batched model call failed: %s", exc)
            for job in live:
                job.future.set_exception(exc)
            return
        self.stats.calls += 1
        self.stats.items += len(live)
        for job, output in zip(live, outputs, strict=True):
            job.future.set_result(output)
