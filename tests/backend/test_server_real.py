"""The server end to end with the real default engines (pocketsphinx + Apertium) on real speech."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
import pytest_asyncio
from backend_helpers import audio_requests, config_request, interpret, kinds, launch, read_rest, sample_audio

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer
from tolk.common.dsp import resample
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

TRANSCRIPT = "samples/sense-and-sensibility.txt"


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    reg = Registry()
    try:
        yield reg
    finally:
        reg.close()


@pytest_asyncio.fixture
async def real(registry: Registry) -> AsyncIterator[tuple[TolkServer, pb_grpc.InterpreterStub]]:
    handle = await launch(ServerConfig(), registry)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{handle.port}") as channel:
            yield handle, pb_grpc.InterpreterStub(channel)
    finally:
        await handle.stop(None)


def reference_text() -> str:
    return Path(TRANSCRIPT).read_text()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def recall(hypothesis: str, reference: str) -> float:
    """Share of reference words that the hypothesis contains (bag of words; a coarse accuracy check)."""
    hyp = words(hypothesis)
    ref = words(reference)
    hits = 0
    for word in ref:
        if word in hyp:
            hyp.remove(word)
            hits += 1
    return hits / len(ref)


async def test_full_sample_streams_finals_partials_and_spanish(
    real: tuple[TolkServer, pb_grpc.InterpreterStub],
) -> None:
    handle, stub = real
    config = config_request(target_languages=["es"], first_segment_id=3, audio_offset_s=60.0)
    out = await interpret(stub, [config, *audio_requests(sample_audio())])
    assert kinds(out)[0] == "started"
    assert (out[0].started.asr_engine, out[0].started.mt_engine) == ("pocketsphinx", "apertium")
    finals = [r.final for r in out if r.HasField("final")]
    assert [f.segment_id for f in finals] == list(range(3, 3 + len(finals)))
    assert len(finals) >= 3
    assert all(60.0 <= f.audio_start_s < f.audio_end_s <= 60.0 + 29.6 for f in finals)
    text = " ".join(f.text for f in finals)
    assert recall(text, reference_text()) > 0.5
    spanish = [r.translation for r in out if r.HasField("translation")]
    assert sorted(t.segment_id for t in spanish) == [f.segment_id for f in finals]
    assert all(t.is_final and t.target_language == "es" and t.source_language == "en" for t in spanish)
    nonempty = [t for t in spanish if t.text]
    assert nonempty and all(t.text != f.text for t, f in zip(nonempty, finals, strict=False))
    assert sum(k == "partial" for k in kinds(out)) >= len(finals)
    assert handle.sessions.active == 0


async def test_48k_float32_is_resampled(real: tuple[TolkServer, pb_grpc.InterpreterStub]) -> None:
    _, stub = real
    clip = sample_audio()[: 16_000 * 7]
    fmt = pb.AudioFormat(encoding=pb.FLOAT32, sample_rate_hz=48_000, channels=1)
    hi = resample(clip, 16_000, 48_000)
    chunks = [
        pb.InterpretRequest(audio=pb.AudioChunk(data=hi[i : i + 4800].tobytes()))
        for i in range(0, len(hi), 4800)
    ]
    out48 = await interpret(stub, [config_request(audio_format=fmt, target_languages=[]), *chunks])
    out16 = await interpret(stub, [config_request(target_languages=[]), *audio_requests(clip)])
    text48 = " ".join(r.final.text for r in out48 if r.HasField("final"))
    text16 = " ".join(r.final.text for r in out16 if r.HasField("final"))
    assert text16 and recall(text48, text16) > 0.7


async def test_client_vad_with_real_engine(real: tuple[TolkServer, pb_grpc.InterpreterStub]) -> None:
    _, stub = real
    clip = sample_audio()[: 16_000 * 5]
    boundary = pb.SpeechBoundary
    items = [
        config_request(segmentation=pb.CLIENT_VAD, target_languages=["es"]),
        *audio_requests(np.zeros(8000, np.float32)),
        pb.InterpretRequest(boundary=boundary(kind=boundary.SPEECH_START, audio_time_s=0.5)),
        *audio_requests(clip),
        pb.InterpretRequest(boundary=boundary(kind=boundary.SPEECH_END, audio_time_s=5.5)),
    ]
    out = await interpret(stub, items)
    assert kinds(out)[-2:] == ["final", "translation"]
    final = next(r.final for r in out if r.HasField("final"))
    assert (final.segment_id, final.audio_start_s, final.audio_end_s) == (0, 0.5, 5.5)
    assert len(words(final.text)) >= 5


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"target_languages": ["de"]}, grpc.StatusCode.NOT_FOUND),
        ({"source_language": "fr"}, grpc.StatusCode.NOT_FOUND),
        ({"engines": pb.EnginePreference(asr="nosuch")}, grpc.StatusCode.NOT_FOUND),
    ],
)
async def test_real_engines_reject_unknown_languages(
    real: tuple[TolkServer, pb_grpc.InterpreterStub], overrides: dict[str, object], code: grpc.StatusCode
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await interpret(real[1], [config_request(**overrides)])
    assert err.value.code() == code


async def test_cancel_mid_speech_frees_real_session(real: tuple[TolkServer, pb_grpc.InterpreterStub]) -> None:
    handle, stub = real
    call = stub.Interpret()
    await call.write(config_request())
    await call.read()
    for req in audio_requests(sample_audio()[: 16_000 * 4]):
        await call.write(req)
    while (await call.read()).WhichOneof("event") != "partial":
        pass
    call.cancel()
    for _ in range(3000):
        if handle.sessions.active == 0:
            break
        await asyncio.sleep(0.01)
    assert handle.sessions.active == 0
    out = await interpret(stub, [config_request(), *audio_requests(sample_audio()[: 16_000 * 4])])
    assert any(r.HasField("final") and r.final.text for r in out)


async def test_translate_text_and_capabilities(real: tuple[TolkServer, pb_grpc.InterpreterStub]) -> None:
    _, stub = real
    reply = await stub.TranslateText(
        pb.TranslateTextRequest(
            source_language="en", target_language="es", texts=["the house", "good morning"]
        )
    )
    assert reply.engine == "apertium" and len(reply.translations) == 2
    assert "casa" in reply.translations[0].lower()
    caps = await stub.GetCapabilities(pb.GetCapabilitiesRequest())
    defaults = {e.name for e in caps.engines if e.is_default}
    assert {"pocketsphinx", "apertium"} <= defaults
    apertium = next(e for e in caps.engines if e.name == "apertium")
    assert pb.LanguagePair(source="en", target="es") in apertium.pairs


async def test_neighbour_survives_bad_stream_with_real_engines(
    real: tuple[TolkServer, pb_grpc.InterpreterStub],
) -> None:
    _, stub = real
    clip = sample_audio()[: 16_000 * 6]
    good = stub.Interpret()
    await good.write(config_request())
    requests = list(audio_requests(clip))
    for req in requests[: len(requests) // 2]:
        await good.write(req)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await interpret(stub, [config_request(), pb.InterpretRequest(audio=pb.AudioChunk(data=b"\1\2\3"))])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    for req in requests[len(requests) // 2 :]:
        await good.write(req)
    await good.done_writing()
    rest = await read_rest(good)
    assert any(r.HasField("final") and r.final.text for r in rest)
    assert await good.code() == grpc.StatusCode.OK
