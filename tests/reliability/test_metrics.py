"""Prometheus metrics over HTTP: sessions, delays, RTF, queue depth and errors by status code."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator

import grpc

from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import ServerFactory, channel, interpret, paced

EXPECTED = (
    "tolk_active_sessions",
    "tolk_sessions_total",
    "tolk_partial_delay_seconds_bucket",
    "tolk_final_delay_seconds_bucket",
    "tolk_translation_delay_seconds_bucket",
    "tolk_queue_depth",
    "tolk_real_time_factor_bucket",
    "tolk_audio_seconds_total",
    "tolk_errors_total",
    "tolk_rejected_total",
)


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text: str = response.read().decode()
        return text


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not exported")


async def _bad_first_request() -> AsyncIterator[pb.InterpretRequest]:
    yield pb.InterpretRequest(audio=pb.AudioChunk(data=b"\x00\x00"))


async def test_metrics_endpoint_reports_a_real_session(
    make_server: ServerFactory, chunks: list[bytes]
) -> None:
    server = await make_server(metrics_port=0, max_sessions=4)
    assert server.metrics_server is not None
    async with channel(server.port) as ch:
        stub = pb_grpc.InterpreterStub(ch)
        outcome = await interpret(stub, paced(chunks))
        refused = await interpret(stub, _bad_first_request())
    text = await asyncio.to_thread(_scrape, server.metrics_server.port)
    assert outcome.code == grpc.StatusCode.OK and outcome.finals
    assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
    for name in EXPECTED[:-2]:
        assert name in text, name
    assert _value(text, "tolk_active_sessions") == 0
    assert _value(text, "tolk_sessions_total") == 2
    assert _value(text, "tolk_final_delay_seconds_count") == len(outcome.finals)
    assert _value(text, "tolk_translation_delay_seconds_count") == len(outcome.translations)
    assert _value(text, "tolk_partial_delay_seconds_count") > 0
    assert _value(text, "tolk_real_time_factor_count") >= len(outcome.finals)
    assert 7.0 < _value(text, "tolk_audio_seconds_total") < 9.0
    assert 'tolk_errors_total{code="FAILED_PRECONDITION"} 1.0' in text
    assert _label_names(text) <= {"code", "reason", "le"}  # never a client, session or text


def _label_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        if "{" in line and not line.startswith("#"):
            labels = line[line.index("{") + 1 : line.index("}")]
            names |= {pair.split("=", 1)[0] for pair in labels.split(",") if pair}
    return names
