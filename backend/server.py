"""The gRPC server: Interpreter service, grpc.health.v1, opt-in reflection, graceful stop.

`start_server` returns a `TolkServer` handle (what `serve` and tests need to stop it cleanly);
`create_server` is the contract's thin form returning `(server, port)`. Auth, TLS, admission, quotas,
stream limits, keepalive and metrics come from the config (backend.protection); extra `interceptors` and
channel `options` run after them.

Stopping drains: new calls get UNAVAILABLE, running streams stop taking audio, flush their open segment
and end with UNAVAILABLE, health turns NOT_SERVING, and the server waits up to the grace period for them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.guard import StreamGuard
from tolk.backend.metrics import Metrics, MetricsServer, serve_http
from tolk.backend.protection import Protection, build_protection
from tolk.backend.room_hooks import RoomsRuntime, start_rooms
from tolk.backend.security import is_loopback
from tolk.backend.servicer import InterpreterServicer
from tolk.backend.session_setup import SessionTracker
from tolk.v1 import interpreter_pb2, interpreter_pb2_grpc

log = logging.getLogger(__name__)
SERVICE_NAME = interpreter_pb2.DESCRIPTOR.services_by_name["Interpreter"].full_name
_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@dataclass
class TolkServer:
    """A started server and what it owns.

    Attributes:
        server / port: the grpc.aio server and the port it bound.
        health: set to SERVING by `ready` once the default engines are loaded.
        sessions: live Interpret streams (a counter that drops to 0 when all are freed).
        ready: finishes when the default engines are warm (raises if they cannot load).
        guard: admission, quotas, stream limits and draining of Interpret streams.
        metrics: the server's Prometheus collectors; metrics_server: its /metrics endpoint, if any.
    """

    server: grpc.aio.Server
    port: int
    health: HealthServicer
    sessions: SessionTracker
    registry: Registry
    executor: ThreadPoolExecutor
    ready: asyncio.Task[None]
    guard: StreamGuard
    metrics: Metrics
    metrics_server: MetricsServer | None = None
    owns_registry: bool = False
    mt_executor: ThreadPoolExecutor | None = None
    reload_tokens: Callable[[], int] | None = None
    """Re-reads the token file (SIGHUP); None when authentication is off."""
    rooms: RoomsRuntime | None = None
    reload_tls: Callable[[], None] | None = None
    """Re-reads the TLS certificate and key for new connections (SIGHUP); None without TLS."""
    _stopped: bool = field(default=False, init=False)

    async def set_serving(self, serving: bool) -> None:
        await _set_health(self.health, serving)

    async def stop(self, grace_s: float | None) -> None:
        """Drains (no new streams; running ones flush and end), reports NOT_SERVING, waits up to
        `grace_s` for streams to finish (None: as long as they take), then frees threads and engines."""
        if self._stopped:
            return
        self._stopped = True
        started = time.monotonic()
        self.guard.drain()
        self.ready.cancel()
        await asyncio.gather(self.ready, return_exceptions=True)
        await self.set_serving(False)
        if grace_s is None or grace_s > 0:
            await self.guard.wait_idle(1e9 if grace_s is None else grace_s)
        if self.rooms is not None:
            await self.rooms.stop()  # listeners get "server stopping" once the speakers' ends are out
        left_s = None if grace_s is None else max(0.0, grace_s - (time.monotonic() - started))
        await self.server.stop(left_s)
        if self.metrics_server is not None:
            self.metrics_server.close()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.mt_executor is not None:
            self.mt_executor.shutdown(wait=False, cancel_futures=True)
        if self.owns_registry:
            await asyncio.to_thread(self.registry.close)


def _channel_options(config: ServerConfig) -> list[tuple[str, Any]]:
    return [
        ("grpc.so_reuseport", 0),
    ]


async def _set_health(health: HealthServicer, serving: bool) -> None:
    status = _SERVING if serving else _NOT_SERVING
    for name in ("", SERVICE_NAME):
        await health.set(name, status)


async def _warm_up(
    health: HealthServicer, registry: Registry, executor: Executor, config: ServerConfig
) -> None:
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(executor, registry.asr, config.asr)
        await loop.run_in_executor(executor, registry.mt, config.mt)
    except Exception:
        log.exception(
            "could not load the default engines (%s, %s); health stays NOT_SERVING", config.asr, config.mt
        )
        raise
    await _set_health(health, True)
    log.info("engines %s and %s loaded; serving", config.asr, config.mt)


async def start_server(
    config: ServerConfig,
    registry: Registry | None = None,
    *,
    sessions: SessionTracker | None = None,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    options: Sequence[tuple[str, Any]] = (),
) -> TolkServer:
    """Binds and starts the server; engines load in the background (health turns SERVING after).

    Raises ValueError for an unreadable token file or TLS file, OSError when the port cannot be bound.
    """
    protection = build_protection(config.limits, config.tls, config.auth_tokens, tls_reload=config.tls_reload)
    owns = registry is None
    registry = registry or Registry(config.engine_context, default_asr=config.asr, default_mt=config.mt)
    sessions = sessions or SessionTracker()
    executor = ThreadPoolExecutor(config.worker_threads, thread_name_prefix="tolk-model")
    mt_executor = ThreadPoolExecutor(config.translate.mt_threads, thread_name_prefix="tolk-mt")
    server = grpc.aio.server(
        interceptors=[*protection.interceptors, *interceptors],
        options=[*_channel_options(config), *protection.options, *options],
    )
    rooms = await start_rooms(config, registry, executor, protection.metrics.registry)
    interpreter_pb2_grpc.add_InterpreterServicer_to_server(
        InterpreterServicer(config, registry, sessions, executor, protection.metrics, mt_executor, rooms.hub),
        server,
    )
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    if config.reflection:
        from grpc_reflection.v1alpha import reflection

        names = (
            SERVICE_NAME,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        )
        reflection.enable_server_reflection(names, server)
    try:
        port, metrics_server = _bind(server, config, protection)
    except PortBusyError:
        await server.stop(None)
        executor.shutdown(wait=False)
        raise
    await server.start()
    await _set_health(health, False)
    ready = asyncio.create_task(_warm_up(health, registry, executor, config), name="tolk-warm-up")
    ready.add_done_callback(_log_warm_up_failure)
    handle = TolkServer(
        server, port, health, sessions, registry, executor, ready, protection.guard, protection.metrics,
        metrics_server, owns, mt_executor, protection.reload_tokens if protection.auth else None,
        rooms,
    )  # fmt: skip
    handle.reload_tls = protection.reload_tls if protection.tls else None
    try:
        await rooms.start_web(config)
    except OSError:
        await handle.stop(0)
        raise
    weakref.finalize(server, executor.shutdown, wait=False)
    weakref.finalize(server, mt_executor.shutdown, wait=False)
    return handle


class PortBusyError(OSError):
    """A port to listen on is taken or not bindable; the message names the port and its flag."""


def _bind(
    server: grpc.aio.Server, config: ServerConfig, protection: Protection
) -> tuple[int, MetricsServer | None]:
    """Binds the gRPC port, then the metrics port (before anything starts, so a failure leaves nothing)."""
    if not _bindable(config.host, config.port):  # asked first: grpc would log its own error line too
        raise PortBusyError(
            f"--port: cannot listen on {config.address} (in use, or not this machine's address)"
        )
    try:
        if protection.credentials is None:
            port = server.add_insecure_port(config.address)
        else:
            port = server.add_secure_port(config.address, protection.credentials)
    except RuntimeError:  # grpc >= 1.6x raises instead of returning 0
        port = 0
    if port == 0:
        raise PortBusyError(
            f"--port: cannot listen on {config.address} (in use, or not this machine's address)"
        )
    if config.metrics_port is None:
        return port, None
    host = config.metrics_host or config.host
    try:
        return port, serve_http(protection.metrics, host, config.metrics_port)
    except OSError as exc:
        raise PortBusyError(
            f"--metrics-port: cannot listen on {host}:{config.metrics_port} ({exc.strerror})"
        ) from None


def _bindable(host: str, port: int) -> bool:
    """Whether host:port can be bound now (port 0 always can)."""
    if port == 0:
        return True
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError:
        return False
    return True


def _log_warm_up_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: the failure was logged in _warm_up


async def create_server(
    config: ServerConfig,
    registry: Registry | None = None,
    *,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    options: Sequence[tuple[str, Any]] = (),
) -> tuple[grpc.aio.Server, int]:
    """The contract's factory: a started server and its bound port (use start_server for the handle)."""
    handle = await start_server(config, registry, interceptors=interceptors, options=options)
    return handle.server, handle.port


async def serve(config: ServerConfig, on_started: Callable[[TolkServer], None] | None = None) -> None:
    """Runs until SIGINT/SIGTERM, then stops gracefully (NOT_SERVING, then `config.grace_s` to finish)."""
    handle = await start_server(config)
    if on_started is not None:
        on_started(handle)
    log.info(
        "tolk server listening",
        extra={
            "address": f"{config.host}:{handle.port}",
            "tls": config.tls_cert is not None,
            "mutual_tls": config.tls_client_ca is not None,
            "auth": config.auth_tokens is not None,
            "metrics_port": handle.metrics_server.port if handle.metrics_server else None,
        },
    )
    warn_plaintext_tokens(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload_tokens, handle)
    try:
        await stop.wait()
        log.info("stopping (grace %.1f s)", config.grace_s)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        await handle.stop(config.grace_s)


def reload_tokens(handle: TolkServer) -> None:
    """SIGHUP: re-reads the token file and the TLS certificate and key; running streams keep going; a
    bad file keeps what was loaded before it."""
    reload_tls(handle)
    if handle.reload_tokens is None:
        log.info("SIGHUP: authentication is off; no tokens to reload")
        return
    try:
        count = handle.reload_tokens()
    except ValueError as exc:
        log.error("SIGHUP: token file not reloaded, the old tokens stay: %s", exc)
        return
    log.info("SIGHUP: token file reloaded", extra={"tokens": count})


def reload_tls(handle: TolkServer) -> None:
    """SIGHUP: new connections get the certificate and key now in the files (a broken set keeps the old)."""
    if handle.reload_tls is None:
        return
    try:
        handle.reload_tls()
    except ValueError as exc:
        log.error("SIGHUP: TLS certificate not reloaded, the old one stays: %s", exc)
        return
    log.info("SIGHUP: TLS certificate and key reloaded")


def warn_plaintext_tokens(config: ServerConfig) -> None:
    if config.auth_tokens is not None and config.tls_cert is None and not is_loopback(config.host):
        log.warning(
            "bearer tokens travel in plaintext: %s is reachable from other machines without TLS "
            "(set --tls-cert/--tls-key)",
            config.host,
        )
