"""Spoken translations: text -> audio with espeak-ng (zero download, installed by ./dev setup).

`EspeakVoice.synthesize` runs `espeak-ng -w FILE` in a temporary directory and returns 16 kHz mono
float32 samples, the rate the rest of Tolk uses. `SpeechRenderer` turns final translations into a
timeline of utterances through the `SpeechQueue` policy (no overlap, skip when late) and either writes
them to one WAV file (`--speak-to`) or plays them on an output device (`--speak`, the app).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from tolk.app.core.events import Final, SessionEvent, Translation
from tolk.app.core.speech_queue import SpeechQueue, Utterance
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, StreamResampler

ESPEAK = "espeak-ng"
SYNTH_TIMEOUT_S = 30.0
DEFAULT_WORDS_PER_MINUTE = 160


class SpeechError(Exception):
    """The speech synthesizer is missing or failed (one line for the user)."""


@dataclass(frozen=True)
class EspeakVoice:
    """espeak-ng speaking one language.

    Attributes:
        variant: espeak-ng voice variant appended as `LANG+VARIANT` (e.g. "m3", "f2"); "" for the default.
        words_per_minute: speaking rate.
    """

    variant: str = ""
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE

    def synthesize(self, text: str, language: str) -> Samples:
        """16 kHz mono float32 speech of `text` in `language` (ISO 639-1)."""
        if shutil.which(ESPEAK) is None:
            raise SpeechError("espeak-ng is not installed (apt-get install espeak-ng, or ./dev setup)")
        voice = f"{language}+{self.variant}" if self.variant else language
        with tempfile.TemporaryDirectory(prefix="tolk-tts-") as tmp:
            wav = Path(tmp) / "speech.wav"
            command = [ESPEAK, "-v", voice, "-s", str(self.words_per_minute), "-w", str(wav), "--", text]
            try:
                subprocess.run(command, check=True, capture_output=True, timeout=SYNTH_TIMEOUT_S)
            except subprocess.CalledProcessError as exc:
                reason = exc.stderr.decode(errors="replace").strip().splitlines()
                last = reason[-1] if reason else str(exc)
                raise SpeechError(f"espeak-ng failed for voice {voice!r}: {last}") from None
            except subprocess.TimeoutExpired:
                raise SpeechError("espeak-ng took too long") from None
            data, rate = sf.read(wav, dtype="float32", always_2d=True)
        mono: Samples = np.asarray(data.mean(axis=1), dtype=np.float32)
        if rate == SAMPLE_RATE_HZ:
            return mono
        return StreamResampler(rate, SAMPLE_RATE_HZ).process(mono, last=True)


@dataclass
class SpeechRenderer:
    """Speaks every final translation into `languages` once, on a timeline of audio time.

    Attributes:
        voice: the synthesizer.
        queue: the scheduling policy (no overlap; skip when more than max_lag_s late).
        languages: target languages to speak; empty speaks every target.
    """

    voice: EspeakVoice = field(default_factory=EspeakVoice)
    queue: SpeechQueue = field(default_factory=SpeechQueue)
    languages: tuple[str, ...] = ()
    _ends: dict[int, float] = field(default_factory=dict, init=False)
    _audio: list[tuple[Utterance, Samples]] = field(default_factory=list, init=False)

    def on_event(self, event: SessionEvent) -> Utterance | None:
        """Feeds one event; returns the utterance scheduled for it, if any."""
        if isinstance(event, Final):
            self._ends[event.segment_id] = event.audio_end_s
            return None
        if not isinstance(event, Translation) or not event.is_final or not event.text.strip():
            return None
        if self.languages and event.target_language not in self.languages:
            return None
        samples = self.voice.synthesize(event.text, event.target_language)
        due_s = self._ends.get(event.segment_id, 0.0)
        duration_s = len(samples) / SAMPLE_RATE_HZ
        utterance = self.queue.schedule(event.text, event.target_language, due_s, duration_s, event.channel)
        if utterance is not None:
            self._audio.append((utterance, samples))
        return utterance

    @property
    def utterances(self) -> list[tuple[Utterance, Samples]]:
        return list(self._audio)

    def mix(self) -> Samples:
        """Every utterance at its place on the timeline, silence between (16 kHz mono)."""
        end_s = max((u.end_s for u, _ in self._audio), default=0.0)
        out = np.zeros(int(np.ceil(end_s * SAMPLE_RATE_HZ)) + 1, dtype=np.float32)
        for utterance, samples in self._audio:
            start = round(utterance.start_s * SAMPLE_RATE_HZ)
            out[start : start + len(samples)] += samples[: len(out) - start]
        return out

    def write(self, path: Path) -> None:
        sf.write(path, self.mix(), SAMPLE_RATE_HZ, subtype="PCM_16")


def play(samples: Samples, device: str | int | None = None) -> None:
    """Plays speech on an output device and waits until it ends (sounddevice; blocking)."""
    import sounddevice as sd

    sd.play(samples, SAMPLE_RATE_HZ, device=device, blocking=True)
