"""Both sides of a call on Linux: capture any PulseAudio/PipeWire source by name, and a virtual microphone.

PortAudio (sounddevice) reaches PulseAudio through one ALSA "pulse" device and cannot pick a source by
name, so meetings capture through `parec`: the microphone ("me") and the monitor of the speakers or of the
meeting app's output ("them") at once, each as its own stream of 16 kHz mono float32 blocks with the same
`read / read_available / close` interface as `AudioCapture`.

`VirtualMicrophone` creates "Tolk voice": a null sink that Tolk speaks into, and a source remapped from
its monitor that the meeting app selects as its microphone, so the other side hears the spoken
translation. Both modules are unloaded when it closes. PipeWire's pipewire-pulse understands the same
`pactl` commands. Windows and macOS need a virtual cable (VB-Cable, BlackHole); see the README.

`server` ("unix:/path/native") selects a PulseAudio server; None uses the user's default.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
from dataclasses import dataclass, field

import numpy as np

from tolk.app.audio.capture import CaptureError
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples

BLOCK_MS = 20
QUEUE_MAX_BLOCKS = 1500
PACTL_TIMEOUT_S = 10.0
VOICE_SINK = "tolk_voice"
VOICE_SOURCE = "tolk_voice_mic"
VOICE_DESCRIPTION = "Tolk voice"


def _server_args(server: str | None) -> list[str]:
    return [f"--server={server}"] if server else []


def pactl(args: list[str], server: str | None = None) -> str:
    """Runs `pactl ARGS`; a missing tool or a failure is a CaptureError with pactl's message."""
    if shutil.which("pactl") is None:
        raise CaptureError("pactl is not installed (apt-get install pulseaudio-utils)")
    command = ["pactl", *_server_args(server), *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PACTL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise CaptureError("the PulseAudio server does not answer") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise CaptureError(f"pactl {args[0]}: {reason[-1] if reason else 'failed'}")
    return done.stdout


def list_sources(server: str | None = None) -> list[str]:
    """Names of every PulseAudio source (microphones and `.monitor` sources of sinks)."""
    return [line.split("\t")[1] for line in pactl(["list", "short", "sources"], server).splitlines() if line]


def list_sinks(server: str | None = None) -> list[str]:
    return [line.split("\t")[1] for line in pactl(["list", "short", "sinks"], server).splitlines() if line]


class PulseCapture:
    """Captures one PulseAudio source (by name) as 16 kHz mono float32 blocks through `parec`.

    A reader thread only copies blocks into a bounded queue (dropping the oldest when the consumer falls
    behind); `read` raises EOFError after `close()` or when parec ends.
    """

    def __init__(self, source: str, server: str | None = None, block_ms: int = BLOCK_MS) -> None:
        self.source = source
        self.server = server
        self.level = 0.0
        self.dropped_blocks = 0
        self._block_bytes = SAMPLE_RATE_HZ * block_ms // 1000 * 4
        self._queue: queue.Queue[Samples | None] = queue.Queue(QUEUE_MAX_BLOCKS)
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if shutil.which("parec") is None:
            raise CaptureError("parec is not installed (apt-get install pulseaudio-utils)")
        if self.source not in list_sources(self.server):
            raise CaptureError(f"no PulseAudio source {self.source!r}")
        device = f"--device={self.source}"
        command = ["parec", *_server_args(self.server), device, "--raw", "--format=float32le",
                   f"--rate={SAMPLE_RATE_HZ}", "--channels=1", "--latency-msec=20"]  # fmt: skip
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._thread = threading.Thread(target=self._pump, name=f"parec-{self.source}", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        while chunk := stdout.read(self._block_bytes):
            block = np.frombuffer(chunk[: len(chunk) // 4 * 4], dtype="<f4").astype(np.float32)
            self.level = float(np.max(np.abs(block))) if len(block) else 0.0
            self._put(block)
        self._put(None)

    def _put(self, block: Samples | None) -> None:
        while True:
            try:
                self._queue.put_nowait(block)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped_blocks += 1
                except queue.Empty:
                    pass

    def read(self, timeout_s: float) -> Samples | None:
        try:
            block = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None
        if block is None:
            self._queue.put_nowait(None)
            raise EOFError
        return block

    def read_available(self, timeout_s: float) -> list[Samples]:
        """Waits up to `timeout_s` for a block, then takes every block already queued."""
        first = self.read(timeout_s)
        blocks = [] if first is None else [first]
        while first is not None:
            try:
                block = self._queue.get_nowait()
            except queue.Empty:
                break
            if block is None:
                self._queue.put_nowait(None)
                break
            blocks.append(block)
        return blocks

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if process is not None and process.stdout is not None:
            process.stdout.close()


@dataclass
class VirtualMicrophone:
    """ "Tolk voice": a null sink to speak into and a microphone source made from its monitor.

    Attributes:
        server: the PulseAudio server, None for the default.
        modules: ids of the modules loaded (unloaded by `close`).
    """

    server: str | None = None
    sink: str = VOICE_SINK
    source: str = VOICE_SOURCE
    modules: list[int] = field(default_factory=list)

    def open(self) -> VirtualMicrophone:
        if self.sink in list_sinks(self.server):
            raise CaptureError(f"a PulseAudio sink {self.sink!r} already exists (another Tolk running?)")
        properties = f"'device.description=\"{VOICE_DESCRIPTION}\"'"
        self.modules.append(
            self._load("module-null-sink", f"sink_name={self.sink}", f"sink_properties={properties}")
        )
        master, name = f"master={self.sink}.monitor", f"source_name={self.source}"
        self.modules.append(
            self._load("module-remap-source", master, name, f"source_properties={properties}")
        )
        return self

    def _load(self, module: str, *args: str) -> int:
        return int(pactl(["load-module", module, *args], self.server).strip())

    def speak(self, samples: Samples) -> None:
        """Plays speech into the virtual microphone (blocking until it is written)."""
        command = ["pacat", *_server_args(self.server), "--playback", f"--device={self.sink}", "--raw",
                   "--format=float32le", f"--rate={SAMPLE_RATE_HZ}", "--channels=1"]  # fmt: skip
        subprocess.run(command, input=np.asarray(samples, "<f4").tobytes(), check=True, timeout=120)

    def close(self) -> None:
        while self.modules:
            pactl(["unload-module", str(self.modules.pop())], self.server)

    def __enter__(self) -> VirtualMicrophone:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
