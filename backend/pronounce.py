"""Pronunciation scoring: goodness of pronunciation (GOP) per phone with PocketSphinx's bundled en-US model.

Method (after Witt & Young 2000): the target text is force-aligned to the recording, which gives each
expected phone its frames and its acoustic log-likelihood; the same audio is decoded by a free phone loop,
which gives the best log-likelihood any phone sequence reaches over those frames. A phone's GOP is the
difference per frame (<= 0 when the alignment is as good as anything the model can find). Scores map GOP
to 0-100; a word's score is the mean of its phones' scores weighted by their frames.

Words scoring below SUBSTITUTED_BELOW did not sound like the target: `missing` when the phone loop
hears silence over at least half of the word's frames (nothing was said there), else `substituted`
(something else was said); `weak` below WEAK_BELOW; else `ok`. Speech the loop hears where the
alignment placed silence is reported as `extra`.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tolk.common.dsp import float32_to_pcm16
from tolk.common.errors import FailedPrecondition, InvalidArgument
from tolk.common.pronunciation import (
    ExtraSpeech,
    PhoneScore,
    PronunciationResult,
    WordScore,
    WordStatus,
)

MODEL = "en-us"
FRAME_S = 0.01
LOG_BASE = 1.0001
"""PocketSphinx's log base: scores are log_1.0001 of likelihoods, senones normalized to each frame's best."""
SCORE_SCALE = 60.0
"""GOP per frame (log_1.0001 units) at which the score falls to 100/e; fitted on espeak-ng and LibriVox."""
WEAK_BELOW = 60
SUBSTITUTED_BELOW = 40
MISSING_SILENCE_FRACTION = 0.5
EXTRA_MIN_FRAMES = 15
ALIGN_BEAM = 1e-300
"""The alignment must reach the end of the text even when a word was not said: no pruning."""
PHONE_LOOP_LW = 2.0
MAX_TEXT_WORDS = 60
MAX_AUDIO_S = 60.0
SILENCES = {"SIL", "<sil>", "+NSN+", "+SPN+", "+BREATH+", "+NOISE+"}


def _model_root() -> Path:
    try:
        import pocketsphinx
    except ImportError as exc:
        raise FailedPrecondition(f"pocketsphinx is not installed ({exc}); pip install pocketsphinx") from exc
    return Path(pocketsphinx.get_model_path()) / MODEL


def _decoder(**options: Any) -> Any:
    import pocketsphinx

    root = _model_root()
    config = pocketsphinx.Config(
        hmm=str(root / MODEL),
        dict=str(root / "cmudict-en-us.dict"),
        lm=None,
        loglevel="FATAL",
        bestpath=False,
        **options,
    )
    return pocketsphinx.Decoder(config)


def normalize_text(text: str) -> list[str]:
    """The words to align: lower case, letters and apostrophes ("Don't!" -> ["don't"])."""
    words = re.findall(r"[a-z]+(?:'[a-z]+)*", text.lower())
    if not words:
        raise InvalidArgument("the target text has no words to read")
    if len(words) > MAX_TEXT_WORDS:
        raise InvalidArgument(f"the target text has {len(words)} words; practice at most {MAX_TEXT_WORDS}")
    return words


def score_of(gop: float) -> int:
    """GOP per frame -> 0-100."""
    return round(100.0 * math.exp(min(gop, 0.0) / SCORE_SCALE))


class PronunciationScorer:
    """Scores readings of English text; thread-safe (one call at a time per decoder pair)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aligner = _decoder(beam=ALIGN_BEAM, wbeam=ALIGN_BEAM, pbeam=ALIGN_BEAM, lpbeam=ALIGN_BEAM)
        self._loop = _decoder(lw=PHONE_LOOP_LW, beam=1e-60, pbeam=1e-60)
        self._loop.add_allphone_file("phones", str(_model_root() / f"{MODEL}-phone.lm.bin"))
        self._loop.activate_search("phones")

    def unknown_words(self, words: Sequence[str]) -> list[str]:
        return [w for w in dict.fromkeys(words) if self._aligner.lookup_word(w) is None]

    def add_word(self, word: str, phones: str) -> None:
        """Adds a pronunciation ("metformin", "M EH T F AO R M IH N") for text the dictionary lacks."""
        with self._lock:
            self._aligner.add_word(word.lower(), phones.upper(), True)

    def score(self, text: str, samples: np.ndarray) -> PronunciationResult:
        """Scores 16 kHz mono float32 `samples` as a reading of `text`."""
        words = normalize_text(text)
        unknown = self.unknown_words(words)
        if unknown:
            raise InvalidArgument(f"no pronunciation known for: {', '.join(unknown)}")
        if samples.ndim != 1 or len(samples) < 1600:
            raise InvalidArgument("the recording must be mono and at least 0.1 s long")
        if len(samples) / 16_000 > MAX_AUDIO_S:
            raise InvalidArgument(f"the recording is longer than {MAX_AUDIO_S:.0f} s")
        pcm = float32_to_pcm16(samples.astype(np.float32, copy=False))
        with self._lock:
            alignment = self._align(" ".join(words), pcm)
            loop = self._phone_loop(pcm)
        return _assemble(" ".join(words), alignment, loop)

    def _align(self, text: str, pcm: bytes) -> list[tuple[str, list[tuple[str, int, int, int]]]]:
        decoder = self._aligner
        decoder.set_align_text(text)
        _decode(decoder, pcm)
        try:
            decoder.set_alignment()
        except RuntimeError as exc:
            raise InvalidArgument("the recording could not be aligned to the text (is it speech?)") from exc
        _decode(decoder, pcm)
        return [
            (str(w.name), [(str(p.name), int(p.start), int(p.duration), int(p.score)) for p in w])
            for w in decoder.get_alignment()
        ]

    def _phone_loop(self, pcm: bytes) -> list[tuple[str, int, int, float]]:
        """(phone, first frame, last frame, acoustic score in log_1.0001 units) of the free decode."""
        _decode(self._loop, pcm)
        ln_base = math.log(LOG_BASE)
        # the Python binding hands the segment's acoustic score back as a probability
        return [
            (str(s.word), int(s.start_frame), int(s.end_frame), math.log(max(s.ascore, 1e-300)) / ln_base)
            for s in self._loop.seg()
        ]


def _decode(decoder: Any, pcm: bytes) -> None:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    try:
        decoder.end_utt()
    except RuntimeError as exc:
        raise InvalidArgument("the recording could not be aligned to the text (is it speech?)") from exc


def _loop_frames(loop: list[tuple[str, int, int, float]]) -> tuple[np.ndarray, list[str]]:
    """Per-frame free-loop score (each segment's score spread evenly) and the phone heard in each frame."""
    n = max((end for _, _, end, _ in loop), default=-1) + 1
    scores = np.zeros(n)
    heard = ["SIL"] * n
    for phone, start, end, ascore in loop:
        scores[start : end + 1] = ascore / (end - start + 1)
        heard[start : end + 1] = [phone] * (end - start + 1)
    return scores, heard


def _phone(
    name: str, start: int, duration: int, ascore: int, free: np.ndarray, heard: list[str]
) -> PhoneScore:
    frames = slice(start, start + duration)
    gop = min(0.0, (ascore - float(free[frames].sum())) / max(duration, 1))
    window = heard[frames] or ["SIL"]
    common = max(set(window), key=window.count)
    return PhoneScore(name, start * FRAME_S, duration * FRAME_S, score_of(gop), round(gop, 1), common)


def _word(name: str, phones: list[PhoneScore], heard: list[str], start: int, duration: int) -> WordScore:
    frames = sum(p.duration_s for p in phones) or 1.0
    score = round(sum(p.score * p.duration_s for p in phones) / frames)
    window = heard[start : start + duration]
    silent = sum(h in SILENCES for h in window) / max(len(window), 1)
    status: WordStatus = "ok"
    if score < SUBSTITUTED_BELOW:
        status = "missing" if silent >= MISSING_SILENCE_FRACTION else "substituted"
    elif score < WEAK_BELOW:
        status = "weak"
    return WordScore(
        re.sub(r"\(\d+\)$", "", name), score, status, start * FRAME_S, duration * FRAME_S, tuple(phones)
    )


def _assemble(
    text: str,
    alignment: list[tuple[str, list[tuple[str, int, int, int]]]],
    loop: list[tuple[str, int, int, float]],
) -> PronunciationResult:
    free, heard = _loop_frames(loop)
    words: list[WordScore] = []
    extra: list[ExtraSpeech] = []
    for name, phones in alignment:
        start, duration = phones[0][1], sum(p[2] for p in phones)
        if name in SILENCES or name.startswith("<") or name.startswith("+"):
            extra.extend(_extra(heard, start, duration))
            continue
        scored = [_phone(p, s, d, a, free, heard) for p, s, d, a in phones]
        words.append(_word(name, scored, heard, start, duration))
    total = sum(w.duration_s for w in words) or 1.0
    overall = round(sum(w.score * w.duration_s for w in words) / total)
    return PronunciationResult(text, overall, tuple(words), tuple(extra))


def _extra(heard: list[str], start: int, duration: int) -> list[ExtraSpeech]:
    """Runs of non-silence phones of at least EXTRA_MIN_FRAMES inside an aligned silence."""
    found: list[ExtraSpeech] = []
    run: list[int] = []
    for frame in [*range(start, start + duration), -1]:
        speech = frame >= 0 and frame < len(heard) and heard[frame] not in SILENCES
        if speech:
            run.append(frame)
            continue
        if len(run) >= EXTRA_MIN_FRAMES:
            phones = tuple(dict.fromkeys(heard[f] for f in run))
            found.append(ExtraSpeech(run[0] * FRAME_S, len(run) * FRAME_S, phones))
        run = []
    return found
