"""Microphone / system-audio capture: device listing and a stream whose callback only enqueues.

The sound-device module (`sounddevice`, or a fake in tests) is injected, never imported at module import,
so listing devices works without PortAudio and tests can replay WAV files through the real callback.
The callback copies the block into a bounded queue (dropping the oldest block when the consumer falls
behind, and counting it), and records the block's peak level; it never blocks and never allocates more
than the copy.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

BLOCK_MS = 20
QUEUE_MAX_BLOCKS = 1500
"""30 s of audio at BLOCK_MS: enough to ride out a slow backend without blocking the callback."""
LOOPBACK_HINTS = ("monitor", "loopback", "stereo mix", "what u hear", "blackhole", "soundflower")


class CaptureError(Exception):
    """The input device cannot be listed or opened; the message is one line for the user."""


@dataclass(frozen=True)
class InputDevice:
    """An audio input the user can pick.

    Attributes:
        index: the sound library's device index.
        name: the device name as the system shows it.
        host_api: PortAudio host API name (ALSA, PulseAudio, WASAPI, Core Audio, ...).
        channels: maximum input channels.
        default_rate_hz: the device's preferred sample rate.
        is_loopback: the device captures system audio (a monitor / loopback source), not a microphone.
    """

    index: int
    name: str
    host_api: str
    channels: int
    default_rate_hz: int
    is_loopback: bool = False

    @property
    def label(self) -> str:
        kind = "system audio" if self.is_loopback else "microphone"
        return f"{self.name} ({kind}, {self.host_api})"


class SoundModule(Protocol):
    """The part of `sounddevice` that capture uses."""

    def query_devices(self) -> Any: ...
    def query_hostapis(self) -> Any: ...
    def InputStream(self, **kwargs: Any) -> Any: ...


def load_sound_module() -> SoundModule:
    """Imports `sounddevice`; a missing PortAudio becomes a CaptureError."""
    try:
        return importlib.import_module("sounddevice")
    except (ImportError, OSError) as exc:
        raise CaptureError(f"audio input is unavailable: {exc}") from exc


def list_input_devices(sd: SoundModule) -> list[InputDevice]:
    """Every device with input channels, microphones first, then monitor / loopback devices."""
    try:
        devices = list(sd.query_devices())
        apis = list(sd.query_hostapis())
    except Exception as exc:  # PortAudio errors are plain Exceptions
        raise CaptureError(f"cannot list audio devices: {exc}") from exc
    found = []
    for index, info in enumerate(devices):
        channels = int(info.get("max_input_channels", 0))
        if channels <= 0:
            continue
        name = str(info.get("name", f"device {index}"))
        api_index = int(info.get("hostapi", 0))
        api = str(apis[api_index]["name"]) if 0 <= api_index < len(apis) else "?"
        loopback = any(hint in name.lower() for hint in LOOPBACK_HINTS)
        rate = int(info.get("default_samplerate", 16000) or 16000)
        found.append(InputDevice(index, name, api, channels, rate, loopback))
    return sorted(found, key=lambda d: (d.is_loopback, d.index))


def find_device(devices: list[InputDevice], name: str) -> InputDevice | None:
    """The device called `name`, else the first device; None when there is none."""
    for device in devices:
        if device.name == name:
            return device
    return devices[0] if devices else None


class AudioCapture:
    """Captures one input device into a bounded queue of mono float32 blocks.

    `read(timeout)` returns the next block, None on timeout, or raises EOFError after `close()`.
    `level` is the peak of the most recent block (0..1) for the level meter.
    """

    def __init__(
        self,
        sd: SoundModule,
        device: InputDevice,
        *,
        block_ms: int = BLOCK_MS,
        queue_max_blocks: int = QUEUE_MAX_BLOCKS,
    ) -> None:
        self.device = device
        self.sample_rate_hz = device.default_rate_hz
        self._sd = sd
        self._block_frames = max(1, self.sample_rate_hz * block_ms // 1000)
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=queue_max_blocks)
        self._stream: Any = None
        self._closed = threading.Event()
        self.ended_unexpectedly = False
        self.level = 0.0
        self.dropped_blocks = 0

    def start(self) -> None:
        try:
            self._stream = self._sd.InputStream(
                device=self.device.index,
                channels=1,
                samplerate=self.sample_rate_hz,
                blocksize=self._block_frames,
                dtype="float32",
                callback=self._callback,
                finished_callback=self._finished,
            )
            self._stream.start()
        except Exception as exc:  # PortAudio raises plain Exceptions for busy/missing devices
            raise CaptureError(f"cannot open {self.device.name!r}: {exc}") from exc

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        block = np.array(indata[:frames, 0], dtype=np.float32, copy=True)
        self.level = float(np.max(np.abs(block))) if frames else 0.0
        try:
            self._queue.put_nowait(block)
        except queue.Full:
            self._drop_oldest()
            self._queue.put_nowait(block)

    def _drop_oldest(self) -> None:
        try:
            self._queue.get_nowait()
            self.dropped_blocks += 1
        except queue.Empty:
            pass

    def _finished(self) -> None:
        """The stream ended: the device was unplugged, or a file input ran out."""
        self.ended_unexpectedly = not self._closed.is_set()
        self._end()

    def _end(self) -> None:
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            self._drop_oldest()
            self._queue.put_nowait(None)

    def read_available(self, timeout_s: float) -> list[np.ndarray]:
        """Waits up to `timeout_s` for a block, then takes every block already queued (one thread hop
        per batch instead of per block); raises EOFError once the capture has ended and is drained."""
        first = self.read(timeout_s)
        if first is None:
            return []
        blocks = [first]
        while True:
            try:
                block = self._queue.get_nowait()
            except queue.Empty:
                return blocks
            if block is None:
                self._queue.put_nowait(None)  # the next call raises EOFError
                return blocks
            blocks.append(block)

    @property
    def dropped_s(self) -> float:
        """Audio dropped because the consumer fell behind by more than the queue holds."""
        return self.dropped_blocks * self._block_frames / self.sample_rate_hz

    def read(self, timeout_s: float) -> np.ndarray | None:
        try:
            block = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None
        if block is None:
            self._queue.put_nowait(None)  # later readers see the end too
            raise EOFError
        return block

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:  # a vanished device may fail to close; the stream is gone anyway
                log.warning("closing audio input %r: %s", self.device.name, exc)
        self._end()
