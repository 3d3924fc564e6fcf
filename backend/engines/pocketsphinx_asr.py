"""English speech recognition with CMU PocketSphinx and the model bundled in its PyPI wheel (no download).

A decoder loads the acoustic model, dictionary and language model (about 0.3 s and 40 MB each), so the
engine keeps a thread-safe pool of decoders: a stream borrows one and gives it back on close().
Each borrowed decoder starts from the model's initial cepstral mean, so a session never depends on what
an earlier session said; within a session the mean keeps adapting from segment to segment.

Stability: PocketSphinx has no notion of stable words, and its final pass (fwdflat + bestpath rescoring
at end_utt) can rewrite any word of the last partial ("at mr john dashwood" -> "and mr john s. would").
Committing a prefix that merely stayed the same for a few partials would break the contract that stable
text never changes, so partials are all unstable and the final is all stable.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from tolk.backend.engines.base import AsrOptions, AsrStream, Hypothesis
from tolk.backend.engines.registry import EngineContext, EngineInfo
from tolk.common.dsp import Samples, float32_to_pcm16
from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound
from tolk.common.glossary import Glossary

NAME = "pocketsphinx"
MODEL = "en-us"
LANGUAGE = "en"
MAX_IDLE_DECODERS = 64
"""Decoders kept for reuse (twice the default max_sessions). The pool never holds more than the peak
number of concurrent streams, so up to this cap keeping them costs no memory beyond that peak, and a burst
of new streams does not pay 0.3 s per decoder again or fragment the heap by freeing and rebuilding models."""
BUILD_PAUSE_S = 0.05
"""After each decoder build the builder keeps the build lock this long without the GIL: a build holds the
GIL for its whole ~0.7 s (measured: a thread counting alongside gets no turn), so back-to-back builds for a
burst of new streams would freeze the event loop; the pause lets it accept calls and pump running streams."""
DESCRIPTION = "CMU PocketSphinx 5 en-us (bundled continuous HMM + 3-gram LM), CPU"


def probe() -> str | None:
    """None when the pocketsphinx package and its bundled English model are present."""
    try:
        _model_paths()
    except FailedPrecondition as exc:
        return str(exc)
    return None


def describe(context: EngineContext) -> list[EngineInfo]:
    return [EngineInfo(NAME, "asr", languages=(LANGUAGE,), description=DESCRIPTION)]


def load(model: str | None, context: EngineContext) -> PocketsphinxEngine:
    if model not in (None, MODEL):
        raise NotFound(f"pocketsphinx has no model {model!r} (bundled: {MODEL})")
    return PocketsphinxEngine()


def _model_paths() -> dict[str, Path]:
    try:
        import pocketsphinx
    except ImportError as exc:
        raise FailedPrecondition(f"pocketsphinx is not installed ({exc}); pip install pocketsphinx") from exc
    root = Path(pocketsphinx.get_model_path()) / MODEL
    paths = {"hmm": root / MODEL, "lm": root / f"{MODEL}.lm.bin", "dict": root / "cmudict-en-us.dict"}
    missing = [str(path) for path in paths.values() if not path.exists()]
    if missing:
        raise FailedPrecondition(f"pocketsphinx model files missing: {', '.join(missing)}")
    return paths


def new_decoder() -> Any:
    """A decoder with the bundled English model and quiet logging (its INFO log would print transcripts)."""
    import pocketsphinx

    paths = _model_paths()
    config = pocketsphinx.Config(loglevel="FATAL", **{key: str(path) for key, path in paths.items()})
    return pocketsphinx.Decoder(config)


def base_language(code: str) -> str:
    """ "en-US" / "en_us" / "EN" -> "en"."""
    return code.strip().lower().replace("_", "-").split("-")[0]


def to_pcm16(samples: Samples) -> bytes:
    """16 kHz mono float32 in [-1, 1] -> little-endian int16 bytes (exact inverse of int16 / 32768)."""
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim != 1:
        raise InvalidArgument(f"audio must be mono (1-D samples), got shape {array.shape}")
    return float32_to_pcm16(array)


def add_glossary_words(decoder: Any, glossary: Glossary | None) -> bool:
    """Adds the glossary's one-word terms that carry a pronunciation to the dictionary and the LM.

    Returns whether any word was added (the decoder then differs from the pool's and is not reused).
    """
    words = [
        (term.source.lower(), term.pronunciation.upper())
        for term in (glossary.terms if glossary else ())
        if term.pronunciation and len(term.source.split()) == 1
    ]
    for word, phones in words:
        try:
            decoder.add_word(word, phones, True)
        except (RuntimeError, ValueError) as exc:
            raise InvalidArgument(f"glossary pronunciation {phones!r} of {word!r} is invalid: {exc}") from exc
    return bool(words)


class DecoderPool:
    """Thread-safe free list of decoders; each one handed out is reset to the model's initial CMN."""

    def __init__(self, max_idle: int = MAX_IDLE_DECODERS) -> None:
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        first = new_decoder()
        self._initial_cmn: str = first.get_cmn()
        self._idle: list[Any] = [first]
        self._closed = False
        self.created = 1

    def acquire(self) -> Any:
        with self._lock:
            decoder = self._idle.pop() if self._idle else None
            if decoder is None:
                self.created += 1
        if decoder is None:
            decoder = self._build()
        decoder.set_cmn(self._initial_cmn)
        return decoder

    def _build(self) -> Any:
        """One build at a time, each followed by a pause in which other threads run (see BUILD_PAUSE_S)."""
        with self._build_lock:
            decoder = new_decoder()
            time.sleep(BUILD_PAUSE_S)
        return decoder

    def release(self, decoder: Any) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(decoder)

    @property
    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._idle.clear()


class PocketsphinxStream:
    """One session's recognizer: an utterance starts with the first audio and ends at finalize()."""

    def __init__(self, pool: DecoderPool, glossary: Glossary | None = None) -> None:
        self._pool = pool
        self._decoder: Any = pool.acquire()
        self._in_utterance = False
        self._dedicated = add_glossary_words(self._decoder, glossary)

    def accept(self, samples: Samples) -> None:
        decoder = self._open_decoder()
        pcm = to_pcm16(samples)
        if not pcm:
            return
        if not self._in_utterance:
            decoder.start_utt()
            self._in_utterance = True
        decoder.process_raw(pcm, False, False)

    def partial(self) -> Hypothesis:
        text = self._hypothesis_text() if self._in_utterance else ""
        return Hypothesis(stable="", unstable=text, language=LANGUAGE)

    def finalize(self) -> Hypothesis:
        decoder = self._open_decoder()
        if not self._in_utterance:
            return Hypothesis(stable="", unstable="", language=LANGUAGE)
        self._in_utterance = False
        decoder.end_utt()
        return Hypothesis(stable=self._hypothesis_text(), unstable="", language=LANGUAGE)

    def close(self) -> None:
        decoder, self._decoder = self._decoder, None
        if decoder is None:
            return
        if self._in_utterance:
            self._in_utterance = False
            try:
                decoder.end_utt()
            except RuntimeError:
                return  # a decoder in a bad state is dropped, not reused
        if not self._dedicated:  # a decoder with a session's glossary words is not shared
            self._pool.release(decoder)

    def _open_decoder(self) -> Any:
        if self._decoder is None:
            raise FailedPrecondition("the recognition stream is closed")
        return self._decoder

    def _hypothesis_text(self) -> str:
        hyp = self._open_decoder().hyp()
        return str(hyp.hypstr).strip() if hyp is not None else ""


class PocketsphinxEngine:
    """English recognizer; open_stream() is cheap once a pooled decoder is free."""

    def __init__(self, max_idle: int = MAX_IDLE_DECODERS) -> None:
        self._pool = DecoderPool(max_idle)

    @property
    def name(self) -> str:
        return NAME

    @property
    def description(self) -> str:
        return DESCRIPTION

    @property
    def languages(self) -> tuple[str, ...]:
        return (LANGUAGE,)

    @property
    def pool(self) -> DecoderPool:
        return self._pool

    def open_stream(self, options: AsrOptions) -> AsrStream:
        """English only; task "translate" is accepted because English speech is already English."""
        if options.language is not None and base_language(options.language) != LANGUAGE:
            raise NotFound(f"pocketsphinx recognizes English only, not {options.language!r}")
        return PocketsphinxStream(self._pool, options.glossary)

    def close(self) -> None:
        self._pool.close()
