"""Server settings, built once at the entry point (backend/cli.py) and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tolk.backend.engines.registry import DEFAULT_ASR, DEFAULT_MT, EngineContext
from tolk.backend.limits import Keepalive, Limits
from tolk.backend.tls import ServerTls
from tolk.backend.unary_limits import TranslateLimits
from tolk.backend.watch_limits import WatchLimits
from tolk.common.vad import VadOptions

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
        max_stream_s: a stream's maximum length; then the open segment is flushed and the stream ends
            with DEADLINE_EXCEEDED (the client rotates to a new stream). 0 = unlimited.
        max_streams_per_client: concurrent streams per client (token name, or peer address).
        audio_s_per_min: audio seconds per client per minute (a token bucket of one minute's worth).
        idle_timeout_s: a stream that sends nothing for this long is flushed and ends (DEADLINE_EXCEEDED).
        keepalive_s / keepalive_timeout_s: HTTP/2 pings; a peer silent past both is dropped.
        tls_cert / tls_key: PEM certificate chain and key; both or neither (plaintext).
        tls_reload: serve them through dynamic credentials that SIGHUP re-reads (off: static credentials).
        tls_client_ca: PEM CA bundle; clients must present a certificate it signed (mutual TLS).
        auth_tokens: token file (one "<token>" or "<name> <token>" per line); None = no authentication.
        metrics_port: Prometheus /metrics HTTP port (0 picks a free one); None = no endpoint.
        metrics_host: interface of the metrics endpoint; None = the same as `host`.
        worker_threads: threads for model calls shared by all sessions.
        grace_s: how long a stopping server lets streams finish.
        vad: server-side voice-activity settings (SERVER_VAD sessions).
        translate: TranslateText size caps, per-client limits and MT threads (backend.unary_limits).
        watch: concurrent Health.Watch streams in all and per client (backend.watch_limits).
        insecure: allow a non-loopback address without a token file (tolk serve refuses it otherwise).
        http_port: port of the live-event caption page (/rooms/ROOM); None = no page.
        http_host: interface of the page; None = the same as `host`.
        public_url: the page's address as listeners reach it (for QR codes); None = as requested.
        bus: where rooms live: None (this process) or redis://HOST:PORT (shared by replicas).
        max_listeners_per_room / max_listeners: room listeners per room and in all (this replica).
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
    max_stream_s: float = 3600.0
    max_streams_per_client: int = 16
    audio_s_per_min: float = 3600.0
    idle_timeout_s: float = 120.0
    keepalive_s: float = 20.0
    keepalive_timeout_s: float = 10.0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    tls_reload: bool = False
    auth_tokens: Path | None = None
    metrics_port: int | None = None
    metrics_host: str | None = None
    worker_threads: int = 8
    grace_s: float = 5.0
    vad: VadOptions = field(default_factory=VadOptions)
    translate: TranslateLimits = field(default_factory=TranslateLimits)
    watch: WatchLimits = field(default_factory=WatchLimits)
    insecure: bool = False
    http_port: int | None = None
    http_host: str | None = None
    public_url: str | None = None
    bus: str | None = None
    max_listeners_per_room: int = 1000
    max_listeners: int = 2000

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"

    @property
    def limits(self) -> Limits:
        """The admission, quota and stream limits the server's guard enforces."""
        return Limits(
            max_sessions=self.max_sessions,
            max_streams_per_client=self.max_streams_per_client,
            audio_s_per_min=self.audio_s_per_min,
            max_stream_s=self.max_stream_s,
            idle_timeout_s=self.idle_timeout_s,
            max_chunk_bytes=self.max_chunk_bytes,
            max_message_bytes=self.max_message_bytes,
            drain_grace_s=self.grace_s,
            keepalive=Keepalive(time_s=self.keepalive_s, timeout_s=self.keepalive_timeout_s),
            translate=self.translate,
            watch=self.watch,
        )

    @property
    def tls(self) -> ServerTls | None:
        """TLS settings, or None for plaintext (raises ValueError for a certificate without its key)."""
        if self.tls_cert is None and self.tls_key is None:
            if self.tls_client_ca is not None:
                raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
            return None
        if self.tls_cert is None or self.tls_key is None:
            raise ValueError("--tls-cert and --tls-key go together")
        return ServerTls(self.tls_cert, self.tls_key, self.tls_client_ca)
