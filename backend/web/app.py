"""The listeners' web page: `/rooms/ROOM` (phone view), `?lang=es&overlay=1` (OBS browser source).

Captions reach the page over Server-Sent Events (`/rooms/ROOM/events?lang=es`); the browser's
EventSource reconnects by itself and the server replays the room's recent finals on every connect (the
page keys captions by segment, so a replay never duplicates a line). Everything the page needs is served
from backend/web/static: no CDN, no build step. uvicorn runs inside the gRPC server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tolk.backend.room_listener import Ended
from tolk.backend.rooms import RoomHub, check_room
from tolk.common.errors import TolkError

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
KEEPALIVE_S = 15.0
RETRY_MS = 2000


def _sse(event: str, data: object, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(hub: RoomHub, room: str, language: str, token: str) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    try:
        async with hub.listen(room, language, token) as listener:
            yield _sse("ready", {"room": room, "language": language})
            while True:
                try:
                    item = await asyncio.wait_for(listener.next(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if isinstance(item, Ended):
                    yield _sse("end", {"reason": item.reason})
                    return
                hub.sent(item)
                yield _sse("caption", asdict(item), item.seq)
    except TolkError as exc:
        yield _sse("refused", {"reason": str(exc)})


def build_app(hub: RoomHub, public_url: str | None = None) -> Starlette:
    """The ASGI app: the page, its SSE stream, a QR code of its address, the room's languages."""

    async def page(request: Request) -> Response:
        check_room(request.path_params["room"])
        return FileResponse(STATIC_DIR / "room.html", headers={"Cache-Control": "no-cache"})

    async def events(request: Request) -> Response:
        room = check_room(request.path_params["room"])
        language = (request.query_params.get("lang") or "en").strip().lower()[:12]
        token = request.query_params.get("token", "")
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        stream = _events(hub, room, language, token)
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    async def languages(request: Request) -> Response:
        room = check_room(request.path_params["room"])
        start = await hub.room_info(room)
        await hub.translator.load()
        known = hub.translator.languages()
        if start is not None:
            source = start.source_language
            known = [x for x in known if hub.translator.reachable(source, x, start.targets)]
            known = sorted({source, *start.targets, *known})
        return JSONResponse({"room": room, "live": start is not None, "languages": known,
                             "source": start.source_language if start else None})  # fmt: skip

    async def qr(request: Request) -> Response:
        room = check_room(request.path_params["room"])
        base = public_url or str(request.base_url).rstrip("/")
        return Response(qr_png(f"{base}/rooms/{room}"), media_type="image/png")

    async def refused(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=400)

    routes = [
        Route("/rooms/{room}", page),
        Route("/rooms/{room}/events", events),
        Route("/rooms/{room}/languages", languages),
        Route("/rooms/{room}/qr.png", qr),
        Route("/healthz", lambda request: JSONResponse({"ok": True})),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={TolkError: refused})


def qr_png(text: str, box_px: int = 10) -> bytes:
    """A QR code of `text` as PNG (qrcode's pure-Python PNG writer)."""
    import qrcode
    from qrcode.image.pure import PyPNGImage

    image = qrcode.make(text, image_factory=PyPNGImage, box_size=box_px, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot serve the caption page on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # `tolk serve` owns SIGINT/SIGTERM and stops this server itself


@dataclass
class WebServer:
    """A running page server: `port` it bound, `stop()` to end it."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    async def stop(self) -> None:
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self.task), 5.0)
        except TimeoutError:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def start_web(hub: RoomHub, host: str, port: int, public_url: str | None = None) -> WebServer:
    """Serves the page on host:port (0 picks a free port) in this event loop; raises OSError if unbound."""
    config = uvicorn.Config(
        build_app(hub, public_url), host=host, port=port, log_level="warning", lifespan="off",
        access_log=False, timeout_graceful_shutdown=2,
    )  # fmt: skip
    sock = _bind(host, port)  # bound here: uvicorn would sys.exit on a busy port
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="tolk-web")
    while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no started event)
        await asyncio.sleep(0.01)
    if task.done():
        sock.close()
        raise OSError(f"cannot serve the caption page on {host}:{port}")
    bound = sock.getsockname()[1]
    log.info("caption page on http://%s:%d/rooms/ROOM", host, bound)
    return WebServer(server, task, int(bound))
