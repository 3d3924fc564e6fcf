"""Spoken translations in the app: each final translation synthesized and played on a chosen output.

The sound-device module (`sounddevice`, or a stand-in in tests) is injected like capture's, and the
output device is chosen by name (persisted in the app's settings; "" = the system default). One worker
thread speaks one translation at a time; the `SpeechQueue` policy runs on a wall clock: a translation is
due when it arrives and is skipped when the ones before it would make it start more than `max_lag_s`
late. `on_speaking(True)` is called before each utterance plays and `on_speaking(False)` MUTE_MARGIN_S
after it ends (room echo), so the microphone can be muted meanwhile (PushToTalk.set_muted). Failures (no
espeak-ng, a device that went away) are reported through `on_error`, one line each.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tolk.app.audio.tts import EspeakVoice, SpeechError
from tolk.app.core.events import SessionEvent, Translation
from tolk.app.core.speech_queue import MUTE_MARGIN_S, SpeechQueue, Utterance
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputDevice:
    """An audio output the user can pick for spoken translations."""

    index: int
    name: str
    host_api: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.host_api})"


def list_output_devices(sd: Any) -> list[OutputDevice]:
    """Every device with output channels; [] when the sound library cannot list them."""
    try:
        devices, apis = list(sd.query_devices()), list(sd.query_hostapis())
    except Exception as exc:  # PortAudio errors are plain Exceptions
        log.warning("cannot list audio outputs: %s", exc)
        return []
    found = []
    for index, info in enumerate(devices):
        if int(info.get("max_output_channels", 0)) > 0:
            api_index = int(info.get("hostapi", 0))
            api = str(apis[api_index]["name"]) if 0 <= api_index < len(apis) else "?"
            found.append(OutputDevice(index, str(info.get("name", f"device {index}")), api))
    return found


class SpeechPlayer:
    """Speaks final translations on the output device called `device` ("" = the system default)."""

    def __init__(
        self,
        sound: Callable[[], Any],
        voice: EspeakVoice | None = None,
        queue: SpeechQueue | None = None,
        on_error: Callable[[str], None] = lambda message: None,
        on_speaking: Callable[[bool], None] = lambda speaking: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sound = sound
        self.voice = voice or EspeakVoice()
        self.queue = queue or SpeechQueue()
        self.on_error = on_error
        self.on_speaking = on_speaking
        self._clock = clock
        self.device = ""
        self.enabled = False
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tolk-speech")

    def on_event(self, event: SessionEvent) -> None:
        """Queues a final translation to be spoken (when enabled); other events are ignored."""
        if not self.enabled or not isinstance(event, Translation) or not event.is_final:
            return
        if not event.text.strip():
            return
        self._worker.submit(self._speak, event.text, event.target_language, self._clock(), self.device)

    def _speak(self, text: str, language: str, due_s: float, device: str) -> Utterance | None:
        try:
            samples = self.voice.synthesize(text, language)
            utterance = self.queue.schedule(text, language, due_s, len(samples) / SAMPLE_RATE_HZ)
            if utterance is not None:
                self._play(samples, device)
            return utterance
        except SpeechError as exc:
            self.on_error(str(exc))
        except Exception as exc:  # PortAudio errors are plain Exceptions
            log.warning("spoken translation failed: %s", exc)
            self.on_error(f"cannot play the spoken translation: {exc}")
        return None

    def _play(self, samples: Samples, device: str) -> None:
        sd = self._sound()
        index = None
        if device:
            match = [d.index for d in list_output_devices(sd) if d.name == device]
            if not match:
                self.on_error(f"the audio output {device!r} is gone; speaking on the default output")
            index = match[0] if match else None
        self.on_speaking(True)
        try:
            sd.play(samples, SAMPLE_RATE_HZ, device=index, blocking=True)
            time.sleep(MUTE_MARGIN_S)
        finally:
            self.on_speaking(False)

    def drain(self) -> None:
        """Waits until everything queued so far was spoken (or skipped)."""
        self._worker.submit(lambda: None).result()

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
