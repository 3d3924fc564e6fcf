"""Test helpers: request builders, WAV and synthetic audio, launching a real server on port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from functools import cache
from typing import Any

import grpc
import numpy as np
import soundfile as sf

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer, start_server
from tolk.common.dsp import Samples, float32_to_pcm16, resample
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

SAMPLE_WAV = "samples/sense-and-sensibility.wav"
CHUNK_MS = 100


@cache
def sample_audio() -> Samples:
    data, rate = sf.read(SAMPLE_WAV, dtype="float32")
    return resample(np.asarray(data, dtype=np.float32), int(rate), 16_000)


def speech_and_silence(speech_s: float = 1.0, silence_s: float = 1.0, repeats: int = 3) -> Samples:
    """Synthetic input for fake engines: loud noise bursts (0.5 amplitude) between silences."""
    rng = np.random.default_rng(7)
    parts: list[Samples] = []
    for _ in range(repeats):
        parts.append(np.zeros(int(16_000 * silence_s), dtype=np.float32))
        parts.append((rng.uniform(-0.5, 0.5, int(16_000 * speech_s)) > 0).astype(np.float32) - 0.5)
    parts.append(np.zeros(int(16_000 * silence_s), dtype=np.float32))
    return np.concatenate(parts).astype(np.float32)


def config_request(**overrides: Any) -> pb.InterpretRequest:
    fields: dict[str, Any] = {
        "source_language": "en",
        "target_languages": ["es"],
        "audio_format": pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16_000, channels=1),
    }
    fields.update(overrides)
    return pb.InterpretRequest(config=pb.SessionConfig(**fields))


def audio_requests(
    samples: Samples, chunk_ms: int = CHUNK_MS, rate: int = 16_000
) -> Iterator[pb.InterpretRequest]:
    step = rate * chunk_ms // 1000
    for start in range(0, len(samples), step):
        yield pb.InterpretRequest(audio=pb.AudioChunk(data=float32_to_pcm16(samples[start : start + step])))


async def requests_of(items: Iterable[pb.InterpretRequest]) -> AsyncIterator[pb.InterpretRequest]:
    for item in items:
        yield item


async def interpret(
    stub: pb_grpc.InterpreterStub, items: Iterable[pb.InterpretRequest]
) -> list[pb.InterpretResponse]:
    return [r async for r in stub.Interpret(requests_of(items))]


def kinds(responses: list[pb.InterpretResponse]) -> list[str]:
    return [str(r.WhichOneof("event")) for r in responses]


async def launch(config: ServerConfig, registry: Registry) -> TolkServer:
    handle = await start_server(replace(config, port=0), registry)
    await handle.ready
    return handle


async def read_rest(call: Any) -> list[pb.InterpretResponse]:
    """Reads a read/write-style call to its end."""
    out: list[pb.InterpretResponse] = []
    while (item := await call.read()) is not grpc.aio.EOF:
        out.append(item)
    return out
