"""Pronounce RPC messages <-> tolk.common.pronunciation dataclasses."""

from __future__ import annotations

from tolk.common.pronunciation import ExtraSpeech, PhoneScore, PronunciationResult, WordScore, word_status
from tolk.v1 import interpreter_pb2 as pb


def pronunciation_from_proto(response: pb.PronounceResponse) -> PronunciationResult:
    """The response as dataclasses; ValueError for a word status this client does not know."""
    words = tuple(
        WordScore(
            word=w.word,
            score=w.score,
            status=word_status(w.status),
            start_s=round(w.start_s, 3),
            duration_s=round(w.duration_s, 3),
            phones=tuple(
                PhoneScore(
                    phone=p.phone,
                    start_s=round(p.start_s, 3),
                    duration_s=round(p.duration_s, 3),
                    score=p.score,
                    gop=round(p.gop, 1),
                    heard=p.heard,
                )
                for p in w.phones
            ),
        )
        for w in response.words
    )
    extra = tuple(
        ExtraSpeech(round(e.start_s, 3), round(e.duration_s, 3), tuple(e.phones)) for e in response.extra
    )
    return PronunciationResult(text=response.text, score=response.score, words=words, extra=extra)
