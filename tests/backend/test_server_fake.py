"""Session mechanics over a real gRPC server with test engines: ordering, validation, coalescing, cancel."""

from __future__ import annotations

import asyncio

import grpc
import numpy as np
import pytest
from backend_fakes import FakeRegistry
from backend_helpers import audio_requests, config_request, interpret, kinds, read_rest, speech_and_silence

from tolk.backend.server import TolkServer
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

Fixture = tuple[TolkServer, FakeRegistry]


async def test_stream_order_ids_times_and_translations(stub: pb_grpc.InterpreterStub) -> None:
    audio = speech_and_silence(speech_s=1.0, silence_s=1.0, repeats=3)
    config = config_request(target_languages=["es", "fr"], first_segment_id=7, audio_offset_s=100.0)
    out = await interpret(stub, [config, *audio_requests(audio)])
    assert kinds(out)[0] == "started" and out[0].started.asr_engine == "fake-asr"
    finals = [r.final for r in out if r.HasField("final")]
    assert [f.segment_id for f in finals] == [7, 8, 9]
    assert all(f.text.startswith("w0 w1 w2") and f.language == "en" for f in finals)
    for f, speech_start in zip(finals, (101.0, 103.0, 105.0), strict=True):
        assert speech_start - 0.35 <= f.audio_start_s <= speech_start  # pre-roll
        assert speech_start + 1.0 <= f.audio_end_s <= speech_start + 1.6  # hangover
    after: dict[int, list[pb.Translation]] = {f.segment_id: [] for f in finals}
    for r in out:
        if r.HasField("translation"):
            after[r.translation.segment_id].append(r.translation)
    for f in finals:
        assert sorted(t.target_language for t in after[f.segment_id]) == ["es", "fr"]
        assert all(t.is_final and t.text == f"[{t.target_language}] {f.text}" for t in after[f.segment_id])
    partials = [r.partial for r in out if r.HasField("partial")]
    assert {p.segment_id for p in partials} == {7, 8, 9}  # partials refresh while speech goes on
    final_index = {r.final.segment_id: i for i, r in enumerate(out) if r.HasField("final")}
    assert all(i < final_index[r.partial.segment_id] for i, r in enumerate(out) if r.HasField("partial"))


async def test_half_close_flushes_open_segment(stub: pb_grpc.InterpreterStub) -> None:
    audio = np.concatenate([np.zeros(8000, np.float32), speech_and_silence(1.0, 0.0, 1)[:16000]])
    out = await interpret(stub, [config_request(), *audio_requests(audio)])
    assert kinds(out)[-2:] == ["final", "translation"]


async def test_disable_partials_and_no_targets(stub: pb_grpc.InterpreterStub) -> None:
    config = config_request(target_languages=[], disable_partials=True)
    out = await interpret(stub, [config, *audio_requests(speech_and_silence(repeats=2))])
    assert kinds(out) == ["started", "final", "final"]
    assert out[0].started.mt_engine == ""


async def test_client_vad_boundaries(stub: pb_grpc.InterpreterStub) -> None:
    speech = speech_and_silence(0.5, 0.0, 1)
    noise_outside = np.full(16000, 0.5, np.float32)  # ignored: outside SPEECH_START/END
    start = pb.InterpretRequest(
        boundary=pb.SpeechBoundary(kind=pb.SpeechBoundary.SPEECH_START, audio_time_s=2.0)
    )
    end = pb.InterpretRequest(boundary=pb.SpeechBoundary(kind=pb.SpeechBoundary.SPEECH_END, audio_time_s=2.5))
    config = config_request(segmentation=pb.CLIENT_VAD, audio_offset_s=10.0)
    items = [
        config,
        *audio_requests(noise_outside),
        start,
        *audio_requests(speech),
        end,
        *audio_requests(noise_outside),
    ]
    out = await interpret(stub, [*items, start, *audio_requests(speech)])  # the last segment is flushed
    finals = [r.final for r in out if r.HasField("final")]
    assert [f.segment_id for f in finals] == [0, 1]
    assert finals[0].text == "w0 w1 w2 w3 w4"
    assert (finals[0].audio_start_s, finals[0].audio_end_s) == (12.0, 12.5)


def boundary(kind: int, t: float = 0.0) -> pb.InterpretRequest:
    return pb.InterpretRequest(boundary=pb.SpeechBoundary(kind=kind, audio_time_s=t))


def chunk(data: bytes) -> pb.InterpretRequest:
    return pb.InterpretRequest(audio=pb.AudioChunk(data=data))


FMT = pb.AudioFormat
INVALID, PRECONDITION = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION
NOT_FOUND, EXHAUSTED = grpc.StatusCode.NOT_FOUND, grpc.StatusCode.RESOURCE_EXHAUSTED
BAD_INPUTS = {
    "audio before config": ([chunk(b"\0\0")], PRECONDITION),
    "no request at all": ([], PRECONDITION),
    "second config": ([config_request(), config_request()], PRECONDITION),
    "sample rate": ([config_request(audio_format=FMT(encoding=pb.LINEAR16, sample_rate_hz=12345))],
                    INVALID),
    "no sample rate": ([config_request(audio_format=FMT(encoding=pb.LINEAR16))], INVALID),
    "encoding": ([config_request(audio_format=FMT(sample_rate_hz=16000))], INVALID),
    "stereo": ([config_request(audio_format=FMT(encoding=pb.LINEAR16, sample_rate_hz=16000, channels=2))],
               INVALID),
    "no audio format": ([pb.InterpretRequest(config=pb.SessionConfig(source_language="en"))],
                        INVALID),
    "empty chunk": ([config_request(), chunk(b"")], INVALID),
    "odd chunk": ([config_request(), chunk(b"\0\0\0")], INVALID),
    "float32 partial sample": ([config_request(audio_format=FMT(encoding=pb.FLOAT32, sample_rate_hz=16000)),
                                chunk(b"\0" * 6)], INVALID),
    "oversized chunk": ([config_request(), chunk(b"\0" * (1024 * 1024 + 2))], INVALID),
    "over message limit": ([config_request(), chunk(b"\0" * (3 * 1024 * 1024))], EXHAUSTED),
    "empty request": ([config_request(), pb.InterpretRequest()], INVALID),
    "unknown source language": ([config_request(source_language="xx")], NOT_FOUND),
    "unknown pair": ([config_request(target_languages=["de"])], NOT_FOUND),
    "bad language code": ([config_request(target_languages=["e s!"])], INVALID),
    "unknown asr engine": ([config_request(engines=pb.EnginePreference(asr="nope"))], NOT_FOUND),
    "unknown mt engine": ([config_request(engines=pb.EnginePreference(mt="nope"))], NOT_FOUND),
    "boundary in server vad": ([config_request(), boundary(pb.SpeechBoundary.SPEECH_START)],
                               PRECONDITION),
    "end before start": ([config_request(segmentation=pb.CLIENT_VAD), boundary(pb.SpeechBoundary.SPEECH_END)],
                         PRECONDITION),
    "double start": ([config_request(segmentation=pb.CLIENT_VAD), boundary(pb.SpeechBoundary.SPEECH_START),
                      boundary(pb.SpeechBoundary.SPEECH_START)], PRECONDITION),
    "unspecified boundary": ([config_request(segmentation=pb.CLIENT_VAD), boundary(0)],
                             INVALID),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
async def test_bad_input_gets_its_code_and_a_neighbour_is_unaffected(
    case: str, fake_server: Fixture, stub: pb_grpc.InterpreterStub
) -> None:
    items, code = BAD_INPUTS[case]
    neighbour = stub.Interpret()
    await neighbour.write(config_request())
    first = await neighbour.read()
    assert first.WhichOneof("event") == "started"
    audio = speech_and_silence(repeats=1)
    half = len(audio) // 2
    for req in audio_requests(audio[:half]):
        await neighbour.write(req)

    with pytest.raises(grpc.aio.AioRpcError) as err:
        await interpret(stub, items)
    assert err.value.code() == code, err.value.details()
    assert err.value.details()

    for req in audio_requests(audio[half:]):
        await neighbour.write(req)
    await neighbour.done_writing()
    rest = await read_rest(neighbour)
    assert [r.final.text for r in rest if r.HasField("final")] == [" ".join(f"w{i}" for i in range(10))]
    assert await neighbour.code() == grpc.StatusCode.OK
    await _wait_sessions(fake_server[0], 0)


async def _wait_sessions(handle: TolkServer, count: int) -> None:
    for _ in range(3000):
        if handle.sessions.active == count:
            return
        await asyncio.sleep(0.01)
    assert handle.sessions.active == count


async def test_cancel_frees_session_and_stream(fake_server: Fixture, stub: pb_grpc.InterpreterStub) -> None:
    handle, registry = fake_server
    call = stub.Interpret()
    await call.write(config_request())
    await call.read()
    for req in audio_requests(speech_and_silence(1.0, 0.2, 1)):
        await call.write(req)
    while (await call.read()).WhichOneof("event") != "partial":
        pass
    assert handle.sessions.active == 1 and registry.fake_asr.open_streams == 1
    call.cancel()
    await _wait_sessions(handle, 0)
    for _ in range(3000):
        if registry.fake_asr.open_streams == 0:
            break
        await asyncio.sleep(0.01)
    assert registry.fake_asr.open_streams == 0


async def test_cancel_while_engine_is_busy_frees_session(
    fake_server: Fixture, stub: pb_grpc.InterpreterStub
) -> None:
    handle, registry = fake_server
    registry.fake_asr.gate.clear()  # finalize() blocks in its worker thread
    call = stub.Interpret()
    for req in [config_request(), *audio_requests(speech_and_silence(1.0, 1.0, 1))]:
        await call.write(req)
    await call.done_writing()
    await call.read()
    call.cancel()
    await _wait_sessions(handle, 0)
    registry.fake_asr.gate.set()  # the thread finishes; the stream is then closed, not leaked
    for _ in range(3000):
        if registry.fake_asr.open_streams == 0:
            break
        await asyncio.sleep(0.01)
    assert registry.fake_asr.open_streams == 0


async def test_slow_reader_gets_every_final_and_translation(stub: pb_grpc.InterpreterStub) -> None:
    audio = speech_and_silence(speech_s=3.0, silence_s=1.0, repeats=4)
    fast = await interpret(stub, [config_request(), *audio_requests(audio)])
    call = stub.Interpret()
    for req in [config_request(), *audio_requests(audio)]:
        await call.write(req)
    await call.done_writing()
    slow: list[pb.InterpretResponse] = []
    while (r := await call.read()) is not grpc.aio.EOF:
        slow.append(r)
        await asyncio.sleep(0.02)
    assert [r.final for r in slow if r.HasField("final")] == [r.final for r in fast if r.HasField("final")]
    assert sum(r.HasField("translation") for r in slow) == 4


async def test_max_sessions(fake_server: Fixture, stub: pb_grpc.InterpreterStub) -> None:
    handle = fake_server[0]
    handle.guard.admission.max_sessions = 1  # the one session limit
    first = stub.Interpret()
    await first.write(config_request())
    await first.read()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await interpret(stub, [config_request()])
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    first.cancel()
    await _wait_sessions(handle, 0)


async def test_translate_text_and_capabilities(stub: pb_grpc.InterpreterStub) -> None:
    reply = await stub.TranslateText(
        pb.TranslateTextRequest(source_language="en", target_language="fr", texts=["a"])
    )
    assert list(reply.translations) == ["[fr] a"] and reply.engine == "fake-mt"
    for request, code in [
        (
            pb.TranslateTextRequest(source_language="en", target_language="de", texts=["a"]),
            grpc.StatusCode.NOT_FOUND,
        ),
        (pb.TranslateTextRequest(source_language="", target_language="es"), grpc.StatusCode.INVALID_ARGUMENT),
        (
            pb.TranslateTextRequest(source_language="en", target_language="es", engine="x"),
            grpc.StatusCode.NOT_FOUND,
        ),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.TranslateText(request)
        assert err.value.code() == code
    caps = await stub.GetCapabilities(pb.GetCapabilitiesRequest())
    assert {(e.name, e.is_default) for e in caps.engines} == {("fake-asr", True), ("fake-mt", True)}
    assert 16000 in caps.sample_rates_hz and caps.max_chunk_bytes == 1024 * 1024
