"""The events of an interpreting session, shared by the server (which emits them) and the client (which
receives them after the wire): one set of frozen dataclasses, no protobuf, no grpc.

The servicer turns them into `InterpretResponse` messages and the client's transport turns the messages
back into them. `wall_s` is the client's clock: seconds since the first audio was sent, at the moment the
event was received; the server leaves it None.
"""

from __future__ import annotations

from dataclasses import dataclass


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


Event = Started | Partial | Final | Translation
"""What the server sends on an Interpret stream."""
