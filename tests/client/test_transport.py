"""InterpreterClient against a real server on port 0 with the real engines."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
import pytest_asyncio

from tolk.app.audio.files import read_audio
from tolk.app.core import errors
from tolk.app.core.events import Final, Partial, Started, Translation
from tolk.app.core.timing import WallClock
from tolk.app.pipeline import PipelineOptions, array_source, run_pipeline, segment
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import AudioChunk, Outgoing, StreamOptions
from tolk.backend.offline import embedded_backend

pytestmark = pytest.mark.asyncio(loop_scope="module")
UTTERANCE = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client() -> AsyncIterator[InterpreterClient]:
    async with embedded_backend() as backend, InterpreterClient(backend.target) as client:
        yield client


async def test_capabilities_list_the_default_engines(client: InterpreterClient) -> None:
    caps = await client.capabilities()
    by_name = {e.name: e for e in caps.engines}
    assert "en" in by_name["pocketsphinx"].languages and by_name["pocketsphinx"].kind == "asr"
    assert ("en", "es") in by_name["apertium"].pairs and by_name["apertium"].is_default
    assert 16_000 in caps.sample_rates_hz and caps.max_chunk_bytes > 0


async def test_translate_text(client: InterpreterClient) -> None:
    out = await client.translate_text(["the house is white", "good morning"], "en", "es")
    assert len(out) == 2 and "casa" in out[0].lower()
    with pytest.raises(errors.NotFoundError, match="xx"):
        await client.translate_text(["hello"], "en", "xx")


async def test_stream_events_in_order_with_wall_clock(client: InterpreterClient) -> None:
    audio = read_audio(UTTERANCE)
    clock = WallClock()
    options = StreamOptions(target_languages=("es", "en"))
    items = segment(array_source(audio, realtime=False), PipelineOptions())
    events = [event async for event in client.stream(options, items, clock)]
    assert isinstance(events[0], Started) and events[0].asr_engine == "pocketsphinx"
    kinds = [type(e).__name__ for e in events[1:]]
    assert kinds.index("Final") > 0 and all(k == "Partial" for k in kinds[: kinds.index("Final")])
    final = next(e for e in events if isinstance(e, Final))
    assert final.text.startswith("he was not") and final.text.endswith("young man")
    translations = [e for e in events if isinstance(e, Translation)]
    assert {t.target_language for t in translations} == {"es", "en"}
    assert all(t.segment_id == final.segment_id and t.is_final for t in translations)
    walls = [e.wall_s for e in events[1:] if isinstance(e, Partial | Final | Translation)]
    assert all(w is not None for w in walls) and walls == sorted(walls)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (StreamOptions(source_language="xx"), errors.NotFoundError, "xx"),
        (StreamOptions(target_languages=("zz",)), errors.NotFoundError, "zz"),
        (StreamOptions(asr="nosuch"), errors.NotFoundError, "nosuch"),
        (StreamOptions(sample_rate_hz=12_345), errors.InvalidArgumentError, "12345"),
    ],
)
async def test_rejected_config_maps_to_client_errors_with_server_message(
    client: InterpreterClient, options: StreamOptions, error: type[errors.ServerError], message: str
) -> None:
    async def audio() -> AsyncIterator[Outgoing]:
        yield AudioChunk(np.zeros(1600, "<i2").tobytes(), 0.0)

    with pytest.raises(error, match=message):
        async for _ in client.stream(options, audio()):
            pass


async def test_an_audio_source_failure_surfaces_and_the_client_stays_usable(
    client: InterpreterClient,
) -> None:
    async def failing() -> AsyncIterator[Outgoing]:
        yield AudioChunk(np.zeros(1600, "<i2").tobytes(), 0.0)
        raise errors.AudioFileError("disk went away")

    with pytest.raises(errors.AudioFileError, match="disk went away"):
        async for _ in client.stream(StreamOptions(segmentation="server_vad"), failing()):
            pass
    events = [
        e
        async for e in run_pipeline(
            client, StreamOptions(), array_source(read_audio(UTTERANCE), realtime=False)
        )
    ]
    assert any(isinstance(e, Final) and e.text for e in events)


async def test_unreachable_server() -> None:
    async with InterpreterClient("127.0.0.1:1") as client:
        with pytest.raises(errors.UnavailableError, match="cannot reach"):
            await client.capabilities()
