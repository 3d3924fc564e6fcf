"""App-side types of the Interpret protocol (no protobuf here; see convert.py for the mapping).

Server events (Started, Partial, Final, Translation) live in app.core.events so the caption model can use
them without importing transport; they are re-exported here. This module adds what the client sends
(StreamOptions, AudioChunk, Boundary) and what GetCapabilities answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tolk.app.core.events import (
    ConnectionState,
    Event,
    Final,
    Partial,
    SessionEvent,
    Started,
    Translation,
)
from tolk.common.glossary import GlossaryTerm

__all__ = [
    "AudioChunk",
    "Boundary",
    "Capabilities",
    "ConnectionState",
    "EngineDescription",
    "Event",
    "Final",
    "Outgoing",
    "Partial",
    "SessionEvent",
    "Started",
    "StreamOptions",
    "Translation",
]

Segmentation = Literal["client_vad", "server_vad"]
TaskName = Literal["transcribe", "translate"]


@dataclass(frozen=True)
class StreamOptions:
    """The session config of one Interpret stream.

    Attributes:
        source_language: ISO 639-1 code of the speech ("" or "auto": let the engine detect it).
        target_languages: languages to translate every final into (may be empty).
        sample_rate_hz: rate of the LINEAR16 mono audio the client sends.
        asr: ASR engine spec ("" = server default).
        mt: MT engine spec ("" = server default).
        segmentation: "client_vad" (the client sends Boundary marks around speech) or "server_vad".
        task: "transcribe", or "translate" to recognize straight into English (engines that can).
        disable_partials: ask the server for finals and translations only.
        first_segment_id: id of this stream's first segment (a reconnecting session continues the count).
        audio_offset_s: conversation time of this stream's timeline origin.
        conversation: two languages for conversation mode (each segment identified between them and
            translated into the other), or () for a fixed source language.
        channel: label the server echoes in finals and translations ("me", "them").
        glossary: terms recognition is biased towards and translation must use.
        room: publish the captions into this live-event room ("" = none); listeners follow it.
        room_listener_token: the token listeners of the room must present ("" = open room).
    """

    source_language: str = "en"
    target_languages: tuple[str, ...] = ()
    sample_rate_hz: int = 16_000
    asr: str = ""
    mt: str = ""
    segmentation: Segmentation = "client_vad"
    task: TaskName = "transcribe"
    disable_partials: bool = False
    first_segment_id: int = 0
    audio_offset_s: float = 0.0
    conversation: tuple[str, ...] = ()
    channel: str = ""
    glossary: tuple[GlossaryTerm, ...] = ()
    room: str = ""
    room_listener_token: str = ""


@dataclass(frozen=True)
class AudioChunk:
    """Mono signed 16-bit little-endian PCM at the stream's rate, starting at conversation time `t_s`."""

    pcm16: bytes
    t_s: float

    def duration_s(self, sample_rate_hz: int) -> float:
        return len(self.pcm16) / 2 / sample_rate_hz


@dataclass(frozen=True)
class Boundary:
    """A client-side speech mark (CLIENT_VAD) at conversation time `t_s`.

    Attributes:
        language: at a start in conversation mode, the segment's language given by push-to-talk ("" =
            identified by the server).
    """

    kind: Literal["start", "end"]
    t_s: float
    language: str = ""


Outgoing = AudioChunk | Boundary
"""What a client pipeline hands the transport, in order."""


@dataclass(frozen=True)
class EngineDescription:
    """One installed engine, as GetCapabilities (or the local registry) reports it.

    Attributes:
        name: spec to request it by ("pocketsphinx", "whisper:base-int8").
        kind: "asr" or "mt".
        languages: ASR: recognized languages.
        pairs: MT: (source, target) pairs.
        is_default: the server uses it when a session does not name one.
        description: one line for humans.
    """

    name: str
    kind: Literal["asr", "mt"]
    languages: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    is_default: bool = False
    description: str = ""


@dataclass(frozen=True)
class Capabilities:
    """What a server offers and the limits it enforces on Interpret streams."""

    engines: tuple[EngineDescription, ...]
    sample_rates_hz: tuple[int, ...] = ()
    max_chunk_bytes: int = 0
    max_segment_s: float = 0.0
    max_stream_s: float = 0.0
