"""Prometheus metrics of one server, and the stream timeline that turns event times into delays.

Every server owns its own CollectorRegistry (tests run several servers in one process); `serve_http`
exposes it on /metrics. Metric names (all prefixed tolk_):

    active_sessions                gauge      Interpret streams in progress
    sessions_total                 counter    Interpret streams admitted
    partial_delay_seconds          histogram  audio arrival -> partial covering it
    final_delay_seconds            histogram  arrival of a segment's last audio -> its final
    translation_delay_seconds      histogram  arrival of a segment's last audio -> its final translation
    queue_depth                    gauge      items waiting in session queues (all sessions)
    real_time_factor               histogram  engine seconds / audio seconds, per segment
    audio_seconds_total            counter    audio received
    errors_total{code}             counter    calls that ended with a status other than OK
    rejected_total{reason}         counter    calls refused before any work (auth, capacity, quota, draining)
    asr_avg_logprob{engine,model}        histogram  per-segment average token log-probability (Whisper)
    asr_no_speech_prob{engine,model}     histogram  per-segment no-speech probability (Whisper)
    asr_compression_ratio{engine,model}  histogram  per-segment compression ratio (Whisper; high = looping)

No label ever carries a client name, token, session id or text.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from tolk.backend.engines.base import SegmentSignals

DELAY_BUCKETS_S = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
LOGPROB_BUCKETS = (-3.0, -2.0, -1.5, -1.0, -0.8, -0.6, -0.4, -0.2, -0.1, 0.0)
PROBABILITY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
COMPRESSION_BUCKETS = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 3.0, 5.0)
RTF_BUCKETS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)
AUDIO_EPSILON_S = 0.005
"""Event times within this of a received-audio mark count as covered by it (float rounding)."""
MAX_MARKS = 4096
"""Timeline marks kept per stream (oldest dropped first): a bound on memory for one stream."""
MAX_OPEN_SEGMENTS = 16
"""Segments whose end time a stream remembers for translation delays."""


@dataclass
class Metrics:
    """The collectors of one server, registered in their own registry."""

    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))

    def __post_init__(self) -> None:
        reg = self.registry
        self.active_sessions = Gauge("tolk_active_sessions", "Interpret streams in progress", registry=reg)
        self.sessions = Counter("tolk_sessions", "Interpret streams admitted", registry=reg)
        self.partial_delay = Histogram(
            "tolk_partial_delay_seconds", "Audio arrival to partial", buckets=DELAY_BUCKETS_S, registry=reg
        )
        self.final_delay = Histogram(
            "tolk_final_delay_seconds", "Segment end arrival to final", buckets=DELAY_BUCKETS_S, registry=reg
        )
        self.translation_delay = Histogram(
            "tolk_translation_delay_seconds",
            "Segment end arrival to final translation",
            buckets=DELAY_BUCKETS_S,
            registry=reg,
        )
        self.queue_depth = Gauge("tolk_queue_depth", "Items waiting in session queues", registry=reg)
        self.real_time_factor = Histogram(
            "tolk_real_time_factor", "Engine seconds per audio second", buckets=RTF_BUCKETS, registry=reg
        )
        self.audio_seconds = Counter("tolk_audio_seconds", "Audio seconds received", registry=reg)
        self.errors = Counter("tolk_errors", "Calls ended with a non-OK status", ["code"], registry=reg)
        self.rejected = Counter("tolk_rejected", "Calls refused before any work", ["reason"], registry=reg)
        self.avg_logprob = Histogram(
            "tolk_asr_avg_logprob",
            "Segment average log-probability",
            ["engine", "model"],
            buckets=LOGPROB_BUCKETS,
            registry=reg,
        )
        self.no_speech_prob = Histogram(
            "tolk_asr_no_speech_prob",
            "Segment no-speech probability",
            ["engine", "model"],
            buckets=PROBABILITY_BUCKETS,
            registry=reg,
        )
        self.compression_ratio = Histogram(
            "tolk_asr_compression_ratio",
            "Segment compression ratio",
            ["engine", "model"],
            buckets=COMPRESSION_BUCKETS,
            registry=reg,
        )

    def observe_segment(self, engine: str, signals: SegmentSignals) -> None:
        """Records one decoded segment's confidence; `engine` is the ASR engine's name ("whisper:base"),
        exported as the labels engine="whisper", model="base" (model "" for engines without one)."""
        family, _, model = engine.partition(":")
        self.avg_logprob.labels(engine=family, model=model).observe(signals.avg_logprob)
        self.no_speech_prob.labels(engine=family, model=model).observe(signals.no_speech_prob)
        self.compression_ratio.labels(engine=family, model=model).observe(signals.compression_ratio)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """A sample's current value (0.0 when it has none yet); for tests and the load tool."""
        found = self.registry.get_sample_value(name, labels or {})
        return 0.0 if found is None else found


@dataclass
class MetricsServer:
    """The /metrics HTTP endpoint; `close()` stops it."""

    port: int
    _server: WSGIServer
    _thread: threading.Thread

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_http(metrics: Metrics, host: str, port: int) -> MetricsServer:
    """Serves the registry on http://host:port/metrics (port 0 picks a free one)."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    return MetricsServer(server.server_port, server, thread)


@dataclass
class StreamTimeline:
    """Maps a stream's audio time to the wall-clock time that audio arrived, to measure delays.

    SERVER_VAD streams mark every chunk (`audio`); CLIENT_VAD streams mark each SPEECH_END boundary
    (`boundary`), because their audio may omit silence. Times are stream-relative (offset removed).
    """

    clock: Callable[[], float] = time.monotonic
    received_s: float = 0.0
    _marks: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=MAX_MARKS))
    _segment_end_wall: dict[int, float] = field(default_factory=dict)

    def audio(self, seconds: float) -> None:
        self.received_s += seconds
        self._marks.append((self.received_s, self.clock()))

    def boundary(self, audio_time_s: float) -> None:
        self._marks.append((audio_time_s, self.clock()))

    def delay(self, audio_s: float) -> float | None:
        """Seconds since the audio up to `audio_s` arrived; None when no mark covers it."""
        while len(self._marks) > 1 and self._marks[1][0] <= audio_s - AUDIO_EPSILON_S:
            self._marks.popleft()
        wall = self._wall_at(audio_s)
        return None if wall is None else max(0.0, self.clock() - wall)

    def final(self, segment_id: int, audio_end_s: float) -> float | None:
        """The final's delay; remembers when the segment's end arrived, for its translations."""
        delay = self.delay(audio_end_s)
        if delay is not None:
            self._segment_end_wall[segment_id] = self.clock() - delay
            while len(self._segment_end_wall) > MAX_OPEN_SEGMENTS:
                del self._segment_end_wall[next(iter(self._segment_end_wall))]
        return delay

    def translation(self, segment_id: int, is_final: bool) -> float | None:
        """A final translation's delay from its segment's end (None for provisional ones)."""
        wall = self._segment_end_wall.get(segment_id) if is_final else None
        return None if wall is None else max(0.0, self.clock() - wall)

    def _wall_at(self, audio_s: float) -> float | None:
        for mark_s, wall in self._marks:
            if mark_s >= audio_s - AUDIO_EPSILON_S:
                return wall
        return None
