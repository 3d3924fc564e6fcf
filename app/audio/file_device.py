"""An audio file played as if it were a microphone.

`FileSoundModule` looks like the part of `sounddevice` that capture uses: it lists one input device (the
file) and its `InputStream` calls the real capture callback with consecutive blocks from a thread, paced
at `speed` times real time, then calls `finished_callback` at the end of the file. The desktop app uses it
for the file input (demos, trying the app without a microphone); tests use it as the fake sound device.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tolk.app.audio.files import read_audio
from tolk.common.dsp import SAMPLE_RATE_HZ

FILE_DEVICE_INDEX = 0


class FileInputStream:
    """Plays samples through a capture callback with the timing of a real device."""

    def __init__(
        self,
        samples: np.ndarray,
        samplerate: int,
        blocksize: int,
        callback: Callable[[np.ndarray, int, Any, Any], None],
        finished_callback: Callable[[], None] | None = None,
        speed: float = 1.0,
        **_: Any,
    ) -> None:
        self._samples = samples
        self._rate_hz = samplerate
        self._block = blocksize
        self._callback = callback
        self._finished = finished_callback
        self._speed = speed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="file-input", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        block_s = self._block / self._rate_hz / self._speed
        started = time.monotonic()
        for n, offset in enumerate(range(0, len(self._samples), self._block)):
            due = started + n * block_s
            if self._stop.wait(max(0.0, due - time.monotonic())):
                break
            chunk = self._samples[offset : offset + self._block]
            frames = len(chunk)
            if frames < self._block:
                chunk = np.pad(chunk, (0, self._block - frames))
            self._callback(chunk.reshape(-1, 1), frames, None, None)
        if self._finished is not None:
            self._finished()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)

    def close(self) -> None:
        self.stop()


class FileSoundModule:
    """A sound "library" with one input device: the given file."""

    def __init__(self, path: Path, *, speed: float = 1.0) -> None:
        self.path = path
        self.speed = speed
        self._samples = read_audio(path)  # AudioFileError with one clear line for a bad file
        self._rate_hz = SAMPLE_RATE_HZ

    @property
    def duration_s(self) -> float:
        return len(self._samples) / self._rate_hz

    def query_devices(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f"file: {self.path.name}",
                "max_input_channels": 1,
                "hostapi": 0,
                "default_samplerate": self._rate_hz,
            }
        ]

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "file"}]

    def InputStream(self, **kwargs: Any) -> FileInputStream:
        kwargs.pop("device", None)
        kwargs.pop("channels", None)
        kwargs.pop("dtype", None)
        kwargs["samplerate"] = self._rate_hz
        return FileInputStream(self._samples, speed=self.speed, **kwargs)
