"""The real server on port 0 with the neural engines: partial, final and translation events."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import EngineContext, Registry
from tolk.backend.server import start_server
from tolk.common.dsp import float32_to_pcm16
from tolk.models.store import ModelStore
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

pytestmark = pytest.mark.neural
CHUNK_SAMPLES = 1600


def requests(config: pb.SessionConfig, audio: Any) -> list[pb.InterpretRequest]:
    items = [pb.InterpretRequest(config=config)]
    for start in range(0, len(audio), CHUNK_SAMPLES):
        chunk = float32_to_pcm16(audio[start : start + CHUNK_SAMPLES])
        items.append(pb.InterpretRequest(audio=pb.AudioChunk(data=chunk)))
    return items


async def interpret(port: int, items: list[pb.InterpretRequest]) -> list[pb.InterpretResponse]:
    async def gen() -> Any:
        for item in items:
            yield item

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)
        return [r async for r in stub.Interpret(gen())]


@pytest.mark.parametrize(("asr", "mt"), [("whisper:whisper-tiny-ct2-int8", "seq2seq:opus-mt-en-de-ct2-int8"),
                                         ("whisper:whisper-tiny", "seq2seq:m2m-int8")])  # fmt: skip
async def test_interpret_streams_partials_finals_and_translations(
    store: ModelStore, speech: Any, asr: str, mt: str
) -> None:
    context = EngineContext(model_dir=store.root)
    registry = Registry(context, default_asr=asr, default_mt=mt)
    handle = await start_server(ServerConfig(port=0, asr=asr, mt=mt, engine_context=context), registry)
    try:
        await handle.ready
        config = pb.SessionConfig(
            source_language="en",
            target_languages=["de"],
            audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16_000, channels=1),
        )
        responses = await interpret(handle.port, requests(config, speech[: 16000 * 8]))
    finally:
        await handle.stop(None)
        registry.close()
    started = responses[0].started
    assert (started.asr_engine, started.mt_engine) == (asr, mt)
    partials = [r.partial for r in responses if r.WhichOneof("event") == "partial"]
    finals = [r.final for r in responses if r.WhichOneof("event") == "final"]
    translations = [r.translation for r in responses if r.WhichOneof("event") == "translation"]
    assert partials and finals
    assert all(p.language == "en" and p.audio_end_s >= p.audio_start_s for p in partials)
    final_ids = [f.segment_id for f in finals]
    assert final_ids == sorted(final_ids)
    assert all(f.language == "en" and f.audio_end_s > f.audio_start_s for f in finals)
    done = [t for t in translations if t.is_final]
    assert [t.segment_id for t in done] == final_ids
    assert all(
        t.target_language == "de" and (t.text or not f.text) for t, f in zip(done, finals, strict=True)
    )
