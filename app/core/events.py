"""Events of an interpreting session, as the app sees them (no protobuf, no grpc).

The server's events (Started, Partial, Final, Translation) are tolk.common.events, shared with the backend
and re-exported here; this module adds ConnectionState, which the reconnecting client emits itself. The
caption model, the exporters, the CLI and the desktop app consume them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tolk.common.events import Event, Final, Partial, Started, Translation

__all__ = [
    "ConnectionState",
    "ConnectionStatus",
    "Event",
    "Final",
    "Partial",
    "SessionEvent",
    "Started",
    "Translation",
]


ConnectionStatus = Literal["connected", "reconnecting", "closed"]


@dataclass(frozen=True)
class ConnectionState:
    """A change of the link to the server, emitted by the reconnecting session (not by the server).

    Attributes:
        status: "connected" when a stream is open, "reconnecting" while retrying, "closed" at the end.
        attempt: retry attempt number (0 when connected).
        detail: one line for humans: why it reconnects (the server's message), or the target.
    """

    status: ConnectionStatus
    attempt: int = 0
    detail: str = ""
    wall_s: float | None = None


SessionEvent = Event | ConnectionState
"""What a reconnecting session yields: server events plus connection changes."""
