"""The caption model: folds a session's events into ordered segments.

Each segment holds the latest partial text until its final arrives, then the final text, plus one
translation per target language (a provisional one may be replaced by the final one, never the other way
round). Used by the CLI's text output, the exporters and the desktop app's caption view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import assert_never

from tolk.app.core.events import ConnectionState, Final, Partial, SessionEvent, Started, Translation


@dataclass
class Segment:
    """One utterance of the conversation.

    Attributes:
        segment_id: id given by the server (unique across reconnects).
        language: language of the speech (given or detected).
        audio_start_s: start of the speech on the conversation timeline.
        audio_end_s: end of the speech (grows while partials arrive).
        stable: committed part of the latest partial.
        unstable: tail of the latest partial that may still change.
        final: the finished transcript, or None while the segment is open.
        translations: target language -> text (final translations replace provisional ones).
        final_translations: target languages whose translation is final.
    """

    segment_id: int
    language: str = ""
    audio_start_s: float = 0.0
    audio_end_s: float = 0.0
    stable: str = ""
    unstable: str = ""
    final: str | None = None
    translations: dict[str, str] = field(default_factory=dict)
    final_translations: set[str] = field(default_factory=set)

    @property
    def is_final(self) -> bool:
        return self.final is not None

    @property
    def text(self) -> str:
        """The final text, or the latest partial hypothesis."""
        if self.final is not None:
            return self.final
        return " ".join(part for part in (self.stable, self.unstable) if part)


class CaptionModel:
    """Ordered segments built from events; `apply` returns the segment an event changed, if any."""

    def __init__(self) -> None:
        self._segments: dict[int, Segment] = {}
        self.asr_engine = ""
        self.mt_engine = ""
        self.connection: ConnectionState | None = None

    def apply(self, event: SessionEvent) -> Segment | None:
        if isinstance(event, Started):
            self.asr_engine, self.mt_engine = event.asr_engine, event.mt_engine
            return None
        if isinstance(event, ConnectionState):
            self.connection = event
            return None
        if isinstance(event, Partial):
            return self._apply_partial(event)
        if isinstance(event, Final):
            return self._apply_final(event)
        if isinstance(event, Translation):
            return self._apply_translation(event)
        assert_never(event)

    def _segment(self, segment_id: int) -> Segment:
        segment = self._segments.get(segment_id)
        if segment is None:
            segment = self._segments[segment_id] = Segment(segment_id)
        return segment

    def _apply_partial(self, event: Partial) -> Segment | None:
        segment = self._segment(event.segment_id)
        if segment.is_final:
            return None  # a late partial never overrides the final
        segment.stable, segment.unstable = event.stable, event.unstable
        segment.language = event.language
        segment.audio_start_s, segment.audio_end_s = event.audio_start_s, event.audio_end_s
        return segment

    def _apply_final(self, event: Final) -> Segment:
        segment = self._segment(event.segment_id)
        segment.final, segment.stable, segment.unstable = event.text, event.text, ""
        segment.language = event.language
        segment.audio_start_s, segment.audio_end_s = event.audio_start_s, event.audio_end_s
        return segment

    def _apply_translation(self, event: Translation) -> Segment | None:
        segment = self._segment(event.segment_id)
        lang = event.target_language
        if lang in segment.final_translations and not event.is_final:
            return None
        segment.translations[lang] = event.text
        if event.is_final:
            segment.final_translations.add(lang)
        return segment

    @property
    def segments(self) -> list[Segment]:
        """All segments in id order."""
        return [self._segments[key] for key in sorted(self._segments)]

    @property
    def finals(self) -> list[Segment]:
        """Finished segments in id order."""
        return [segment for segment in self.segments if segment.is_final]

    def get(self, segment_id: int) -> Segment | None:
        return self._segments.get(segment_id)

    def clear(self) -> None:
        self._segments.clear()
