"""Structured JSON logs: one object per line with time, level, logger, message, session id and extras.

Privacy: the service logs events, counts, codes, engine names and durations; never audio, transcript or
translation text, and never a token. `bind_session(id)` tags every record logged in the current task
(and the tasks and threads it starts with copied contexts) with that session id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

SESSION_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("tolk_session_id", default=None)
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_HANDLER_NAME = "tolk-json"


@contextmanager
def bind_session(session_id: str) -> Iterator[None]:
    """Tags records logged inside the block (in this context) with `session_id`."""
    token = SESSION_ID.set(session_id)
    try:
        yield
    finally:
        SESSION_ID.reset(token)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; `extra={...}` fields become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        session = SESSION_ID.get()
        if session:
            entry["session_id"] = session
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "info", json_format: bool = True, stream: TextIO | None = None) -> None:
    """Sets up the root logger once for the server process (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    if json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())


class RefusalLog:
    """Logs refused calls with peer, method and reason, at most `per_s` lines a second (the rest are
    counted and reported in the next line), so a flood of refused calls cannot flood the log."""

    def __init__(self, logger: logging.Logger, per_s: float = 10.0) -> None:
        self._logger = logger
        self._per_s = per_s
        self._window_start = 0.0
        self._in_window = 0
        self._suppressed = 0

    def refused(self, peer: str, method: str, reason: str, now: float) -> None:
        if now - self._window_start >= 1.0:
            self._window_start, self._in_window = now, 0
        if self._in_window >= self._per_s:
            self._suppressed += 1
            return
        self._in_window += 1
        extra = {"peer": peer, "method": method, "reason": reason, "suppressed": self._suppressed}
        self._suppressed = 0
        self._logger.warning("refused call", extra=extra)
