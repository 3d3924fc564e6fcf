"""The Pronounce RPC: decode the request, score the reading on a worker thread, encode the result.

The scorer (two PocketSphinx decoders, about 0.5 s to load) is built on the first request and reused.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Executor

from tolk.backend.config import SUPPORTED_SAMPLE_RATES_HZ
from tolk.backend.pronounce import MAX_AUDIO_S, PronunciationScorer
from tolk.common.dsp import pcm16_to_float32, resample
from tolk.common.errors import InvalidArgument, NotFound
from tolk.common.pronunciation import PronunciationResult
from tolk.v1 import interpreter_pb2 as pb

SAMPLE_RATE_HZ = 16_000
LANGUAGES = ("en",)


class PronounceService:
    """Holds the scorer for the servicer's Pronounce calls."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._lock = threading.Lock()
        self._scorer: PronunciationScorer | None = None

    def _get_scorer(self) -> PronunciationScorer:
        with self._lock:
            if self._scorer is None:
                self._scorer = PronunciationScorer()
            return self._scorer

    async def pronounce(self, request: pb.PronounceRequest) -> pb.PronounceResponse:
        language = (request.language.strip().lower() or "en").split("-")[0]
        if language not in LANGUAGES:
            raise NotFound(f"pronunciation scoring is available for English only, not {request.language!r}")
        rate = request.sample_rate_hz or SAMPLE_RATE_HZ
        if rate not in SUPPORTED_SAMPLE_RATES_HZ:
            raise InvalidArgument(f"sample_rate_hz {rate} is not supported")
        if len(request.audio) % 2:
            raise InvalidArgument("audio must be LINEAR16 (an even number of bytes)")
        if len(request.audio) / 2 / rate > MAX_AUDIO_S:
            raise InvalidArgument(f"the recording is longer than {MAX_AUDIO_S:.0f} s")
        samples = pcm16_to_float32(request.audio)
        if rate != SAMPLE_RATE_HZ:
            samples = resample(samples, rate, SAMPLE_RATE_HZ)
        loop = asyncio.get_running_loop()
        scorer = await loop.run_in_executor(self._executor, self._get_scorer)
        result = await loop.run_in_executor(self._executor, scorer.score, request.text, samples)
        return result_to_proto(result)


def result_to_proto(result: PronunciationResult) -> pb.PronounceResponse:
    words = [
        pb.PronouncedWord(
            word=w.word,
            score=w.score,
            status=w.status,
            start_s=w.start_s,
            duration_s=w.duration_s,
            phones=[
                pb.PronouncedPhone(
                    phone=p.phone,
                    start_s=p.start_s,
                    duration_s=p.duration_s,
                    score=p.score,
                    gop=p.gop,
                    heard=p.heard,
                )
                for p in w.phones
            ],
        )
        for w in result.words
    ]
    extra = [
        pb.ExtraSpeech(start_s=e.start_s, duration_s=e.duration_s, phones=e.phones) for e in result.extra
    ]
    return pb.PronounceResponse(text=result.text, score=result.score, words=words, extra=extra)
