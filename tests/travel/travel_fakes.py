"""Stand-ins for the app's conversation tests: sound outputs at the sounddevice boundary, a Spanish turn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from tolk.app.audio.tts import EspeakVoice

RATE = 16_000
SPANISH = "Buenos días. El pan cuesta dos euros."


class FakeOutputs:
    """A sounddevice stand-in with two outputs and no inputs; `played` records (device, seconds) and
    `during` what `probe()` said while each played (e.g. whether the microphone was muted)."""

    def __init__(self) -> None:
        self.played: list[tuple[int | None, float]] = []
        self.during: list[object] = []
        self.probe: Callable[[], object] = lambda: None

    def query_devices(self) -> list[dict[str, Any]]:
        return [
            {"name": "Fake Speakers", "max_input_channels": 0, "max_output_channels": 2, "hostapi": 0},
            {"name": "Fake Headset", "max_input_channels": 0, "max_output_channels": 2, "hostapi": 0},
        ]

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "FakeAudio"}]

    def play(self, samples: Any, samplerate: int, device: int | None = None, blocking: bool = False) -> None:
        assert samplerate == RATE and blocking
        self.played.append((device, len(samples) / samplerate))
        self.during.append(self.probe())


def spanish_turn(path: Path) -> Path:
    speech = EspeakVoice(variant="f2", words_per_minute=150).synthesize(SPANISH, "es")
    silence = np.zeros(RATE // 2, np.float32)
    sf.write(path, np.concatenate([silence, speech, silence, silence]), RATE, subtype="PCM_16")
    return path
