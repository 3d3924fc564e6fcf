from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from tolk.backend.engines.base import AsrOptions, Hypothesis
from tolk.backend.engines.registry import Registry
from tolk.backend.engines.whisper_asr import StreamTuning, WhisperEngine
from tolk.common.errors import NotFound

pytestmark = pytest.mark.neural
CHUNK = 8000  # 0.5 s


def stream_events(registry: Registry, spec: str, audio: Any, options: AsrOptions) -> list[Hypothesis]:
    stream = registry.asr(spec).open_stream(options)
    events = []
    for start in range(0, len(audio), CHUNK):
        stream.accept(audio[start : start + CHUNK])
        events.append(stream.partial())
    events.append(stream.finalize())
    stream.close()
    return events


@pytest.mark.parametrize(
    "spec", ["whisper:whisper-tiny", "whisper:whisper-tiny-int8", "whisper:whisper-tiny-ct2-int8"]
)
def test_streaming_partials_never_rewrite_committed_words_and_end_in_a_final(
    registry: Registry, speech: Any, spec: str
) -> None:
    events = stream_events(registry, spec, speech[: 16000 * 3], AsrOptions())
    *partials, final = events
    engine = registry.asr(spec)
    assert len(partials) == 6
    for earlier, later in itertools.pairwise(partials):
        assert later.stable.startswith(earlier.stable)
    assert final.unstable == ""
    assert final.stable.startswith(partials[-1].stable)
    assert final.stable  # the tiny model always emits words
    assert final.language in engine.languages  # detected
    assert all(p.language in engine.languages for p in partials)


def test_given_language_and_translate_task(registry: Registry, speech: Any) -> None:
    final = stream_events(registry, "whisper:whisper-tiny", speech[:16000], AsrOptions("fr", "translate"))[-1]
    assert final.language == "fr"
    assert final.stable


def test_unknown_language_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFound, match="xx"):
        registry.asr("whisper:whisper-tiny").open_stream(AsrOptions(language="xx"))


def test_silence_and_empty_segments(registry: Registry) -> None:
    stream = registry.asr("whisper:whisper-tiny-ct2-int8").open_stream(AsrOptions(language="en"))
    assert stream.finalize() == Hypothesis("", "", "en")
    stream.accept(np.zeros(100, dtype=np.float32))
    assert stream.partial().text == ""


def test_long_speech_is_split_and_every_window_is_decoded(registry: Registry, speech: Any) -> None:
    engine = registry.asr("whisper:whisper-tiny-ct2-int8")
    assert isinstance(engine, WhisperEngine)
    short = WhisperEngine(engine.name, "", engine.runtime, engine.scheduler, engine.feature_extractor,
                          StreamTuning(split_after_s=4.0, split_search_s=2.0))  # fmt: skip
    stream = short.open_stream(AsrOptions(language="en"))
    audio = speech[: 16000 * 10]
    for start in range(0, len(audio), CHUNK):
        stream.accept(audio[start : start + CHUNK])
    assert len(stream._window) < 16000 * 4  # cut twice: the window stays under split_after_s
    done = list(stream._done)
    final = stream.finalize()
    words = final.stable.split()
    assert len(done) > 0
    assert words[: len(done)] == done  # the cut heads are kept in order, nothing dropped
    assert len(words) > len(done)  # and the last window adds its own words
