"""Helpers for the live-event tests: a real server with rooms, a speaker stream, Listen clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from functools import cache

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
WAIT_S = 180.0  # a hang guard on a loaded machine, never a timing assertion


@cache
def sample_audio(seconds: float | None = None) -> Samples:
    data, rate = sf.read(SAMPLE_WAV, dtype="float32")
    samples = resample(np.asarray(data, dtype=np.float32), int(rate), 16_000)
    return samples if seconds is None else samples[: int(seconds * 16_000)]


async def launch(config: ServerConfig, registry: Registry) -> TolkServer:
    handle = await start_server(replace(config, port=0), registry)
    await handle.ready
    return handle


async def speaker_requests(
    room: str, samples: Samples, targets: list[str], token: str = "", hold: asyncio.Event | None = None
) -> AsyncIterator[pb.InterpretRequest]:
    """The fast feeder: config, then the audio as fast as the server takes it (real time is not the point)."""
    config = pb.SessionConfig(
        source_language="en",
        target_languages=targets,
        audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16_000, channels=1),
        room=room,
        room_listener_token=token,
        disable_partials=True,
    )
    yield pb.InterpretRequest(config=config)
    step = 16_000 * CHUNK_MS // 1000
    # a second of silence at the end closes the last segment through the server's VAD
    audio = np.concatenate([samples, np.zeros(16_000, dtype=np.float32)])
    for start in range(0, len(audio), step):
        yield pb.InterpretRequest(audio=pb.AudioChunk(data=float32_to_pcm16(audio[start : start + step])))
    if hold is not None:  # the speaker stays on (its last segment is closed by the silence) until told
        await hold.wait()


@dataclass(frozen=True)
class Speech:
    """What the speaker's own stream received: its non-empty finals and their translations."""

    finals: list[pb.Final]
    translations: dict[tuple[int, str], str]


async def speak(port: int, room: str, samples: Samples, targets: list[str], token: str = "",
                hold: asyncio.Event | None = None) -> Speech:  # fmt: skip
    """Streams `samples` into `room` and returns what the speaker's stream received."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)
        responses = [r async for r in stub.Interpret(speaker_requests(room, samples, targets, token, hold))]
    finals = [r.final for r in responses if r.WhichOneof("event") == "final" and r.final.text]
    translations = {(r.translation.segment_id, r.translation.target_language): r.translation.text
                    for r in responses if r.WhichOneof("event") == "translation"}  # fmt: skip
    return Speech(finals, translations)


async def listen(port: int, room: str, language: str, token: str = "") -> list[pb.ListenEvent]:
    """Follows `room` until it ends; returns every event (the last is RoomEnded)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)
        return [e async for e in stub.Listen(pb.ListenRequest(room=room, language=language, token=token))]


async def until(predicate: Callable[[], object], timeout_s: float = WAIT_S, poll_s: float = 0.02) -> None:
    """Waits (polling the loop) until `predicate()` is true."""

    async def poll() -> None:
        while not predicate():  # noqa: ASYNC110 (state of another component, no event to await)
            await asyncio.sleep(poll_s)

    await asyncio.wait_for(poll(), timeout_s)
