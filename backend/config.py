"""Server settings, built once at the entry point (backend/cli.py) and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.engines.registry import DEFAULT_ASR, DEFAULT_MT, EngineContext
from backend.vad import VadOptions

SUPPORTED_SAMPLE_RATES_HZ: tuple[int, ...] = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs; nothing below reads the environment.

    Attributes:
        host: interface to bind ("0.0.0.0" for all, "127.0.0.1" for local only).
        port: TCP port; 0 picks a free one (create_server returns it).
        asr: default ASR engine spec (used when a session does not name one).
        mt: default MT engine spec.
        engine_context: model store, device, precision and beam size for the engines.
        reflection: expose gRPC server reflection (off by default).
        max_chunk_bytes: largest accepted AudioChunk.data.
        max_message_bytes: largest gRPC message the server receives (bigger -> RESOURCE_EXHAUSTED).
        partial_interval_ms: new audio between two partial hypotheses of the open segment.
        input_queue_size: requests buffered per session before the reader waits (backpressure).
        event_queue_size: finals/translations buffered per session before the session waits.
        max_sessions: concurrent Interpret streams; more get RESOURCE_EXHAUSTED.
        max_stream_s: advertised maximum stream duration (0 = unlimited; enforced by a later layer).
        worker_threads: threads for model calls shared by all sessions.
        grace_s: how long a stopping server lets streams finish.
        vad: server-side voice-activity settings (SERVER_VAD sessions).
    """

    host: str = "127.0.0.1"
    port: int = 50051
    asr: str = DEFAULT_ASR
    mt: str = DEFAULT_MT
    engine_context: EngineContext = field(default_factory=EngineContext)
    reflection: bool = False
    max_chunk_bytes: int = 1 * MIB
    max_message_bytes: int = 2 * MIB
    partial_interval_ms: int = 250
    input_queue_size: int = 64
    event_queue_size: int = 64
    max_sessions: int = 32
    max_stream_s: float = 0.0
    worker_threads: int = 8
    grace_s: float = 5.0
    vad: VadOptions = field(default_factory=VadOptions)

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"
