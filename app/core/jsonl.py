"""JSON Lines encoding of session events: one object per event, stable field names.

Every object has `type` (started|partial|final|translation|connection), `segment`, `lang`, `text`,
`audio_start_s`, `audio_end_s` and `wall_s` (null where not applicable). Translations carry the audio
times of their segment (remembered from its partials/final), plus `source_lang` and `is_final`;
partials add `stable` and `unstable`.
"""

from __future__ import annotations

import json
from typing import Any, assert_never

from tolk.app.core.events import ConnectionState, Final, Partial, SessionEvent, Started, Translation

TIME_DECIMALS = 3


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, TIME_DECIMALS)


class JsonlEncoder:
    """Turns events into JSON lines; keeps each segment's audio times for its translations."""

    def __init__(self) -> None:
        self._times: dict[int, tuple[float, float]] = {}

    def to_dict(self, event: SessionEvent) -> dict[str, Any]:
        if isinstance(event, Started):
            return self._record("started", None, "", "", None, event.wall_s) | {
                "asr_engine": event.asr_engine,
                "mt_engine": event.mt_engine,
            }
        if isinstance(event, ConnectionState):
            return self._record("connection", None, "", event.detail, None, event.wall_s) | {
                "status": event.status,
                "attempt": event.attempt,
            }
        if isinstance(event, Partial | Final):
            times = (event.audio_start_s, event.audio_end_s)
            self._times[event.segment_id] = times
            kind = "partial" if isinstance(event, Partial) else "final"
            record = self._record(kind, event.segment_id, event.language, event.text, times, event.wall_s)
            if isinstance(event, Partial):
                record |= {"stable": event.stable, "unstable": event.unstable}
            return record
        if not isinstance(event, Translation):
            assert_never(event)
        times_or_none = self._times.get(event.segment_id)
        record = self._record(
            "translation", event.segment_id, event.target_language, event.text, times_or_none, event.wall_s
        )
        return record | {"source_lang": event.source_language, "is_final": event.is_final}

    @staticmethod
    def _record(
        kind: str,
        segment: int | None,
        lang: str,
        text: str,
        times: tuple[float, float] | None,
        wall_s: float | None,
    ) -> dict[str, Any]:
        start, end = times if times is not None else (None, None)
        return {
            "type": kind,
            "segment": segment,
            "lang": lang,
            "text": text,
            "audio_start_s": _round(start),
            "audio_end_s": _round(end),
            "wall_s": _round(wall_s),
        }

    def encode(self, event: SessionEvent) -> str:
        """One line of JSON (no trailing newline), UTF-8 text kept readable."""
        return json.dumps(self.to_dict(event), ensure_ascii=False)
