"""Fuzzed Interpret message sequences: only documented codes, never UNKNOWN, and the server keeps serving.

The server runs on its own event loop in a thread; examples are sent with the blocking client, so
hypothesis drives plain functions.
"""

from __future__ import annotations

import asyncio
import math
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import Future

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tolk.backend.config import ServerConfig
from tolk.backend.server import TolkServer, start_server
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import SpyRegistry, audio_request, config_request

DOCUMENTED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
CALL_TIMEOUT_S = 30.0
U64_MAX = 2**64 - 1
RATES = [0, 1, 8000, 16000, 44100, 48000, 96000, -5, 2**31 - 1]


class _ThreadServer:
    """A real server on an event loop of its own."""

    def __init__(self, registry: SpyRegistry) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.handle: TolkServer = self.run(self._start(registry))

    def run(self, coro: object) -> TolkServer:
        future: Future[TolkServer] = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return future.result(timeout=120)

    async def _start(self, registry: SpyRegistry) -> TolkServer:
        handle = await start_server(ServerConfig(host="127.0.0.1", port=0, max_sessions=64), registry)
        await handle.ready
        return handle

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.handle.stop(0), self.loop).result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def server(registry: SpyRegistry) -> Iterator[_ThreadServer]:
    running = _ThreadServer(registry)
    yield running
    running.close()


@pytest.fixture(scope="module")
def stub(server: _ThreadServer) -> Iterator[pb_grpc.InterpreterStub]:
    with grpc.insecure_channel(f"127.0.0.1:{server.handle.port}") as channel:
        yield pb_grpc.InterpreterStub(channel)


floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0, 1e308, math.nan, -math.inf])
)
languages = st.one_of(st.sampled_from(["en", "es", "", "auto", "xx", "EN", "en-US"]), st.text(max_size=12))

configs = st.builds(
    lambda src, targets, enc, rate, ch, seg, task, first, offset, asr, mt: pb.InterpretRequest(
        config=pb.SessionConfig(
            source_language=src,
            target_languages=targets,
            audio_format=pb.AudioFormat(encoding=enc, sample_rate_hz=rate, channels=ch),
            segmentation=seg,
            task=task,
            first_segment_id=first,
            audio_offset_s=offset,
            engines=pb.EnginePreference(asr=asr, mt=mt),
        )
    ),
    languages,
    st.lists(languages, max_size=3),
    st.sampled_from([0, 1, 2, 7]),
    st.sampled_from(RATES),
    st.sampled_from([0, 1, 2, -1]),
    st.sampled_from([0, 1, 5]),
    st.sampled_from([0, 1, 3]),
    st.sampled_from([0, 1, 2**63, U64_MAX]),
    floats,
    st.sampled_from(["", "pocketsphinx", "whisper:nope", "bogus", "apertium"]),
    st.sampled_from(["", "apertium", "seq2seq:nope", "pocketsphinx"]),
)


def _nan_floats(count: int) -> bytes:
    return struct.pack(f"<{count}f", *([math.nan, math.inf, -math.inf, 1e30] * (count // 4 + 1))[:count])


audio = st.one_of(
    st.binary(max_size=3200),
    st.just(b""),
    st.just(b"\x01"),
    st.integers(1, 800).map(_nan_floats),
    st.integers(1, 1600).map(lambda n: b"\x7f\xff" * n),
).map(audio_request)
boundaries = st.builds(
    lambda kind, t: pb.InterpretRequest(boundary=pb.SpeechBoundary(kind=kind, audio_time_s=t)),
    st.sampled_from([0, 1, 2, 9]),
    floats,
)
anything = st.one_of(configs, audio, boundaries, st.just(pb.InterpretRequest()))
sequences = st.one_of(
    st.lists(anything, max_size=12),
    st.tuples(st.just(config_request()), st.lists(st.one_of(audio, boundaries), max_size=12)).map(
        lambda pair: [pair[0], *pair[1]]
    ),
    st.tuples(configs, st.lists(st.one_of(audio, boundaries, anything), max_size=12)).map(
        lambda pair: [pair[0], *pair[1]]
    ),
)


def _code(stub: pb_grpc.InterpreterStub, requests: list[pb.InterpretRequest]) -> grpc.StatusCode:
    try:
        for _ in stub.Interpret(iter(requests), timeout=CALL_TIMEOUT_S):
            pass
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(requests=sequences)
def test_any_message_sequence_gets_a_documented_status(
    stub: pb_grpc.InterpreterStub, requests: list[pb.InterpretRequest]
) -> None:
    code = _code(stub, requests)
    assert code in DOCUMENTED, f"{code} for {[r.WhichOneof('request') for r in requests]}"


STREAM_SPECIALS = list("^$[]\\/@<>{}\0*#")
texts = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.one_of(st.sampled_from(["the", "house", "big", "^", "x"]), st.sampled_from(STREAM_SPECIALS))
    ).map(" ".join),
    st.integers(10_001, 12_000).map(lambda n: "a" * n),
)
translate_requests = st.builds(
    lambda src, tgt, items, engine: pb.TranslateTextRequest(
        source_language=src, target_language=tgt, texts=items, engine=engine
    ),
    languages,
    languages,
    st.lists(texts, max_size=4),
    st.sampled_from(
        ["", "apertium", "apertium:,", "apertium:eng-spa", "seq2seq:nope", "pocketsphinx", "x" * 300]
    ),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=translate_requests)
def test_any_translate_text_request_gets_a_documented_status(
    stub: pb_grpc.InterpreterStub, request: pb.TranslateTextRequest
) -> None:
    try:
        reply = stub.TranslateText(request, timeout=CALL_TIMEOUT_S)
    except grpc.RpcError as exc:
        assert exc.code() in DOCUMENTED, f"{exc.code()} {exc.details()}"
        assert all(len(t) < 20 or t not in (exc.details() or "") for t in request.texts)  # no echoed input
        return
    assert len(reply.translations) == len(request.texts)
    assert not any("\0" in t for t in reply.translations)


def test_server_still_serves_after_the_fuzzing(
    server: _ThreadServer, stub: pb_grpc.InterpreterStub, chunks: list[bytes]
) -> None:
    assert _code(stub, [config_request(), *(audio_request(c) for c in chunks[:30])]) == grpc.StatusCode.OK
    with grpc.insecure_channel(f"127.0.0.1:{server.handle.port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    assert server.handle.sessions.active == 0
