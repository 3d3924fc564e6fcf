"""When spoken translations play: one at a time, never late by more than a few seconds, and never heard
by Tolk's own microphone as speech to translate. Plain policy, no audio, no Qt, no clock of its own.

Times are seconds on one timeline (the conversation's audio time, or a wall clock): a translation is
*due* when its segment's speech ended. `schedule` places it at the later of its due time and the end of
the previous utterance (speech never overlaps itself) and skips it when that start is more than
`max_lag_s` after its due time. The intervals when Tolk speaks are kept so that a microphone segment
overlapping one of them is ignored (`overlaps_speech`): the mute-while-speaking rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_LAG_S = 4.0
MUTE_MARGIN_S = 0.3
"""Extra time around an utterance during which the microphone still counts as muted (room echo)."""


@dataclass(frozen=True)
class Utterance:
    """A spoken translation placed on the timeline.

    Attributes:
        text: what is said.
        language: ISO 639-1 code of the voice.
        start_s / end_s: when it plays.
        channel: capture channel it translates ("me", "them", or "").
    """

    text: str
    language: str
    start_s: float
    end_s: float
    channel: str = ""


@dataclass
class SpeechQueue:
    """Schedules utterances back to back and remembers when Tolk was speaking.

    Attributes:
        max_lag_s: an utterance that would start more than this after it was due is skipped.
        skipped: how many utterances were skipped for lag.
    """

    max_lag_s: float = DEFAULT_MAX_LAG_S
    skipped: int = 0
    _busy_until_s: float = field(default=float("-inf"), init=False)
    _spoken: list[Utterance] = field(default_factory=list, init=False)

    def schedule(
        self, text: str, language: str, due_s: float, duration_s: float, channel: str = ""
    ) -> Utterance | None:
        """The utterance's place on the timeline, or None when it is skipped (too late, or empty)."""
        if not text.strip() or duration_s <= 0:
            return None
        start_s = max(due_s, self._busy_until_s)
        if start_s - due_s > self.max_lag_s:
            self.skipped += 1
            return None
        utterance = Utterance(text, language, start_s, start_s + duration_s, channel)
        self._busy_until_s = utterance.end_s
        self._spoken.append(utterance)
        return utterance

    @property
    def spoken(self) -> list[Utterance]:
        return list(self._spoken)

    def speaking_at(self, t_s: float) -> bool:
        return any(u.start_s - MUTE_MARGIN_S <= t_s <= u.end_s + MUTE_MARGIN_S for u in self._spoken)

    def overlaps_speech(self, start_s: float, end_s: float) -> bool:
        """True when microphone audio from start_s to end_s overlaps Tolk's own speech (ignore it)."""
        return any(
            start_s <= u.end_s + MUTE_MARGIN_S and end_s >= u.start_s - MUTE_MARGIN_S for u in self._spoken
        )
