"""Lifecycle: NOT_SERVING until warm; SIGTERM -> NOT_SERVING, no new streams, finals flushed, prompt exit."""

from __future__ import annotations

import asyncio
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.backend.config import ServerConfig
from tolk.backend.engines.base import AsrEngine
from tolk.backend.engines.registry import Registry
from tolk.backend.server import start_server
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import interpret, paced
from .serverproc import spawn

GRACE_S = 8.0
EXIT_SLACK_S = 20.0
SPEAKING_TIMEOUT_S = 60.0


@dataclass
class _SlowRegistry(Registry):
    """The real registry whose ASR load waits until the test lets it (a model still loading)."""

    gate: threading.Event = field(default_factory=threading.Event)

    def asr(self, spec: str | None = None) -> AsrEngine:
        if not self.gate.wait(timeout=60):
            raise TimeoutError("gate never opened")
        return super().asr(spec)


async def test_health_is_not_serving_until_engines_are_warm() -> None:
    registry = _SlowRegistry()
    server = await start_server(ServerConfig(host="127.0.0.1", port=0), registry)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            health = health_pb2_grpc.HealthStub(ch)
            before = await health.Check(health_pb2.HealthCheckRequest())
            registry.gate.set()
            await asyncio.wait_for(asyncio.shield(server.ready), 60)
            after = await health.Check(health_pb2.HealthCheckRequest())
    finally:
        registry.gate.set()
        await server.stop(0)
        registry.close()
    assert before.status == health_pb2.HealthCheckResponse.NOT_SERVING
    assert after.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.slow
async def test_sigterm_drains_flushes_finals_and_exits_within_grace(
    tmp_path: Path, chunks: list[bytes]
) -> None:
    proc = spawn(["--grace", str(GRACE_S)], tmp_path / "server.log")
    try:
        await asyncio.to_thread(proc.wait_serving)
        async with grpc.aio.insecure_channel(proc.target) as ch:
            stub = pb_grpc.InterpreterStub(ch)
            long_audio = chunks * 4  # 32 s: still talking when the signal comes
            speaking = [asyncio.Event() for _ in range(3)]
            streams = [
                asyncio.create_task(interpret(stub, paced(long_audio), speaking=event)) for event in speaking
            ]
            # every stream has an open segment (however loaded the machine), then the signal comes
            await asyncio.wait_for(asyncio.gather(*(event.wait() for event in speaking)), SPEAKING_TIMEOUT_S)
            proc.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            late = await interpret(stub, paced(chunks[:5]))
            outcomes = await asyncio.gather(*streams)
        exit_code = await asyncio.to_thread(proc.process.wait, GRACE_S + EXIT_SLACK_S)
    finally:
        proc.stop()
    assert late.code == grpc.StatusCode.UNAVAILABLE
    for outcome in outcomes:
        assert outcome.code == grpc.StatusCode.UNAVAILABLE and "draining" in outcome.details
        assert outcome.finals and outcome.finals == list(range(len(outcome.finals)))
        assert len(outcome.translations) == len(outcome.finals)  # flushed: final + translation
    assert exit_code == 0
