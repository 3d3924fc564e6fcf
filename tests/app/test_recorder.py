"""The Pronunciation tab's recorder on the real capture callback (a WAV file played as a 48 kHz
microphone): the take is capped, resampled to 16 kHz, and a take too short to score is refused."""

from __future__ import annotations

import time

import numpy as np
import pytest
from app_fakes import SAMPLE_WAV, FakeSoundDevice

from tolk.app.audio.capture import list_input_devices
from tolk.app.audio.recorder import Recorder

pytestmark = pytest.mark.app


def _record_until_ended(recorder: Recorder, timeout_s: float = 30.0) -> None:
    recorder.start()
    deadline = time.monotonic() + timeout_s
    while not recorder.ended and time.monotonic() < deadline:
        recorder.poll()
        time.sleep(0.01)
    assert recorder.ended


def test_take_is_capped_and_resampled_to_16_khz() -> None:
    sound = FakeSoundDevice(SAMPLE_WAV, speed=50.0)
    microphone = list_input_devices(sound)[0]
    recorder = Recorder(sound, microphone, max_s=1.5)
    _record_until_ended(recorder)
    assert recorder.full and recorder.duration_s == pytest.approx(1.5)
    take = recorder.stop()
    assert take.dtype == np.float32 and len(take) == pytest.approx(1.5 * 16_000, abs=16)
    assert float(np.max(np.abs(take))) > 0.05  # speech, not silence


def test_too_short_a_take_is_refused_with_a_reason() -> None:
    sound = FakeSoundDevice(SAMPLE_WAV, speed=1.0)  # real time: nothing near 0.3 s arrives before stop()
    recorder = Recorder(sound, list_input_devices(sound)[0])
    recorder.start()
    with pytest.raises(ValueError, match="too short"):
        recorder.stop()  # stopped at once
    assert not recorder.ended
