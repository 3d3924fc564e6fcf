"""Admission control, per-client quotas, stream duration, idle timeout and message sizes on a real server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from tolk.app.transport.channel import call_metadata
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import (
    WAIT_S,
    ServerFactory,
    audio_request,
    channel,
    config_request,
    interpret,
    paced,
)

ALICE = "alice-0123456789abcdef-secret"
BOB = "bob-0123456789abcdef-secret!!"


@pytest.fixture
def tokens(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"alice {ALICE}\nbob {BOB}\n")
    return path


async def _started(call: grpc.aio.StreamStreamCall) -> None:
    """Waits for the SessionStarted event of a stream."""
    response = await call.read()
    assert response.WhichOneof("event") == "started"


async def _final_ids(call: grpc.aio.StreamStreamCall) -> list[int]:
    """Reads a stream (already read with `read()`) to its end; the segment ids of its finals."""
    ids = []
    while (response := await call.read()) != grpc.aio.EOF:
        if response.WhichOneof("event") == "final":
            ids.append(response.final.segment_id)
    return ids


async def _silent() -> AsyncIterator[pb.InterpretRequest]:
    """A client that never sends anything (not even its config)."""
    await asyncio.Event().wait()
    yield config_request()


async def test_stream_past_capacity_is_refused_and_running_streams_finish(
    make_server: ServerFactory, chunks: list[bytes]
) -> None:
    server = await make_server(max_sessions=2)
    async with channel(server.port) as ch:
        stub = pb_grpc.InterpreterStub(ch)
        running = [stub.Interpret(paced(chunks)) for _ in range(2)]
        await asyncio.gather(*(_started(call) for call in running))
        refused_at = time.monotonic()
        refused = await interpret(stub, _silent(), timeout_s=WAIT_S)  # refused without reading a request
        refusal_s = time.monotonic() - refused_at
        finals = [await _final_ids(call) for call in running]
        codes = [await call.code() for call in running]
    assert refused.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "capacity" in refused.details
    assert codes == [grpc.StatusCode.OK, grpc.StatusCode.OK]
    assert all(ids == list(range(len(ids))) and ids for ids in finals)
    assert server.metrics.value("tolk_rejected_total", {"reason": "capacity"}) == 1
    print(f"capacity refusal took {refusal_s * 1000:.1f} ms")  # reported, never asserted


async def _config_then_wait() -> AsyncIterator[pb.InterpretRequest]:
    yield config_request()
    await asyncio.Event().wait()


async def test_the_client_reports_a_capacity_refusal_as_one_never_as_a_cut(
    make_server: ServerFactory,
) -> None:
    """A refusal can land while the client still writes its config (grpc then hides the status)."""
    import numpy as np

    from tolk.app.core import errors
    from tolk.app.transport.client import REFUSED_BEFORE_START, InterpreterClient
    from tolk.app.transport.events import AudioChunk, Outgoing, StreamOptions

    async def audio() -> AsyncIterator[Outgoing]:
        yield AudioChunk(np.zeros(1600, "<i2").tobytes(), 0.0)

    server = await make_server(max_sessions=1)
    outcomes: list[str] = []
    async with channel(server.port) as ch, InterpreterClient(f"127.0.0.1:{server.port}") as client:
        holder = pb_grpc.InterpreterStub(ch).Interpret(_config_then_wait())
        await _started(holder)
        for _ in range(20):
            try:
                async for _event in client.stream(StreamOptions(), audio()):
                    pass
            except errors.ResourceExhaustedError as exc:
                assert "capacity" in str(exc)
                outcomes.append("resource_exhausted")
            except errors.UnavailableError as exc:
                assert str(exc).endswith(REFUSED_BEFORE_START), exc
                outcomes.append("refused_before_start")
        holder.cancel()
    assert len(outcomes) == 20
    print(f"capacity refusals seen by the client: {sorted(set(outcomes))}")


async def test_client_stream_quota_refuses_only_that_client(
    make_server: ServerFactory, tokens: Path, chunks: list[bytes]
) -> None:
    server = await make_server(auth_tokens=tokens, max_streams_per_client=1)
    async with channel(server.port) as ch:
        stub = pb_grpc.InterpreterStub(ch)
        alice = stub.Interpret(paced(chunks[:30]), metadata=call_metadata(ALICE))
        await _started(alice)
        second = await interpret(stub, _silent(), metadata=call_metadata(ALICE))
        bob = await interpret(stub, paced(chunks[:30]), metadata=call_metadata(BOB))
        assert await _final_ids(alice)
        assert await alice.code() == grpc.StatusCode.OK
    assert second.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "1 concurrent" in second.details
    assert bob.code == grpc.StatusCode.OK


async def _fast(chunks: list[bytes]) -> AsyncIterator[pb.InterpretRequest]:
    yield config_request()
    for chunk in chunks:
        yield audio_request(chunk)


async def test_audio_quota_cuts_the_stream_after_flushing_and_spares_others(
    make_server: ServerFactory, tokens: Path, chunks: list[bytes]
) -> None:
    server = await make_server(auth_tokens=tokens, audio_s_per_min=5.0)
    async with channel(server.port) as ch:
        stub = pb_grpc.InterpreterStub(ch)
        alice = await interpret(stub, _fast(chunks), metadata=call_metadata(ALICE))  # 8 s > 5 s
        bob = await interpret(stub, _fast(chunks[:30]), metadata=call_metadata(BOB))
    assert alice.code == grpc.StatusCode.RESOURCE_EXHAUSTED and "audio seconds per minute" in alice.details
    assert alice.finals and alice.finals == list(range(len(alice.finals)))  # the open segment was flushed
    assert len(alice.translations) == len(alice.finals)
    assert bob.code == grpc.StatusCode.OK
    assert server.sessions.active == 0


async def test_max_stream_duration_flushes_then_deadline_exceeded(
    make_server: ServerFactory, chunks: list[bytes]
) -> None:
    server = await make_server(max_stream_s=2.5)
    async with channel(server.port) as ch:
        outcome = await interpret(pb_grpc.InterpreterStub(ch), paced(chunks))
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "maximum stream duration" in outcome.details
    assert outcome.finals == list(range(len(outcome.finals))) and outcome.finals
    assert len(outcome.translations) == len(outcome.finals)


async def test_idle_stream_is_closed(make_server: ServerFactory, chunks: list[bytes]) -> None:
    server = await make_server(idle_timeout_s=1.0)

    async def then_silence() -> AsyncIterator[pb.InterpretRequest]:
        yield config_request()
        yield audio_request(chunks[0])
        await asyncio.Event().wait()

    async with channel(server.port) as ch:
        outcome = await interpret(pb_grpc.InterpreterStub(ch), then_silence())
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and "no message" in outcome.details
    assert server.sessions.active == 0 and server.guard.active == 0


@pytest.mark.parametrize(
    ("size", "code"),
    [
        (1024 * 1024 + 2, grpc.StatusCode.INVALID_ARGUMENT),  # over max_chunk_bytes
        (3 * 1024 * 1024, grpc.StatusCode.RESOURCE_EXHAUSTED),  # over max_message_bytes
    ],
)
async def test_oversize_chunk_or_message_is_refused_and_the_server_keeps_serving(
    make_server: ServerFactory, chunks: list[bytes], size: int, code: grpc.StatusCode
) -> None:
    server = await make_server()

    async def huge() -> AsyncIterator[pb.InterpretRequest]:
        yield config_request()
        yield audio_request(b"\x00" * size)

    async with channel(server.port) as ch:
        stub = pb_grpc.InterpreterStub(ch)
        refused = await interpret(stub, huge())
        after = await interpret(stub, paced(chunks[:30]))
    assert refused.code == code
    assert after.code == grpc.StatusCode.OK


async def test_client_that_never_sends_its_config_is_closed(make_server: ServerFactory) -> None:
    server = await make_server(idle_timeout_s=1.0)
    async with channel(server.port) as ch:
        outcome = await interpret(pb_grpc.InterpreterStub(ch), _silent())
    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED and "no message" in outcome.details
    assert server.guard.active == 0
