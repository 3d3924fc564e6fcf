"""Events of an interpreting session, as the app sees them (no protobuf, no grpc).

The transport layer converts the wire messages into these frozen dataclasses; the caption model, the
exporters, the CLI and the desktop app consume them. `wall_s` is filled by the client pipeline: seconds
since the first audio was sent, at the moment the event was received (None when unknown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Started:
    """The server accepted the session.

    Attributes:
        session_id: server-side id of the stream (for support, never shown by default).
        asr_engine: engine spec actually used for recognition.
        mt_engine: engine spec actually used for translation.
    """

    session_id: str
    asr_engine: str
    mt_engine: str
    wall_s: float | None = None


@dataclass(frozen=True)
class Partial:
    """A hypothesis for the segment in progress; `stable` never changes, `unstable` may."""

    segment_id: int
    stable: str
    unstable: str
    language: str
    audio_start_s: float
    audio_end_s: float
    wall_s: float | None = None

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.stable, self.unstable) if part)


@dataclass(frozen=True)
class Final:
    """The finished transcript of one segment (exactly one per segment id)."""

    segment_id: int
    text: str
    language: str
    audio_start_s: float
    audio_end_s: float
    wall_s: float | None = None


@dataclass(frozen=True)
class Translation:
    """A translation of one segment into one target language; `is_final` for a Final's translation."""

    segment_id: int
    source_language: str
    target_language: str
    text: str
    is_final: bool
    wall_s: float | None = None
    glossary_terms: tuple[str, ...] = ()


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


Event = Started | Partial | Final | Translation
"""What the server sends on an Interpret stream."""

SessionEvent = Event | ConnectionState
"""What a reconnecting session yields: server events plus connection changes."""
