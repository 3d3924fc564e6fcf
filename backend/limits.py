"""Service limits with their defaults, and the gRPC channel arguments that enforce the transport ones.

Status codes (see proto/tolk/v1/interpreter.proto):
    RESOURCE_EXHAUSTED  server at capacity (max_sessions), a client over its stream or audio quota,
                        or a message larger than max_message_bytes (grpc's own check)
    INVALID_ARGUMENT    an audio chunk larger than max_chunk_bytes
    DEADLINE_EXCEEDED   the stream reached max_stream_s, or sent nothing for idle_timeout_s; the open
                        segment is flushed first (final + translations), then the status ends the stream
    RESOURCE_EXHAUSTED  also: a client over its TranslateText concurrency or unary call rate, or over
                        the Health.Watch stream limits (per client and in all)
    INVALID_ARGUMENT    also: a TranslateText request over max_texts, max_text_chars or max_request_chars
    UNAVAILABLE         the server is draining (SIGTERM); in-flight streams are flushed first
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tolk.backend.unary_limits import TranslateLimits
from tolk.backend.watch_limits import WatchLimits

MIB = 1024 * 1024
MAX_CHUNK_BYTES = MIB
"""Largest audio chunk the servicer accepts (the proto's documented limit)."""
MESSAGE_OVERHEAD_BYTES = 4096
"""Room for the protobuf framing around a maximal chunk."""


@dataclass(frozen=True)
class Keepalive:
    """HTTP/2 keepalive: a peer that does not answer a ping within timeout_s is dropped.

    Attributes:
        time_s: seconds between pings on an open connection.
        timeout_s: seconds to wait for the ping's answer before closing the connection.
        min_client_ping_interval_s: server only: the shortest ping interval it tolerates from clients.
    """

    time_s: float = 20.0
    timeout_s: float = 10.0
    min_client_ping_interval_s: float = 10.0

    @property
    def window_s(self) -> float:
        """Upper bound on how long a silently dead connection holds a session."""
        return self.time_s + self.timeout_s


@dataclass(frozen=True)
class Limits:
    """What one server admits; 0 turns a limit off.

    Attributes:
        max_sessions: concurrent Interpret streams on this server; the next one gets RESOURCE_EXHAUSTED.
        max_streams_per_client: concurrent streams per client (token name, or peer address without auth).
        audio_s_per_min: audio seconds per client per minute (token bucket, a minute's worth of burst).
        max_stream_s: length of one stream in wall-clock seconds; then DEADLINE_EXCEEDED (client rotates).
        idle_timeout_s: a stream that sends no message for this long ends with DEADLINE_EXCEEDED.
        max_chunk_bytes: largest audio chunk (INVALID_ARGUMENT above it).
        max_message_bytes: largest gRPC message in either direction (grpc answers RESOURCE_EXHAUSTED).
        drain_grace_s: on SIGTERM, how long in-flight streams get to flush before the server stops.
        keepalive: HTTP/2 keepalive settings.
        translate: size caps, per-client concurrency and rate of TranslateText (backend.unary_limits).
        watch: concurrent Health.Watch streams in all and per client (backend.watch_limits).
    """

    max_sessions: int = 32
    max_streams_per_client: int = 16
    audio_s_per_min: float = 3600.0
    max_stream_s: float = 3600.0
    idle_timeout_s: float = 120.0
    max_chunk_bytes: int = MAX_CHUNK_BYTES
    max_message_bytes: int = MAX_CHUNK_BYTES + MESSAGE_OVERHEAD_BYTES
    drain_grace_s: float = 10.0
    keepalive: Keepalive = Keepalive()
    translate: TranslateLimits = field(default_factory=TranslateLimits)
    watch: WatchLimits = field(default_factory=WatchLimits)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def server_options(limits: Limits) -> list[tuple[str, int]]:
    """grpc.aio.server(options=...) for message sizes and keepalive."""
    keepalive = limits.keepalive
    return [
        ("grpc.max_receive_message_length", limits.max_message_bytes),
        ("grpc.max_send_message_length", limits.max_message_bytes),
        ("grpc.keepalive_time_ms", _ms(keepalive.time_s)),
        ("grpc.keepalive_timeout_ms", _ms(keepalive.timeout_s)),
        ("grpc.http2.ping_timeout_ms", _ms(keepalive.timeout_s)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", _ms(keepalive.min_client_ping_interval_s)),
        ("grpc.http2.max_ping_strikes", 2),
    ]
