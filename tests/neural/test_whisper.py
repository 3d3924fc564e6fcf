from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from tolk.backend.engines.base import AsrOptions, Hypothesis
from tolk.backend.engines.registry import Registry
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
    assert final.unstable == ""  # the final is a free decode of the segment: it may revise committed words
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
