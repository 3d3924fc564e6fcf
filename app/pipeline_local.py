"""An in-process backend for `--offline`: the real server on a loopback port, spoken to over gRPC.

The same protocol and the same client pipeline as with a remote server; the engines load in this
process. `local_server` waits until the default engines are loaded, so their errors (a missing model,
an engine that cannot start) surface before any audio is sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from backend.config import ServerConfig
from backend.engines.registry import DEFAULT_ASR, DEFAULT_MT, EngineContext, Registry
from backend.server import start_server

LOOPBACK = "127.0.0.1"
STOP_GRACE_S = 1.0


@dataclass(frozen=True)
class LocalServerOptions:
    """Settings of the in-process server.

    Attributes:
        asr: default ASR engine spec.
        mt: default MT engine spec.
        engine_context: model store, device and precision for neural engines.
        max_stream_s: advertised maximum stream duration (0 = unlimited).
    """

    asr: str = DEFAULT_ASR
    mt: str = DEFAULT_MT
    engine_context: EngineContext = field(default_factory=EngineContext)
    max_stream_s: float = 0.0


@contextlib.asynccontextmanager
async def local_server(options: LocalServerOptions | None = None) -> AsyncIterator[str]:
    """Starts a server on 127.0.0.1 port 0, yields its target "127.0.0.1:PORT", stops it after."""
    options = options or LocalServerOptions()
    config = ServerConfig(
        host=LOOPBACK,
        port=0,
        asr=options.asr,
        mt=options.mt,
        engine_context=options.engine_context,
        max_stream_s=options.max_stream_s,
        grace_s=STOP_GRACE_S,
    )
    registry = Registry(config.engine_context, default_asr=config.asr, default_mt=config.mt)
    handle = await start_server(config, registry)
    try:
        await handle.ready
        yield f"{LOOPBACK}:{handle.port}"
    finally:
        await handle.stop(STOP_GRACE_S)
        registry.close()
