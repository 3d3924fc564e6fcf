"""What the server starts for live-event rooms: the bus, the room hub, and the caption page."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry

from tolk.backend.bus import LocalBus, RedisBus, open_bus
from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.room_metrics import RoomMetrics
from tolk.backend.room_translator import RoomTranslator
from tolk.backend.rooms import RoomHub, RoomLimits

if TYPE_CHECKING:
    from tolk.backend.web.app import WebServer


@dataclass
class RoomsRuntime:
    """The room hub of one server, its bus, and the caption page when --http-port is set."""

    hub: RoomHub
    bus: LocalBus | RedisBus
    web: WebServer | None = None

    @property
    def http_port(self) -> int | None:
        return self.web.port if self.web else None

    async def start_web(self, config: ServerConfig) -> None:
        if config.http_port is None:
            return
        from tolk.backend.web.app import start_web

        host = config.http_host or config.host
        self.web = await start_web(self.hub, host, config.http_port, config.public_url)

    async def stop(self) -> None:
        await self.hub.close()
        if self.web is not None:
            await self.web.stop()
        await self.bus.close()


async def start_rooms(
    config: ServerConfig, registry: Registry, executor: Executor, metrics: CollectorRegistry
) -> RoomsRuntime:
    """Opens the bus (raises OSError when --bus Redis cannot be reached) and the hub."""
    bus = open_bus(config.bus)
    if isinstance(bus, RedisBus):
        try:
            await bus.ping()
        except Exception as exc:
            await bus.close()
            raise OSError(f"--bus {config.bus}: cannot reach Redis ({exc})") from None
    limits = RoomLimits(config.max_listeners_per_room, config.max_listeners)
    translator = RoomTranslator(registry, executor, config.mt)
    return RoomsRuntime(RoomHub(bus, translator, limits, RoomMetrics(metrics)), bus)
