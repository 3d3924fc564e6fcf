"""Fakes for the desktop app tests: sound devices that replay a WAV, a real backend server in a thread."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from tolk.app.audio.file_device import FileInputStream
from tolk.app.audio.files import read_audio

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_WAV = ROOT / "samples" / "sense-and-sensibility.wav"
DEVICE_RATE_HZ = 48_000
MIC = "Fake USB Microphone"
MONITOR = "Monitor of Fake Speakers"


class FakeSoundDevice:
    """A sounddevice stand-in: a 48 kHz microphone and a monitor source that replay a WAV file.

    `InputStream` drives the real capture callback from a thread with the device's block timing,
    `speed` times faster than real time. `opened` records the device indexes opened.
    """

    def __init__(self, wav: Path = SAMPLE_WAV, *, speed: float = 4.0) -> None:
        self._samples = np.asarray(soxr.resample(read_audio(wav), 16_000, DEVICE_RATE_HZ), np.float32)
        self.speed = speed
        self.opened: list[int] = []

    def query_devices(self) -> list[dict[str, Any]]:
        out = {"name": "Fake Speakers", "max_input_channels": 0, "hostapi": 0, "default_samplerate": 48000}
        mic = {"name": MIC, "max_input_channels": 2, "hostapi": 0, "default_samplerate": DEVICE_RATE_HZ}
        monitor = {**mic, "name": MONITOR}
        return [out, monitor, mic]

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "FakeAudio"}]

    def InputStream(self, **kwargs: Any) -> FileInputStream:
        self.opened.append(int(kwargs.pop("device")))
        assert kwargs.pop("samplerate") == DEVICE_RATE_HZ
        kwargs.pop("channels"), kwargs.pop("dtype")
        return FileInputStream(self._samples, samplerate=DEVICE_RATE_HZ, speed=self.speed, **kwargs)


class NoSoundDevices:
    """A machine without any audio input."""

    def query_devices(self) -> list[dict[str, Any]]:
        return [{"name": "HDMI output", "max_input_channels": 0, "hostapi": 0, "default_samplerate": 48000}]

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "ALSA"}]

    def InputStream(self, **kwargs: Any) -> Any:
        raise AssertionError("no device to open")


class ServerThread:
    """A real Tolk server (default zero-download engines) on its own asyncio loop; can be killed and
    restarted on the same port, keeping the loaded engines."""

    def __init__(self) -> None:
        from tolk.backend.engines.registry import Registry

        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-server", daemon=True)
        self._thread.start()
        self.registry = Registry()
        self.handle: Any = None
        self.port = 0

    def _run(self, coro: Any, timeout_s: float = 120.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def start(self) -> int:
        from tolk.backend.config import ServerConfig
        from tolk.backend.server import start_server

        async def start() -> Any:
            handle = await start_server(ServerConfig(host="127.0.0.1", port=self.port), self.registry)
            await handle.ready
            return handle

        self.handle = self._run(start())
        self.port = self.handle.port
        return self.port

    def kill(self) -> None:
        handle, self.handle = self.handle, None
        if handle is not None:
            self._run(handle.stop(0))

    def close(self) -> None:
        self.kill()
        self.registry.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()
