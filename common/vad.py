"""Voice-activity segmentation: continuous 16 kHz audio in, speech segments out.

`VadSegmenter` is pure (numpy + webrtcvad, no threads, no clocks). It classifies fixed frames, keeps a
pre-roll so the first syllable is not cut, waits `min_speech_ms` of speech before opening a segment,
closes it after `hangover_ms` of silence, and force-splits speech longer than `max_segment_s` without
dropping any audio. Times are seconds since the first sample fed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import webrtcvad

from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, float32_to_pcm16

_EMPTY = np.zeros(0, dtype=np.float32)

FrameClassifier = Callable[[Samples], bool]
"""Tells whether one frame of float32 samples is speech."""


@dataclass(frozen=True)
class VadOptions:
    """Segmentation settings.

    Attributes:
        aggressiveness: webrtcvad mode 0 (keeps most) .. 3 (drops most non-speech).
        frame_ms: classification frame: 10, 20 or 30 ms.
        preroll_ms: audio kept before detected speech and sent with the segment.
        hangover_ms: silence after speech that ends the segment.
        min_speech_ms: consecutive speech needed to open a segment (shorter clicks are ignored).
        max_segment_s: speech longer than this is split into back-to-back segments.
    """

    aggressiveness: int = 2
    frame_ms: int = 30
    preroll_ms: int = 300
    hangover_ms: int = 450
    min_speech_ms: int = 90
    max_segment_s: float = 15.0

    def __post_init__(self) -> None:
        if self.frame_ms not in (10, 20, 30):
            raise ValueError(f"frame_ms must be 10, 20 or 30, got {self.frame_ms}")
        if not 0 <= self.aggressiveness <= 3:
            raise ValueError(f"aggressiveness must be 0..3, got {self.aggressiveness}")
        if self.max_segment_s * 1000 < 2 * self.frame_ms:
            raise ValueError(f"max_segment_s is too short: {self.max_segment_s}")


@dataclass(frozen=True)
class SpeechStart:
    t_s: float


@dataclass(frozen=True)
class SpeechAudio:
    """Speech samples of the open segment, starting at `t_s`."""

    samples: Samples
    t_s: float


@dataclass(frozen=True)
class SpeechEnd:
    t_s: float


VadEvent = SpeechStart | SpeechAudio | SpeechEnd


def webrtc_classifier(aggressiveness: int) -> FrameClassifier:
    vad = webrtcvad.Vad(aggressiveness)

    def is_speech(frame: Samples) -> bool:
        return bool(vad.is_speech(float32_to_pcm16(frame), SAMPLE_RATE_HZ))

    return is_speech


def _frames(ms: int, frame_ms: int) -> int:
    return max(0, -(-ms // frame_ms))


class VadSegmenter:
    """Turns 16 kHz mono float32 audio into SpeechStart / SpeechAudio / SpeechEnd events."""

    def __init__(self, options: VadOptions | None = None, classifier: FrameClassifier | None = None) -> None:
        self.options = options or VadOptions()
        self._classify = classifier or webrtc_classifier(self.options.aggressiveness)
        self._frame_len = SAMPLE_RATE_HZ * self.options.frame_ms // 1000
        self._min_speech = max(1, _frames(self.options.min_speech_ms, self.options.frame_ms))
        self._hangover = max(1, _frames(self.options.hangover_ms, self.options.frame_ms))
        self._max_frames = int(self.options.max_segment_s * 1000) // self.options.frame_ms
        preroll = _frames(self.options.preroll_ms, self.options.frame_ms)
        self._ring: deque[Samples] = deque(maxlen=preroll + self._min_speech)
        self._pending = _EMPTY
        self._frame_index = 0  # frames classified so far
        self._speech_run = 0  # consecutive speech frames while idle
        self._in_speech = False
        self._silence_run = 0
        self._segment_frames = 0
        self._events: list[VadEvent] = []
        self._audio: list[Samples] = []
        self._audio_t_s = 0.0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def _t(self, frame_index: int) -> float:
        return frame_index * self.options.frame_ms / 1000

    def feed(self, samples: Samples) -> list[VadEvent]:
        """Classifies whole frames of `samples` (the remainder waits for more) and returns the events."""
        buffered = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        whole = len(buffered) // self._frame_len * self._frame_len
        self._pending = buffered[whole:]
        for start in range(0, whole, self._frame_len):
            self._step(buffered[start : start + self._frame_len])
        return self._drain()

    def flush(self) -> list[VadEvent]:
        """Ends the stream: an open segment gets the buffered remainder and a SpeechEnd."""
        if self._in_speech:
            if len(self._pending):
                self._emit_audio(self._pending, self._t(self._frame_index))
            end_s = self._t(self._frame_index) + len(self._pending) / SAMPLE_RATE_HZ
            self._end(end_s)
        self._pending = _EMPTY
        self._ring.clear()
        self._speech_run = 0
        return self._drain()

    def _step(self, frame: Samples) -> None:
        speech = self._classify(frame)
        self._frame_index += 1
        if self._in_speech:
            self._step_speaking(frame, speech)
        else:
            self._step_idle(frame, speech)

    def _step_idle(self, frame: Samples, speech: bool) -> None:
        self._ring.append(frame)
        self._speech_run = self._speech_run + 1 if speech else 0
        if self._speech_run < self._min_speech:
            return
        buffered = list(self._ring)
        self._ring.clear()
        self._speech_run = 0
        self._in_speech = True
        self._silence_run = 0
        self._segment_frames = len(buffered)
        start_index = self._frame_index - len(buffered)
        self._events.append(SpeechStart(self._t(start_index)))
        self._audio_t_s = self._t(start_index)
        self._audio.extend(buffered)

    def _step_speaking(self, frame: Samples, speech: bool) -> None:
        self._emit_audio(frame, self._t(self._frame_index - 1))
        self._segment_frames += 1
        self._silence_run = 0 if speech else self._silence_run + 1
        now_s = self._t(self._frame_index)
        if self._silence_run >= self._hangover:
            self._end(now_s)
        elif self._segment_frames >= self._max_frames:
            self._end(now_s)
            self._in_speech = True
            self._segment_frames = 0
            self._events.append(SpeechStart(now_s))
            self._audio_t_s = now_s

    def _emit_audio(self, samples: Samples, t_s: float) -> None:
        if not self._audio:
            self._audio_t_s = t_s
        self._audio.append(samples)

    def _end(self, t_s: float) -> None:
        self._flush_audio()
        self._events.append(SpeechEnd(t_s))
        self._in_speech = False
        self._silence_run = 0
        self._segment_frames = 0

    def _flush_audio(self) -> None:
        if self._audio:
            self._events.append(SpeechAudio(np.concatenate(self._audio), self._audio_t_s))
            self._audio = []

    def _drain(self) -> list[VadEvent]:
        self._flush_audio()
        events, self._events = self._events, []
        return events
