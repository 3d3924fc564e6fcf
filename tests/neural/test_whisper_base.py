"""The real Whisper base (CTranslate2, int8 on the CPU) streamed on real speech.

Finals must be the reference decode: faster-whisper's own `transcribe` of the same segment with the same
options, token for token, whatever the partials did before; pacing (a simulated real-time clock) changes
no final; noise gets no text; Spanish speech is detected as Spanish.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from tolk.backend.engines.base import AsrOptions, Hypothesis
from tolk.backend.engines.registry import EngineContext, Registry
from tolk.backend.engines.whisper_asr import WhisperEngine
from tolk.backend.engines.whisper_runtime import DecodeRequest, final_options
from tolk.backend.engines.whisper_text import drop_repeated_sentences
from tolk.backend.offline import offline_engines
from tolk.models.store import ModelStore, StoredModel

SPEC = "whisper:whisper-base"
CHUNK = 1600  # 100 ms, what the session hands the stream
PARTIAL_EVERY = 5  # a partial every 0.5 s of audio
WER_CEILING = 0.15  # per utterance; faster-whisper offline scores 0 to 0.1 on these


def load(path: Path) -> Any:
    audio, rate = soundfile.read(path, dtype="float32")
    assert rate == 16_000
    return audio


@pytest.fixture(scope="module")
def engine(whisper_base_store: ModelStore) -> Iterator[WhisperEngine]:
    registry = Registry(EngineContext(model_dir=whisper_base_store.root, device="cpu"))
    engine = registry.asr(SPEC)
    assert isinstance(engine, WhisperEngine)
    yield engine
    registry.close()


def stream(
    engine: WhisperEngine, audio: Any, language: str | None = "en"
) -> tuple[list[Hypothesis], Hypothesis]:
    s = engine.open_stream(AsrOptions(language=language))
    partials = []
    for i, start in enumerate(range(0, len(audio), CHUNK)):
        s.accept(audio[start : start + CHUNK])
        if i % PARTIAL_EVERY == PARTIAL_EVERY - 1:
            partials.append(s.partial())
    final = s.finalize()
    s.close()
    return partials, final


@pytest.fixture(scope="module")
def streamed(engine: WhisperEngine, librivox: list[Any]) -> list[tuple[list[Hypothesis], Hypothesis]]:
    return [stream(engine, load(u.wav)) for u in librivox]


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower().replace("-", " ")).split())


def test_streamed_finals_stay_under_the_wer_ceiling(
    streamed: list[tuple[list[Hypothesis], Hypothesis]], librivox: list[Any]
) -> None:
    import jiwer

    for (partials, final), utterance in zip(streamed, librivox, strict=True):
        assert partials and partials[-1].text  # partials preview the speech
        error = jiwer.wer(words(utterance.text), words(final.text))
        assert error <= WER_CEILING, (utterance.wav.name, final.text, error)
        assert final.language == "en"
        assert drop_repeated_sentences(final.text) == final.text


def test_finals_equal_faster_whisper_transcribe_token_for_token(
    engine: WhisperEngine,
    whisper_base: StoredModel,
    streamed: list[tuple[list[Hypothesis], Hypothesis]],
    librivox: list[Any],
) -> None:
    from faster_whisper import WhisperModel

    reference = WhisperModel(str(whisper_base.path), device="cpu", compute_type="int8")
    for i, ((_, final), utterance) in enumerate(zip(streamed, librivox, strict=True)):
        audio = load(utterance.wav)
        segments, _ = reference.transcribe(audio, language="en", **final_options(beam_size=1))
        found = list(segments)
        assert final.text == "".join(s.text for s in found).strip()
        if i < 2:  # the tokens under the text, too
            ours = engine.run(DecodeRequest(audio, "en", "transcribe", final=True))
            assert ours.tokens == tuple(t for s in found for t in s.tokens)


class SimulatedClock:
    """Real-time pacing without real time: audio advances it, and every decode costs DECODE_S."""

    DECODE_S = 0.8

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_realtime_paced_streaming_gives_the_same_finals(
    engine: WhisperEngine, streamed: list[tuple[list[Hypothesis], Hypothesis]], librivox: list[Any]
) -> None:
    clock = SimulatedClock()
    run: Callable[[DecodeRequest], Any] = engine.run

    def slow_run(request: DecodeRequest) -> Any:
        clock.now += SimulatedClock.DECODE_S
        return run(request)

    paced = dataclasses.replace(engine, clock=clock)
    paced.run = slow_run  # type: ignore[method-assign]
    for (_, fast_final), utterance in list(zip(streamed, librivox, strict=True))[1:2]:
        s = paced.open_stream(AsrOptions(language="en"))
        audio, partials = load(utterance.wav), []
        for start in range(0, len(audio), CHUNK):
            s.accept(audio[start : start + CHUNK])
            clock.now += CHUNK / 16_000
            partials.append(s.partial())
        assert s.finalize() == fast_final
        decoded = {p.stable + p.unstable for p in partials}
        assert len(decoded) < len(partials)  # the slow clock paced the re-decodes


def test_long_speech_is_cut_at_pauses_with_context_carried(engine: WhisperEngine, speech: Any) -> None:
    import jiwer

    short = dataclasses.replace(engine, tuning=dataclasses.replace(engine.tuning, split_after_s=12.0,
                                                                    split_search_s=5.0))  # fmt: skip
    s = short.open_stream(AsrOptions(language="en"))
    for start in range(0, len(speech), CHUNK):
        s.accept(speech[start : start + CHUNK])
    heads = list(s._done)
    final = s.finalize()
    assert len(heads) == 2  # 29.5 s: cut twice
    assert final.text.startswith(" ".join(heads))
    truth = (Path(__file__).resolve().parents[2] / "samples" / "sense-and-sensibility.txt").read_text()
    assert jiwer.wer(words(truth), words(final.text)) <= WER_CEILING


def test_noise_and_silence_get_no_text(engine: WhisperEngine) -> None:
    rng = np.random.default_rng(0)
    for audio in (
        np.zeros(16_000 * 2, np.float32),
        (rng.standard_normal(16_000 * 2) * 0.05).astype(np.float32),
    ):
        _, final = stream(engine, audio)
        assert final.text == ""


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="espeak-ng, sox")
def test_spanish_speech_is_detected_and_transcribed_as_spanish(engine: WhisperEngine, tmp_path: Path) -> None:
    raw, wav = tmp_path / "es-22k.wav", tmp_path / "es.wav"
    text = "Buenos días. Me llamo María y vivo en Madrid."
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(wav)], check=True)
    _, final = stream(engine, load(wav), language=None)
    assert final.language == "es"
    assert {"buenos", "días", "madrid"} <= set(words(final.text).split())
    assert "es" in engine.languages and "en" in engine.languages and len(engine.languages) > 90


def test_offline_default_is_the_embedded_whisper(whisper_base_store: ModelStore) -> None:
    chosen = offline_engines(whisper_base_store, "en", "es")
    assert (chosen.asr, chosen.mt) == (SPEC, "apertium")
    assert "ctranslate2" in chosen.reason


def test_repeated_sentences_never_reach_a_final() -> None:
    looped = "He was not an ill-disposed young man. He was not an ill-disposed young man. He was not an ill"
    assert drop_repeated_sentences(looped) == "He was not an ill-disposed young man."
    assert drop_repeated_sentences("No. No. Go on.") == "No. No. Go on."
    kept = "He might even have been made amiable himself. Had he married a more amiable woman."
    assert drop_repeated_sentences(kept) == kept
