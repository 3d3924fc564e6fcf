"""The `whisper` ASR family: any Whisper checkpoint from the model store, streamed like the offline model.

Streaming policy (after ufal/whisper_streaming, but finals never caged by partials):
- partials re-decode the open window when enough new audio arrived; the words two consecutive
  hypotheses agree on are committed (LocalAgreement-2) and forced as the start of the next partial, so
  the preview is stable and cheap;
- a final is a free, full reference decode of its whole window (see whisper_runtime: for CTranslate2,
  faster-whisper's `transcribe`), so it equals the offline transcription of the same audio; the
  committed words are not forced into it;
- speech longer than SPLIT_AFTER_S is cut at its quietest 100 ms (a pause); the head gets its final
  decode at once and its text is carried over as the prompt of the next window;
- no sentence that repeats the one before it reaches a final; the reference decode's no-speech guard
  leaves noise without text.
All decodes of all streams go through one BatchScheduler per loaded model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tolk.backend.engines import neural_common
from tolk.backend.engines.base import AsrOptions, Hypothesis, SegmentSignals
from tolk.backend.engines.language_id import LanguageGuess, choose_language, padded_for_detection
from tolk.backend.engines.local_agreement import HypothesisBuffer
from tolk.backend.engines.registry import EngineContext, EngineInfo
from tolk.backend.engines.whisper_runtime import (
    UNKNOWN_LANGUAGE,
    Decoded,
    DecodeRequest,
    WhisperRuntime,
    checkpoint_languages,
    open_runtime,
)
from tolk.backend.engines.whisper_text import drop_repeated_sentences
from tolk.backend.scheduler import BatchScheduler
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples
from tolk.common.errors import InvalidArgument, NotFound
from tolk.common.glossary import with_glossary

FAMILY = "whisper"
PROMPT_CHARS = 600
"""Carried-over context is cut to its last this-many characters (Whisper's prompt holds ~224 tokens)."""


@dataclass(frozen=True)
class StreamTuning:
    """When a stream re-decodes and where it cuts long speech.

    Attributes:
        min_audio_s: no decode (and no final text) before the segment has this much audio.
        redecode_s: re-decode in partial() only after this much new audio.
        pace_factor: ... and only after pace_factor times the audio the last decode took to run, so a
            slow machine gets fewer, fresher partials instead of falling behind real time.
        detect_until_s: partials re-detect the language at each decode until the window is this long.
        split_after_s: cut the window once it is longer than this (Whisper sees 30 s at most).
        split_search_s: look for the quietest point in the last this-many seconds before split_after_s.
    """

    min_audio_s: float = 0.3
    redecode_s: float = 0.3
    pace_factor: float = 1.5
    detect_until_s: float = 2.0
    split_after_s: float = 25.0
    split_search_s: float = 10.0


@dataclass
class WhisperEngine:
    """A loaded Whisper checkpoint shared by all sessions.

    Attributes:
        clock: measures decode time for partial pacing (tests pass a simulated one).
    """

    name: str
    description: str
    runtime: WhisperRuntime
    scheduler: BatchScheduler
    tuning: StreamTuning = field(default_factory=StreamTuning)
    clock: Callable[[], float] = time.monotonic

    @property
    def languages(self) -> tuple[str, ...]:
        return self.runtime.languages

    def open_stream(self, options: AsrOptions) -> WhisperStream:
        for code in (options.language, *options.candidates):
            if code is not None and code not in self.languages:
                raise NotFound(f"{self.name} does not recognize language {code!r}")
        if options.task not in ("transcribe", "translate"):
            raise InvalidArgument(f"unknown task {options.task!r}")
        return WhisperStream(self, options)

    def detect(self, audio: Samples, candidates: tuple[str, ...] = ()) -> str:
        """The language of `audio`: Whisper's choice among all its languages, or among `candidates`."""
        if not candidates:
            return str(self.scheduler.run(self.runtime.detect, "detect", audio))
        return self.identify(audio, candidates).language

    def identify(self, audio: Samples, candidates: tuple[str, ...]) -> LanguageGuess:
        """The likeliest of `candidates` for `audio` (e.g. the two languages of a conversation)."""
        scores = self.scheduler.run(self.runtime.language_scores, "scores", padded_for_detection(audio))
        return choose_language(scores, candidates)

    def run(self, request: DecodeRequest) -> Decoded:
        key = (request.final, request.language, request.task)
        result: Decoded = self.scheduler.run(self.runtime.decode, key, request)
        return result

    def decode(self, audio: Samples, language: str, task: str, prefix: str = "") -> list[str]:
        """Words of a partial decode of `audio`; `prefix` (committed words) is forced as their start."""
        return self.run(DecodeRequest(audio, language, task, final=False, prefix=prefix)).text.split()

    def close(self) -> None:
        self.scheduler.close()
        self.runtime.close()


class WhisperStream:
    """One session's recognizer: LocalAgreement partials, reference-decoded finals."""

    def __init__(self, engine: WhisperEngine, options: AsrOptions) -> None:
        self.engine = engine
        self.options = options
        self.tuning = engine.tuning
        self._chunks: list[Samples] = []
        self._window = np.zeros(0, dtype=np.float32)
        self._done: list[str] = []
        self._signals: list[SegmentSignals] = []
        self._agreement = HypothesisBuffer()
        self._language: str | None = options.language
        self._given: str | None = None  # the open segment's language from the client (push-to-talk)
        self._decoded_samples = 0
        self._last_decode_s = 0.0

    def set_segment_language(self, language: str) -> None:
        """The open segment is in `language` (conversation push-to-talk): not detected; reset by finalize."""
        if language not in self.engine.languages:
            raise NotFound(f"{self.engine.name} does not recognize language {language!r}")
        self._given = self._language = language

    @property
    def _fixed_language(self) -> str | None:
        return self._given or self.options.language

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

    def _context(self) -> str:
        return with_glossary(self.options.glossary, " ".join(self._done)[-PROMPT_CHARS:])

    def _partial_language(self, audio: Samples) -> str:
        if self._fixed_language is not None:
            return self._fixed_language
        if self._language is None or len(audio) < self.tuning.detect_until_s * SAMPLE_RATE_HZ:
            self._language = self.engine.detect(audio, self.options.candidates)
        return self._language

    def _final_language(self, audio: Samples) -> str | None:
        """The given language; else the one detected on the segment's first window; else detected now
        (among the candidates here, by the decode itself without candidates: None)."""
        if self._fixed_language is not None:
            return self._fixed_language
        if self._done:
            return self._language
        return self.engine.detect(audio, self.options.candidates) if self.options.candidates else None

    def _final(self, audio: Samples) -> Decoded:
        language = self._final_language(audio)
        request = DecodeRequest(audio, language, self.options.task, True, self._context())
        decoded = self.engine.run(request)
        self._language = decoded.language
        self._signals.extend(decoded.signals)
        return decoded

    def _hypothesis(self, tail: list[str]) -> Hypothesis:
        stable = " ".join([*self._done, *self._agreement.committed])
        return Hypothesis(stable, " ".join(tail), self._language or UNKNOWN_LANGUAGE)

    def partial(self) -> Hypothesis:
        audio = self._audio()
        fresh_s = (len(audio) - self._decoded_samples) / SAMPLE_RATE_HZ
        wait_s = max(self.tuning.redecode_s, self.tuning.pace_factor * self._last_decode_s)
        if len(audio) >= self.tuning.min_audio_s * SAMPLE_RATE_HZ and fresh_s >= wait_s:
            started = self.engine.clock()
            language = self._partial_language(audio)
            prefix = " ".join(self._agreement.committed)
            request = DecodeRequest(audio, language, self.options.task, False, self._context(), prefix)
            self._agreement.insert(self.engine.run(request).text.split())
            self._agreement.flush()
            self._decoded_samples = len(audio)
            self._last_decode_s = self.engine.clock() - started
        return self._hypothesis(self._agreement.complete())

    def _cut_index(self, audio: Samples) -> int:
        """The middle of the quietest 100 ms frame in the search range before split_after_s."""
        frame = SAMPLE_RATE_HZ // 10
        end = int(self.tuning.split_after_s * SAMPLE_RATE_HZ)
        start = max(frame, end - int(self.tuning.split_search_s * SAMPLE_RATE_HZ))
        frames = audio[start:end][: (end - start) // frame * frame].reshape(-1, frame)
        quietest = int(np.argmin((frames.astype(np.float64) ** 2).mean(axis=1)))
        return start + quietest * frame + frame // 2

    def _split(self) -> None:
        audio = self._audio()
        cut = self._cut_index(audio)
        text = self._final(audio[:cut]).text
        if text:
            self._done.append(text)
        self._agreement.reset()
        self._window = audio[cut:].copy()
        self._decoded_samples = 0

    def finalize(self) -> Hypothesis:
        audio = self._audio()
        if len(audio) >= self.tuning.min_audio_s * SAMPLE_RATE_HZ:
            text = self._final(audio).text
            if text:
                self._done.append(text)
        text = drop_repeated_sentences(" ".join(self._done))
        final = Hypothesis(text, "", self._language or UNKNOWN_LANGUAGE, tuple(self._signals))
        self._reset()
        return final

    def _reset(self) -> None:
        self._chunks = []
        self._window = np.zeros(0, dtype=np.float32)
        self._done = []
        self._signals = []
        self._agreement.reset()
        self._decoded_samples = 0
        self._language = self.options.language
        self._given = None

    def close(self) -> None:
        self._reset()


def probe() -> str | None:
    return neural_common.probe(("faster_whisper", "ctranslate2"))


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
    stored = neural_common.open_model(context, FAMILY, model)
    placement = neural_common.place(context, stored)
    runtime = open_runtime(stored.path, placement, context.beam_size)
    scheduler = BatchScheduler(neural_common.scheduler_options(context), name=f"whisper-{stored.name}")
    return WhisperEngine(
        name=f"{FAMILY}:{stored.name}",
        description=f"Whisper {stored.name} ({placement.describe()})",
        runtime=runtime,
        scheduler=scheduler,
    )
