"""Real servers on loopback port 0 with the zero-download engines (pocketsphinx, Apertium)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer, start_server
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # bench/ is not an installed package

from bench.load import load_chunks  # noqa: E402

WAIT_S = 120.0
ServerFactory = Callable[..., Awaitable[TolkServer]]


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    reg = Registry()
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def chunks() -> list[bytes]:
    """8 s of the LibriVox sample in 100 ms LINEAR16 chunks (two or three segments)."""
    return load_chunks(audio_s=8.0)


@pytest.fixture
async def make_server() -> AsyncIterator[Callable[..., Awaitable[TolkServer]]]:
    started: list[TolkServer] = []

    async def make(registry: Registry, **overrides: Any) -> TolkServer:
        config = replace(ServerConfig(host="127.0.0.1", port=0, grace_s=2.0), **overrides)
        handle = await start_server(config, registry)
        started.append(handle)
        await asyncio.wait_for(asyncio.shield(handle.ready), WAIT_S)
        return handle

    yield make
    for handle in started:
        await handle.stop(0)


def config_request(**fields: Any) -> pb.InterpretRequest:
    return pb.InterpretRequest(
        config=pb.SessionConfig(
            source_language="en",
            target_languages=["es"],
            audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16000, channels=1),
            **fields,
        )
    )


@dataclass
class Stream:
    """What one Interpret stream saw: its status, finals (with their delays) and translations."""

    code: grpc.StatusCode = grpc.StatusCode.OK
    finals: list[int] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    final_delays_s: list[float] = field(default_factory=list)
    translations: dict[int, str] = field(default_factory=dict)

    @property
    def mean_delay_s(self) -> float:
        return sum(self.final_delays_s) / max(1, len(self.final_delays_s))


async def run_stream(
    stub: pb_grpc.InterpreterStub,
    chunks: Sequence[bytes],
    chunk_s: float = 0.1,
    on_final: Callable[[], object] | None = None,
    segment_chunks: int = 0,
) -> Stream:
    """Streams `chunks` in real time; a final's delay is its arrival minus the time its audio ended.

    `segment_chunks` > 0: the client segments (CLIENT_VAD), a segment every that many chunks.
    """
    seen = Stream()
    started = time.monotonic()
    boundary = pb.SpeechBoundary.Kind

    async def requests() -> AsyncIterator[pb.InterpretRequest]:
        yield config_request(segmentation=pb.Segmentation.CLIENT_VAD if segment_chunks else 0)
        for index, chunk in enumerate(chunks):
            await asyncio.sleep(max(0.0, started + index * chunk_s - time.monotonic()))
            if segment_chunks and index % segment_chunks == 0:
                kinds = (
                    [boundary.SPEECH_START] if index == 0 else [boundary.SPEECH_END, boundary.SPEECH_START]
                )
                for kind in kinds:
                    mark = pb.SpeechBoundary(kind=kind, audio_time_s=index * 0.1)
                    yield pb.InterpretRequest(boundary=mark)
            yield pb.InterpretRequest(audio=pb.AudioChunk(data=chunk))

    call = stub.Interpret(requests(), timeout=WAIT_S)
    try:
        async for response in call:
            kind = response.WhichOneof("event")
            if kind == "final":
                seen.finals.append(response.final.segment_id)
                seen.texts[response.final.segment_id] = response.final.text
                audio_end = min(response.final.audio_end_s, len(chunks) * chunk_s)
                seen.final_delays_s.append(time.monotonic() - (started + audio_end))
                if on_final is not None:
                    on_final()
            elif kind == "translation" and response.translation.is_final:
                seen.translations[response.translation.segment_id] = response.translation.text
    except grpc.aio.AioRpcError as exc:
        seen.code = exc.code()
    return seen


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
