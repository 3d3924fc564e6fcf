"""What a reconnecting session must send again: the audio of segments whose captions are not complete.

Pure bookkeeping, no I/O. Items are appended as they are handed to a stream. `complete_until(end_s)`
drops everything that a finished segment (final + every translation) covered. `replay()` returns what
is left, so a new stream can start from the first unfinished segment:

- CLIENT_VAD: whole client segments, from their start Boundary (an open one up to its latest chunk).
- SERVER_VAD: the continuous audio after the last finished segment's end.

The buffer is bounded by `max_s` of audio: past it the oldest audio is dropped (its caption is lost).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tolk.app.transport.events import AudioChunk, Boundary, Outgoing

TIME_TOLERANCE_S = 0.005


@dataclass
class _Run:
    """One client segment (CLIENT_VAD) or a stretch of continuous audio (SERVER_VAD)."""

    start_s: float
    items: list[Outgoing] = field(default_factory=list)
    end_s: float | None = None
    audio_s: float = 0.0


class ReplayBuffer:
    def __init__(self, sample_rate_hz: int, client_vad: bool, max_s: float) -> None:
        self._rate = sample_rate_hz
        self._client_vad = client_vad
        self._max_s = max_s
        self._runs: deque[_Run] = deque()
        self._position_s = 0.0
        self._buffered_s = 0.0
        self.dropped_s = 0.0
        """Audio dropped because the buffer was full."""

    @property
    def position_s(self) -> float:
        """Conversation time just after the latest item appended."""
        return self._position_s

    @property
    def buffered_s(self) -> float:
        """Seconds of audio held."""
        return self._buffered_s

    def append(self, item: Outgoing) -> None:
        if isinstance(item, Boundary):
            self._append_boundary(item)
        else:
            self._append_audio(item)
        self._bound()

    def _append_boundary(self, item: Boundary) -> None:
        self._position_s = max(self._position_s, item.t_s)
        if not self._client_vad:
            return
        if item.kind == "start":
            self._runs.append(_Run(item.t_s, [item]))
        elif self._runs and self._runs[-1].end_s is None:
            self._runs[-1].items.append(item)
            self._runs[-1].end_s = item.t_s

    def _append_audio(self, item: AudioChunk) -> None:
        duration_s = item.duration_s(self._rate)
        self._position_s = max(self._position_s, item.t_s + duration_s)
        if self._client_vad:
            if not self._runs or self._runs[-1].end_s is not None:
                return  # audio outside speech: the server ignores it too
            run = self._runs[-1]
        else:
            run = _Run(item.t_s, end_s=item.t_s + duration_s)
            self._runs.append(run)
        run.items.append(item)
        run.audio_s += duration_s
        self._buffered_s += duration_s

    def _bound(self) -> None:
        while len(self._runs) > 1 and self._buffered_s > self._max_s:
            self._forget_oldest(dropped=True)

    def _forget_oldest(self, dropped: bool) -> None:
        run = self._runs.popleft()
        self._buffered_s -= run.audio_s
        if dropped:
            self.dropped_s += run.audio_s

    def complete_until(self, end_s: float) -> None:
        """Forgets what ended by `end_s` (the audio end of a segment whose captions are complete).

        A server that cuts a stream (maximum duration, draining) finalizes the open segment early; the
        part of a client segment after the cut stays, re-opened by a fresh start Boundary.
        """
        while self._runs:
            run = self._runs[0]
            if run.end_s is not None and run.end_s <= end_s + TIME_TOLERANCE_S:
                self._forget_oldest(dropped=False)
                continue
            if self._client_vad and run.start_s < end_s - TIME_TOLERANCE_S:
                self._trim(run, end_s)
            break

    def _trim(self, run: _Run, end_s: float) -> None:
        kept = [
            item
            for item in run.items
            if isinstance(item, AudioChunk)
            and item.t_s + item.duration_s(self._rate) > end_s + TIME_TOLERANCE_S
        ]
        if not kept and run.end_s is not None:
            self._forget_oldest(dropped=False)
            return
        audio_s = sum(chunk.duration_s(self._rate) for chunk in kept if isinstance(chunk, AudioChunk))
        self._buffered_s -= run.audio_s - audio_s
        run.audio_s = audio_s
        run.start_s = kept[0].t_s if kept else end_s
        closing: list[Outgoing] = [Boundary("end", run.end_s)] if run.end_s is not None else []
        opening = run.items[0]
        language = opening.language if isinstance(opening, Boundary) else ""
        run.items = [Boundary("start", run.start_s, language), *kept, *closing]

    def replay(self) -> tuple[float, list[Outgoing]]:
        """(origin of the new stream's timeline, items to send again first)."""
        if not self._runs:
            return self._position_s, []
        return self._runs[0].start_s, [item for run in self._runs for item in run.items]
