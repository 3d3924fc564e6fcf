"""Token authentication: no token or a wrong one is refused before any model work; tokens never logged."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.app.transport.channel import call_metadata
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import ServerFactory, SpyRegistry, channel, interpret, paced

ALICE = "alice-0123456789abcdef-secret"
WRONG = "mallory-0123456789abcdef-guess"


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"# who may call\nalice {ALICE}\n")
    return path


@pytest.mark.parametrize("token", [None, WRONG, ALICE[:-1], ALICE + "x"])
async def test_missing_or_wrong_token_is_refused_with_zero_model_calls(
    make_server: ServerFactory,
    registry: SpyRegistry,
    token_file: Path,
    chunks: list[bytes],
    token: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = await make_server(auth_tokens=token_file)
    before = sum(registry.calls.values())
    async with channel(server.port) as ch:
        stub = pb_grpc.InterpreterStub(ch)
        outcome = await interpret(stub, paced(chunks[:20]), metadata=call_metadata(token))
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.GetCapabilities(pb.GetCapabilitiesRequest(), metadata=call_metadata(token))
    assert outcome.code == grpc.StatusCode.UNAUTHENTICATED
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert sum(registry.calls.values()) == before
    assert server.metrics.value("tolk_rejected_total", {"reason": "auth"}) >= 2
    for secret in (ALICE, WRONG):
        assert secret not in caplog.text
        assert secret not in outcome.details


async def test_the_right_token_gets_service_and_health_needs_none(
    make_server: ServerFactory, token_file: Path, chunks: list[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = await make_server(auth_tokens=token_file)
    async with channel(server.port) as ch:
        outcome = await interpret(pb_grpc.InterpreterStub(ch), paced(chunks), metadata=call_metadata(ALICE))
        health = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
    assert outcome.code == grpc.StatusCode.OK, outcome.details
    assert outcome.finals and len(outcome.translations) == len(outcome.finals)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert ALICE not in caplog.text


async def test_unreadable_token_file_stops_the_server_from_starting(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="cannot read token file"):
        await make_server(auth_tokens=tmp_path / "missing")
