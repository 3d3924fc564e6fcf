"""Pronounce RPC messages <-> app/core/pronunciation dataclasses."""

from __future__ import annotations

from tolk.app.core.pronunciation import Extra, Phone, Pronunciation, Word
from tolk.v1 import interpreter_pb2 as pb


def pronunciation_from_proto(response: pb.PronounceResponse) -> Pronunciation:
    words = tuple(
        Word(
            word=w.word,
            score=w.score,
            status=w.status,
            start_s=round(w.start_s, 3),
            duration_s=round(w.duration_s, 3),
            phones=tuple(
                Phone(p.phone, p.score, round(p.start_s, 3), round(p.duration_s, 3), round(p.gop, 1), p.heard)
                for p in w.phones
            ),
        )
        for w in response.words
    )
    extra = tuple(Extra(round(e.start_s, 3), round(e.duration_s, 3), tuple(e.phones)) for e in response.extra)
    return Pronunciation(text=response.text, score=response.score, words=words, extra=extra)
