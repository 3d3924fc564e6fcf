"""Prometheus collectors of live-event rooms (registered in the server's own registry).

rooms                      gauge      rooms with a speaker or listeners on this replica
listeners                  gauge      connected listeners (gRPC Listen and the web page)
fanout_delay_seconds       histogram  speaker's final published -> handed to a listener's connection
listeners_resynced_total   counter    listeners that fell behind and were resynced to recent finals
listeners_dropped_total    counter    listeners disconnected for falling behind repeatedly
listeners_rejected_total   counter    listeners refused by the per-room or per-server limit
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

FANOUT_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class RoomMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        reg = registry or CollectorRegistry(auto_describe=True)
        self.registry = reg
        self.rooms = Gauge("tolk_rooms", "Rooms with a speaker or listeners", registry=reg)
        self.listeners = Gauge("tolk_listeners", "Connected room listeners", registry=reg)
        self.fanout_delay = Histogram(
            "tolk_fanout_delay_seconds", "Final published -> sent to a listener", buckets=FANOUT_BUCKETS_S,
            registry=reg,
        )  # fmt: skip
        self.resynced = Counter("tolk_listeners_resynced", "Listeners resynced (fell behind)", registry=reg)
        self.dropped = Counter("tolk_listeners_dropped", "Listeners disconnected as too slow", registry=reg)
        self.rejected = Counter("tolk_listeners_rejected", "Listeners refused by a limit", registry=reg)
