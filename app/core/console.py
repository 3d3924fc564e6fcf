"""Live captions on a terminal: finals and translations on their own lines, the partial in place.

On a TTY the open segment's partial is redrawn in place on the last line (cut to the terminal width);
finals and translations are printed above it. Elsewhere (a pipe, a file) only finals and translations
are written. Segments whose final is empty (noise, no words) print nothing.
"""

from __future__ import annotations

from typing import TextIO, assert_never

from tolk.app.core.captions import CaptionModel
from tolk.app.core.events import ConnectionState, Final, Partial, SessionEvent, Started, Translation

CLEAR_LINE = "\r\x1b[K"


def format_clock(seconds: float) -> str:
    """`M:SS.s` (or `H:MM:SS.s` past an hour) for caption prefixes."""
    tenths = max(0, round(seconds * 10))
    minutes, rest = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    secs = f"{rest // 10:02d}.{rest % 10}"
    return f"{hours}:{minutes:02d}:{secs}" if hours else f"{minutes}:{secs}"


class ConsoleCaptions:
    """Writes a session's events to `out`; `interactive` enables the in-place partial line."""

    def __init__(self, out: TextIO, interactive: bool, width: int = 100) -> None:
        self._out = out
        self._interactive = interactive
        self._width = max(20, width)
        self.model = CaptionModel()
        self._live = ""  # the partial line currently shown
        self._silent: set[int] = set()  # segments whose final was empty

    def show(self, event: SessionEvent) -> None:
        self.model.apply(event)
        if isinstance(event, Started | ConnectionState):
            return
        if isinstance(event, Partial):
            self._show_partial(event)
        elif isinstance(event, Final):
            self._show_final(event)
        elif isinstance(event, Translation):
            self._show_translation(event)
        else:
            assert_never(event)
        self._out.flush()

    def _show_partial(self, event: Partial) -> None:
        if not self._interactive or not event.text:
            return
        line = f"{format_clock(event.audio_start_s)} … {event.text}"
        if len(line) > self._width - 1:
            line = "…" + line[-(self._width - 2) :]
        self._live = line
        self._out.write(CLEAR_LINE + line)

    def _above(self, line: str) -> None:
        """Prints `line` above the live partial (which is redrawn)."""
        if self._interactive and self._live:
            self._out.write(CLEAR_LINE)
        self._out.write(line + "\n")
        if self._interactive and self._live:
            self._out.write(self._live)

    def _show_final(self, event: Final) -> None:
        self._live = ""
        if self._interactive:
            self._out.write(CLEAR_LINE)
        if not event.text.strip():
            self._silent.add(event.segment_id)
            return
        self._above(f"{format_clock(event.audio_start_s)}  {event.text}")

    def _show_translation(self, event: Translation) -> None:
        if not event.is_final or event.segment_id in self._silent or not event.text.strip():
            return
        self._above(f"{' ' * 6}{event.target_language}: {event.text}")

    def close(self) -> None:
        """Clears a partial left on the live line."""
        if self._interactive and self._live:
            self._out.write(CLEAR_LINE)
            self._out.flush()
        self._live = ""
