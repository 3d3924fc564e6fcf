"""PocketSphinx streaming on real LibriVox speech against a plain whole-file PocketSphinx decode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tolk.backend.engines.base import AsrOptions
from tolk.backend.engines.pocketsphinx_asr import PocketsphinxEngine, load, new_decoder
from tolk.backend.engines.registry import EngineContext
from tolk.common.dsp import Samples
from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound
from tolk.models.metrics import corpus_wer

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
CHUNK_SAMPLES = 1_600  # 100 ms
PARTIAL_CHUNK_SAMPLES = 8_000  # 500 ms

pytestmark = pytest.mark.skipif(not LIBRIVOX.is_dir(), reason="apt-get install pocketsphinx-testdata")


def references() -> dict[str, str]:
    """utterance id -> reference transcript."""
    refs: dict[str, str] = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, _, utt = line.rpartition("(")
        refs[utt.strip(" )")] = text.replace("<s>", "").replace("</s>", "").strip()
    return refs


def audio(utt: str) -> Samples:
    samples, rate = sf.read(LIBRIVOX / f"{utt}.wav", dtype="float32")
    assert rate == 16_000
    return np.asarray(samples, dtype=np.float32)


def whole_file_decode(utt: str) -> str:
    """A plain decoder (same config), fresh for every file, fed the whole WAV at once (live CMN)."""
    pcm, _ = sf.read(LIBRIVOX / f"{utt}.wav", dtype="int16")
    decoder = new_decoder()
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), False, False)
    decoder.end_utt()
    hyp = decoder.hyp()
    return str(hyp.hypstr) if hyp is not None else ""


def stream_decode(engine: PocketsphinxEngine, samples: Samples, chunk: int = CHUNK_SAMPLES) -> str:
    stream = engine.open_stream(AsrOptions(language="en"))
    try:
        for start in range(0, len(samples), chunk):
            stream.accept(samples[start : start + chunk])
        final = stream.finalize()
    finally:
        stream.close()
    assert final.unstable == ""
    return final.stable


@pytest.fixture(scope="module")
def engine() -> Iterator[PocketsphinxEngine]:
    eng = load(None, EngineContext())
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def whole() -> dict[str, str]:
    return {utt: whole_file_decode(utt) for utt in references()}


def test_streaming_in_chunks_equals_whole_file_decode(
    engine: PocketsphinxEngine, whole: dict[str, str]
) -> None:
    created = engine.pool.created
    streamed = {utt: stream_decode(engine, audio(utt)) for utt in references()}
    assert streamed == whole
    assert all(whole.values())
    assert engine.pool.created == created  # five sessions in a row reused one pooled decoder
    refs = references()
    assert corpus_wer((refs[utt], streamed[utt]) for utt in refs) < 0.5


def test_partials_grow_during_a_segment(engine: PocketsphinxEngine) -> None:
    samples = audio("sense_and_sensibility_01_austen_64kb-0870")
    stream = engine.open_stream(AsrOptions())
    partials: list[str] = []
    for start in range(0, len(samples), PARTIAL_CHUNK_SAMPLES):
        stream.accept(samples[start : start + PARTIAL_CHUNK_SAMPLES])
        hypothesis = stream.partial()
        assert hypothesis.stable == "" and hypothesis.language == "en"
        partials.append(hypothesis.unstable)
    final = stream.finalize()
    stream.close()
    words = [len(text.split()) for text in partials]
    assert words[-1] >= 15 and words[-1] > words[len(words) // 2] > words[1]
    assert len(set(partials)) >= 5
    assert final.stable and final.text == final.stable


def test_two_segments_in_a_row_on_one_stream(engine: PocketsphinxEngine, whole: dict[str, str]) -> None:
    first, second = "sense_and_sensibility_01_austen_64kb-0880", "sense_and_sensibility_01_austen_64kb-0930"
    stream = engine.open_stream(AsrOptions(language="en-US"))
    try:
        stream.accept(audio(first))
        assert stream.finalize().stable == whole[first]
        assert stream.partial().text == ""  # the next segment starts empty
        for start in range(0, len(audio(second)), CHUNK_SAMPLES):
            stream.accept(audio(second)[start : start + CHUNK_SAMPLES])
        text = stream.finalize().stable
        assert "might even have been made" in text  # CMN adapted on segment one; the words hold up
        assert stream.finalize().text == ""  # nothing open
    finally:
        stream.close()


def test_concurrent_streams_get_their_own_decoders(engine: PocketsphinxEngine) -> None:
    idle = engine.pool.idle
    one, two = engine.open_stream(AsrOptions()), engine.open_stream(AsrOptions())
    assert engine.pool.idle == max(idle - 2, 0)
    one.close()
    two.close()
    assert engine.pool.created >= 2 and engine.pool.idle == max(idle, 2)


def test_bad_requests_are_clear_errors(engine: PocketsphinxEngine) -> None:
    with pytest.raises(NotFound, match="English only"):
        engine.open_stream(AsrOptions(language="es"))
    stream = engine.open_stream(AsrOptions())
    with pytest.raises(InvalidArgument, match="mono"):
        stream.accept(np.zeros((2, 160), dtype=np.float32))
    stream.close()
    with pytest.raises(FailedPrecondition, match="closed"):
        stream.accept(np.zeros(160, dtype=np.float32))
    with pytest.raises(NotFound, match="bundled"):
        load("de-de", EngineContext())


def test_the_pool_keeps_at_most_max_idle_decoders() -> None:
    small = PocketsphinxEngine(max_idle=1)
    try:
        streams = [small.open_stream(AsrOptions()) for _ in range(2)]
        for stream in streams:
            stream.close()
        assert small.pool.created == 2 and small.pool.idle == 1
    finally:
        small.close()
    assert small.pool.idle == 0
