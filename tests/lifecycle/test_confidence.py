"""Per-segment confidence reaches Prometheus: the real Whisper base streams one LibriVox utterance through
a real server, and /metrics holds the avg log-prob, no-speech and compression-ratio histograms of its final,
labelled with the engine family and the model."""

from __future__ import annotations

import asyncio
import urllib.request
import wave
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import EngineContext, Registry
from tolk.backend.server import start_server
from tolk.models.store import ModelStore
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

ASR = "whisper:whisper-base"
CHUNK_BYTES = 16000  # 0.5 s of 16 kHz 16-bit audio
HISTOGRAMS = ("tolk_asr_avg_logprob", "tolk_asr_no_speech_prob", "tolk_asr_compression_ratio")


async def _requests(pcm: bytes) -> AsyncIterator[pb.InterpretRequest]:
    audio_format = pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16000, channels=1)
    engines = pb.EnginePreference(asr=ASR)
    config = pb.SessionConfig(engines=engines, source_language="en", audio_format=audio_format)
    yield pb.InterpretRequest(config=config)
    for start in range(0, len(pcm), CHUNK_BYTES):
        yield pb.InterpretRequest(audio=pb.AudioChunk(data=pcm[start : start + CHUNK_BYTES]))


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


@pytest.mark.timeout(300)
async def test_whisper_confidence_of_each_final_reaches_metrics(
    whisper_base_store: ModelStore, librivox: list[Any]
) -> None:
    with wave.open(str(librivox[0].wav)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        pcm = wav.readframes(wav.getnframes())
    context = EngineContext(model_dir=whisper_base_store.root)
    config = ServerConfig(port=0, asr=ASR, engine_context=context, metrics_port=0)
    server = await start_server(config, Registry(context, default_asr=ASR, default_mt=config.mt))
    try:
        await asyncio.wait_for(asyncio.shield(server.ready), 120)
        assert server.metrics_server is not None
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            call = pb_grpc.InterpreterStub(channel).Interpret(_requests(pcm), timeout=120)
            finals = [r.final.text async for r in call if r.WhichOneof("event") == "final"]
        text = await asyncio.to_thread(_scrape, server.metrics_server.port)
    finally:
        await server.stop(0)
    assert " ".join(finals).strip()
    labels = {"engine": "whisper", "model": "whisper-base"}
    samples = {
        (s.name, s.labels.get("le", "")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if {k: v for k, v in s.labels.items() if k != "le"} == labels
    }
    for name in HISTOGRAMS:
        print(f"{name}: count {samples.get((f'{name}_count', ''), 0.0):.0f}")
        assert samples.get((f"{name}_count", ""), 0.0) >= 1, name
    # a clear read utterance: confident (faster-whisper's own guards: log-prob -1.0, no-speech 0.6, ratio 2.4)
    count = samples[("tolk_asr_avg_logprob_count", "")]
    assert samples[("tolk_asr_avg_logprob_bucket", "-1.0")] == 0  # no segment at or below -1.0
    assert samples[("tolk_asr_no_speech_prob_bucket", "0.6")] == count
    assert samples[("tolk_asr_compression_ratio_bucket", "2.4")] == count
