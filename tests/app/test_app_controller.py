"""Controller helpers without Qt widgets: caption delay bookkeeping and language choices."""

from __future__ import annotations

import pytest

from tolk.app.backend_link import SPEECH_END_HANGOVER_S, CaptureTimeline
from tolk.app.controller import language_pairs
from tolk.app.transport.events import Capabilities, EngineDescription

pytestmark = pytest.mark.app


def test_delay_counts_from_the_end_of_speech_to_now() -> None:
    now = [0.0]
    timeline = CaptureTimeline(now=lambda: now[0])
    for n in range(100):  # 100 ms blocks captured in real time
        now[0] = n * 0.1
        timeline.mark((n + 1) * 0.1)
    now[0] = 10.0
    # the VAD closed the segment at 9.9 s: speech ended a hangover earlier, captured at about 9.4 s
    delay = timeline.delay_s(9.9)
    assert delay == pytest.approx(10.0 - (9.9 - SPEECH_END_HANGOVER_S) + 0.1, abs=0.11)
    assert timeline.delay_s(5.0) == pytest.approx(5.0 + SPEECH_END_HANGOVER_S, abs=0.11)
    assert timeline.delay_s(30.0) is None  # audio not captured yet: unknown, not negative
    assert CaptureTimeline().delay_s(1.0) is None


def test_language_pairs_come_from_asr_languages_and_mt_pairs() -> None:
    capabilities = Capabilities(
        engines=(
            EngineDescription("pocketsphinx", "asr", languages=("en",)),
            EngineDescription("whisper", "asr", languages=("en", "de")),
            EngineDescription("apertium", "mt", pairs=(("en", "es"), ("es", "en"))),
            EngineDescription("seq2seq", "mt", pairs=(("en", "fr"), ("de", "en"))),
        )
    )
    assert language_pairs(capabilities) == {"en": ["es", "fr"], "de": ["en"]}
