"""The `whisper` ASR family: any Whisper checkpoint from the model store, streamed with LocalAgreement-2.

A stream keeps the open segment's audio (its current window of at most SPLIT_AFTER_S seconds). `partial()`
re-decodes the window when enough new audio arrived and commits the words two consecutive hypotheses
agree on; `finalize()` decodes the whole window once more and closes the segment. Longer speech is cut at
its quietest point: the head is decoded completely and committed, and the window restarts at the cut, so
no word is lost. All decodes of all streams go through one BatchScheduler per loaded model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tolk.backend.engines import neural_common
from tolk.backend.engines.base import SAMPLE_RATE_HZ, AsrOptions, Hypothesis, Samples
from tolk.backend.engines.local_agreement import HypothesisBuffer
from tolk.backend.engines.registry import EngineContext, EngineInfo
from tolk.backend.engines.whisper_runtime import Features, WhisperRuntime, checkpoint_languages, open_runtime
from tolk.backend.scheduler import BatchScheduler
from tolk.common.errors import InvalidArgument, NotFound

FAMILY = "whisper"
WINDOW_S = 30
BUCKET_S = 5
MAX_TOKENS_PER_S = 6
MIN_TOKENS = 10
UNKNOWN_LANGUAGE = "und"


@dataclass(frozen=True)
class StreamTuning:
    """When a stream re-decodes and where it cuts long speech.

    Attributes:
        min_audio_s: no decode before the segment has this much audio.
        redecode_s: re-decode in partial() only after this much new audio.
        pace_factor: ... and only after pace_factor times the audio the last decode took to run, so a
            slow machine gets fewer, fresher partials instead of falling behind real time.
        detect_until_s: re-detect the language at each decode until the segment is this long.
        split_after_s: cut the window once it is longer than this (Whisper sees 30 s at most).
        split_search_s: look for the quietest point in the last this-many seconds before split_after_s.
    """

    min_audio_s: float = 0.3
    redecode_s: float = 0.3
    pace_factor: float = 1.5
    detect_until_s: float = 2.0
    split_after_s: float = 25.0
    split_search_s: float = 10.0


def _bucket_s(samples: int) -> int:
    return min(WINDOW_S, max(BUCKET_S, BUCKET_S * math.ceil(samples / SAMPLE_RATE_HZ / BUCKET_S)))


@dataclass
class WhisperEngine:
    """A loaded Whisper checkpoint shared by all sessions.

    Attributes:
        feature_extractor: the checkpoint's transformers WhisperFeatureExtractor (log-mel, numpy).
    """

    name: str
    description: str
    runtime: WhisperRuntime
    scheduler: BatchScheduler
    feature_extractor: Any
    tuning: StreamTuning = field(default_factory=StreamTuning)

    @property
    def languages(self) -> tuple[str, ...]:
        return self.runtime.languages

    def open_stream(self, options: AsrOptions) -> WhisperStream:
        if options.language is not None and options.language not in self.languages:
            raise NotFound(f"{self.name} does not recognize language {options.language!r}")
        if options.task not in ("transcribe", "translate"):
            raise InvalidArgument(f"unknown task {options.task!r}")
        return WhisperStream(self, options)

    def features(self, audio: Samples) -> tuple[int, Features]:
        """Log-mel features padded to the 30 s window (torch) or to a 5 s bucket (CTranslate2)."""
        bucket = WINDOW_S if self.runtime.pads_to_window else _bucket_s(len(audio))
        out = self.feature_extractor(
            audio[: WINDOW_S * SAMPLE_RATE_HZ],
            sampling_rate=SAMPLE_RATE_HZ,
            padding="max_length",
            max_length=bucket * SAMPLE_RATE_HZ,
            return_tensors="np",
        )
        return _bucket_s(len(audio)), np.asarray(out["input_features"][0], dtype=np.float32)

    def detect(self, audio: Samples) -> str:
        bucket, feats = self.features(audio)
        return self.scheduler.run(self._detect_batch, ("detect", bucket), feats)

    def decode(self, audio: Samples, language: str, task: str, prefix: str = "") -> list[str]:
        """Words of the whole window; `prefix` (committed words) may be forced as their start."""
        bucket, feats = self.features(audio)
        item = (feats, language, task, min(220, MIN_TOKENS + MAX_TOKENS_PER_S * bucket), prefix)
        return str(self.scheduler.run(self._decode_batch, (language, task, bucket), item)).split()

    def _detect_batch(self, items: list[Features]) -> list[str]:
        return self.runtime.detect(items)

    def _decode_batch(self, items: list[tuple[Features, str, str, int, str]]) -> list[str]:
        _, language, task, max_tokens, _ = items[0]
        features, prefixes = [item[0] for item in items], [item[4] for item in items]
        return self.runtime.decode(features, language, task, max_tokens, prefixes)

    def close(self) -> None:
        self.scheduler.close()
        self.runtime.close()


class WhisperStream:
    """One session's recognizer: re-decodes the open segment and commits with LocalAgreement-2."""

    def __init__(self, engine: WhisperEngine, options: AsrOptions) -> None:
        self.engine = engine
        self.options = options
        self.tuning = engine.tuning
        self._chunks: list[Samples] = []
        self._window = np.zeros(0, dtype=np.float32)
        self._done: list[str] = []
        self._agreement = HypothesisBuffer()
        self._language: str | None = options.language
        self._decoded_samples = 0
        self._last_decode_s = 0.0

    def accept(self, samples: Samples) -> None:
        if samples.ndim != 1:
            raise InvalidArgument("whisper expects mono audio")
        self._chunks.append(samples.astype(np.float32, copy=False))
        if self._pending_samples() > self.tuning.split_after_s * SAMPLE_RATE_HZ:
            self._split()

    def _pending_samples(self) -> int:
        return len(self._window) + sum(len(c) for c in self._chunks)

    def _audio(self) -> Samples:
        if self._chunks:
            self._window = np.concatenate([self._window, *self._chunks])
            self._chunks = []
        return self._window

    def _language_for(self, audio: Samples) -> str:
        if self.options.language is not None:
            return self.options.language
        if self._language is None or len(audio) < self.tuning.detect_until_s * SAMPLE_RATE_HZ:
            self._language = self.engine.detect(audio)
        return self._language

    def _decode(self, audio: Samples) -> list[str]:
        self._decoded_samples = len(audio)
        prefix = " ".join(self._agreement.committed)
        started = time.monotonic()
        words = self.engine.decode(audio, self._language_for(audio), self.options.task, prefix)
        self._last_decode_s = time.monotonic() - started
        return words

    def _hypothesis(self, tail: list[str]) -> Hypothesis:
        stable = " ".join([*self._done, *self._agreement.committed])
        return Hypothesis(stable, " ".join(tail), self._language or UNKNOWN_LANGUAGE)

    def partial(self) -> Hypothesis:
        audio = self._audio()
        fresh_s = (len(audio) - self._decoded_samples) / SAMPLE_RATE_HZ
        wait_s = max(self.tuning.redecode_s, self.tuning.pace_factor * self._last_decode_s)
        if len(audio) >= self.tuning.min_audio_s * SAMPLE_RATE_HZ and fresh_s >= wait_s:
            self._agreement.insert(self._decode(audio))
            self._agreement.flush()
        return self._hypothesis(self._agreement.complete())

    def _cut_index(self, audio: Samples) -> int:
        """The quietest 100 ms frame in the search range before split_after_s."""
        frame = SAMPLE_RATE_HZ // 10
        end = int(self.tuning.split_after_s * SAMPLE_RATE_HZ)
        start = max(frame, end - int(self.tuning.split_search_s * SAMPLE_RATE_HZ))
        frames = audio[start:end][: (end - start) // frame * frame].reshape(-1, frame)
        quietest = int(np.argmin((frames.astype(np.float64) ** 2).mean(axis=1)))
        return start + quietest * frame + frame // 2

    def _split(self) -> None:
        audio = self._audio()
        cut = self._cut_index(audio)
        words = self._decode(audio[:cut])
        self._done += [*self._agreement.committed, *self._agreement.strip_committed(words)]
        self._agreement.reset()
        self._window = audio[cut:].copy()
        self._decoded_samples = 0

    def finalize(self) -> Hypothesis:
        audio = self._audio()
        if len(audio) >= self.tuning.min_audio_s * SAMPLE_RATE_HZ:
            tail = self._agreement.strip_committed(self._decode(audio))
        else:
            tail = self._agreement.complete()
        words = [*self._done, *self._agreement.committed, *tail]
        final = Hypothesis(" ".join(words), "", self._language or UNKNOWN_LANGUAGE)
        self._reset()
        return final

    def _reset(self) -> None:
        self._chunks = []
        self._window = np.zeros(0, dtype=np.float32)
        self._done = []
        self._agreement.reset()
        self._decoded_samples = 0
        if self.options.language is None:
            self._language = None

    def close(self) -> None:
        self._reset()


def probe() -> str | None:
    return neural_common.probe()


def describe(context: EngineContext) -> list[EngineInfo]:
    infos = []
    for model in neural_common.store_models(context, FAMILY):
        m = model.manifest
        infos.append(
            EngineInfo(
                name=f"{FAMILY}:{m.name}",
                kind="asr",
                languages=checkpoint_languages(model.path),
                description=neural_common.model_description("Whisper", model),
            )
        )
    return infos


def load(model: str | None, context: EngineContext) -> WhisperEngine:
    from transformers import WhisperFeatureExtractor

    stored = neural_common.open_model(context, FAMILY, model)
    placement = neural_common.place(context, stored)
    runtime = open_runtime(stored.path, placement, context.beam_size)
    scheduler = BatchScheduler(neural_common.scheduler_options(context), name=f"whisper-{stored.name}")
    return WhisperEngine(
        name=f"{FAMILY}:{stored.name}",
        description=f"Whisper {stored.name} ({placement.describe()})",
        runtime=runtime,
        scheduler=scheduler,
        feature_extractor=WhisperFeatureExtractor.from_pretrained(stored.path),
    )
