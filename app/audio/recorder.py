"""One take from an input device, kept in memory (never written to disk): the Pronunciation tab's Record.

A `Recorder` opens the real `AudioCapture` (whose callback only enqueues), `poll()` moves the queued
blocks into the take (the GUI calls it from a timer; it never blocks), and `stop()` closes the device and
returns the take as 16 kHz mono float32. The take stops growing at `max_s`; a device that ends on its
own (unplugged, or a file input that ran out) sets `ended`.
"""

from __future__ import annotations

import numpy as np

from tolk.app.audio.capture import BLOCK_MS, AudioCapture, InputDevice, SoundModule
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, resample

MAX_RECORDING_S = 30.0
"""Longer than any practice sentence; the scorer refuses more than 60 s."""
MIN_RECORDING_S = 0.3


class Recorder:
    """Records from `device` of the sound module `sd` (sounddevice, or a stand-in in tests)."""

    def __init__(self, sd: SoundModule, device: InputDevice, *, max_s: float = MAX_RECORDING_S) -> None:
        blocks = int(max_s * 1000 / BLOCK_MS) + 2
        self._capture = AudioCapture(sd, device, queue_max_blocks=blocks)
        self._rate_hz = self._capture.sample_rate_hz
        self._max_frames = int(max_s * self._rate_hz)
        self._blocks: list[np.ndarray] = []
        self._frames = 0
        self.ended = False

    @property
    def device_name(self) -> str:
        return self._capture.device.name

    @property
    def duration_s(self) -> float:
        return self._frames / self._rate_hz

    @property
    def level(self) -> float:
        """Peak of the latest block (0..1), for a level meter."""
        return self._capture.level

    @property
    def full(self) -> bool:
        return self._frames >= self._max_frames

    def start(self) -> None:
        """Opens the device; CaptureError (one line for the user) when it cannot."""
        self._capture.start()

    def poll(self) -> None:
        """Takes the blocks captured so far; never blocks. Sets `ended` when the input stopped by itself."""
        if not self.ended and not self._take():
            self.ended = True

    def _take(self) -> bool:
        """Moves queued blocks into the take; False once the capture has ended and is drained."""
        try:
            blocks = self._capture.read_available(0.0)
        except EOFError:
            return False
        for block in blocks:
            room = self._max_frames - self._frames
            if room <= 0:
                break
            self._blocks.append(block[:room])
            self._frames += min(len(block), room)
        return True

    def stop(self) -> Samples:
        """Closes the device and returns the take at 16 kHz (ValueError when it is too short to score)."""
        self.poll()
        self._capture.close()
        while self._take():  # the blocks captured before the close, up to the end mark
            pass
        if self.duration_s < MIN_RECORDING_S:
            raise ValueError(f"the recording is too short ({self.duration_s:.1f} s); read the sentence aloud")
        take = np.concatenate(self._blocks).astype(np.float32, copy=False)
        return resample(take, self._rate_hz, SAMPLE_RATE_HZ)
