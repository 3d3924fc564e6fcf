"""Shared helpers for reliability tests: real servers on loopback port 0 with the zero-download engines."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from tolk.backend.config import ServerConfig
from tolk.backend.engines.base import AsrEngine, AsrOptions, AsrStream, MtEngine
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer, start_server
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench.load import load_chunks  # noqa: E402

WAIT_S = 60.0


class _SpyStream:
    def __init__(self, stream: AsrStream, calls: Counter[str]) -> None:
        self._stream, self._calls = stream, calls

    def __getattr__(self, name: str) -> Any:
        self._calls[f"asr.{name}"] += 1
        return getattr(self._stream, name)


class _SpyAsr:
    def __init__(self, engine: AsrEngine, calls: Counter[str]) -> None:
        self._engine, self._calls = engine, calls

    def open_stream(self, options: AsrOptions) -> AsrStream:
        self._calls["asr.open_stream"] += 1
        return _SpyStream(self._engine.open_stream(options), self._calls)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class _SpyMt:
    def __init__(self, engine: MtEngine, calls: Counter[str]) -> None:
        self._engine, self._calls = engine, calls

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self._calls["mt.translate"] += 1
        return self._engine.translate(texts, source, target)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


@dataclass
class SpyRegistry(Registry):
    """The real registry; counts the model calls sessions make (open_stream, accept, translate...)."""

    calls: Counter[str] = field(default_factory=Counter)

    def asr(self, spec: str | None = None) -> AsrEngine:
        return _SpyAsr(super().asr(spec), self.calls)

    def mt(self, spec: str | None = None) -> MtEngine:
        return _SpyMt(super().mt(spec), self.calls)


@pytest.fixture(scope="session")
def registry() -> Iterator[SpyRegistry]:
    reg = SpyRegistry()
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def chunks() -> list[bytes]:
    """8 s of the LibriVox sample in 100 ms LINEAR16 chunks (two or three segments)."""
    return load_chunks(audio_s=8.0)


BASE = ServerConfig(host="127.0.0.1", port=0, grace_s=5.0)
ServerFactory = Callable[..., Awaitable[TolkServer]]


@pytest.fixture
async def make_server(registry: SpyRegistry) -> AsyncIterator[ServerFactory]:
    """Starts real servers (port 0) with ServerConfig overrides; waits until engines are warm."""
    started: list[TolkServer] = []

    async def make(**overrides: Any) -> TolkServer:
        handle = await start_server(replace(BASE, **overrides), registry)
        started.append(handle)
        await asyncio.wait_for(asyncio.shield(handle.ready), WAIT_S)
        return handle

    yield make
    for handle in started:
        await handle.stop(0)


def config_request(targets: Sequence[str] = ("es",), **fields: Any) -> pb.InterpretRequest:
    return pb.InterpretRequest(
        config=pb.SessionConfig(
            source_language="en",
            target_languages=list(targets),
            audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16000, channels=1),
            **fields,
        )
    )


def audio_request(data: bytes) -> pb.InterpretRequest:
    return pb.InterpretRequest(audio=pb.AudioChunk(data=data))


async def paced(
    chunks: Sequence[bytes], chunk_s: float = 0.1, config: pb.InterpretRequest | None = None
) -> AsyncIterator[pb.InterpretRequest]:
    """Config, then audio in real time."""
    yield config or config_request()
    for chunk in chunks:
        await asyncio.sleep(chunk_s)
        yield audio_request(chunk)


@dataclass
class Outcome:
    code: grpc.StatusCode
    details: str
    finals: list[int]
    texts: list[str]
    translations: list[str]


async def interpret(
    stub: pb_grpc.InterpreterStub,
    requests: AsyncIterator[pb.InterpretRequest],
    metadata: Sequence[tuple[str, str]] = (),
    timeout_s: float = WAIT_S,
    speaking: asyncio.Event | None = None,
) -> Outcome:
    """Runs one stream to its end and reports the status and what arrived; sets `speaking` at the first
    partial or final (the server has an open segment)."""
    outcome = Outcome(grpc.StatusCode.OK, "", [], [], [])
    call = stub.Interpret(requests, metadata=tuple(metadata), timeout=timeout_s)
    try:
        async for response in call:
            kind = response.WhichOneof("event")
            if speaking is not None and kind in ("partial", "final"):
                speaking.set()
            if kind == "final":
                outcome.finals.append(response.final.segment_id)
                outcome.texts.append(response.final.text)
            elif kind == "translation" and response.translation.is_final:
                outcome.translations.append(response.translation.text)
    except grpc.aio.AioRpcError as exc:
        outcome.code, outcome.details = exc.code(), exc.details() or ""
    return outcome


def channel(port: int) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(f"127.0.0.1:{port}")
