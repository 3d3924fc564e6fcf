"""The live captions view: finals solid, the open partial dimmed and rewritten in place, translations beneath.

The view renders a `CaptionModel` incrementally. Segments whose final and every final translation have
arrived are "committed": appended once to the document and never touched again. The rest (the open
partial, finals still waiting for translations) form the tail, which is re-rendered in place. Rendering
happens at most REFRESH_HZ times a second, however fast events arrive. Auto-scroll follows new text only
while the scroll bar is at the bottom, so scrolling up to read pauses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from tolk.app.core.captions import CaptionModel, Segment

REFRESH_HZ = 20
BOTTOM_SLACK_PX = 8
ORIGINAL_COLOR = "#f2f2f2"
PARTIAL_COLOR = "#8a8f98"
TRANSLATION_COLOR = "#7cc4ff"
BACKGROUND_COLOR = "#1e2127"


class CaptionsView(QTextEdit):
    """Read-only rich text view of a caption model; call `mark_dirty()` after applying events."""

    def __init__(
        self, model: CaptionModel, targets: Sequence[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setObjectName("captions")
        self.setStyleSheet(f"QTextEdit#captions {{ background: {BACKGROUND_COLOR}; border: none; }}")
        font = self.font()
        font.setPointSize(max(font.pointSize(), 13))
        self.setFont(font)
        self._model = model
        self._targets = tuple(targets)
        self._committed: set[int] = set()
        self._tail_start = 0
        self._dirty = False
        self.renders = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // REFRESH_HZ)
        self._timer.timeout.connect(self._render)
        self._timer.start()

    def set_targets(self, targets: Sequence[str]) -> None:
        self._targets = tuple(targets)
        self.mark_dirty()

    def mark_dirty(self) -> None:
        self._dirty = True

    def clear_captions(self) -> None:
        self._committed.clear()
        self._tail_start = 0
        self.clear()
        self._dirty = False

    def flush(self) -> None:
        """Renders pending changes now (tests, export, shutdown)."""
        self._render()

    def _is_complete(self, segment: Segment) -> bool:
        return segment.is_final and all(t in segment.final_translations for t in self._targets)

    def _render(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.renders += 1
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - BOTTOM_SLACK_PX
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._tail_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        pending = [s for s in self._model.segments if s.segment_id not in self._committed]
        tail: list[Segment] = []
        for segment in pending:
            if not tail and self._is_complete(segment):
                self._write_segment(cursor, segment)
                self._committed.add(segment.segment_id)
            else:
                tail.append(segment)
        self._tail_start = cursor.position()
        for segment in tail:
            self._write_segment(cursor, segment)
        if at_bottom:
            bar.setValue(bar.maximum())

    def _write_segment(self, cursor: QTextCursor, segment: Segment) -> None:
        text = segment.text.strip()
        if not text and not segment.translations:
            return
        block = QTextBlockFormat()
        block.setTopMargin(10)
        if cursor.position() == 0:
            cursor.setBlockFormat(block)  # the document's first, empty block
        else:
            cursor.insertBlock(block)
        who = f"[{segment.channel}] " if segment.channel else ""  # capture channel (me/them)
        cursor.insertText(who + (text or "…"), _char_format(segment.is_final, translation=False))
        for language in self._languages(segment):
            final = language in segment.final_translations
            line = QTextBlockFormat()
            line.setLeftMargin(18)
            cursor.insertBlock(line)
            cursor.insertText(f"{language}  ", _char_format(final, translation=True, tag=True))
            cursor.insertText(segment.translations[language], _char_format(final, translation=True))

    def _languages(self, segment: Segment) -> list[str]:
        ordered = [t for t in self._targets if t in segment.translations]
        return ordered + [t for t in segment.translations if t not in ordered]


def _char_format(final: bool, *, translation: bool, tag: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    color = TRANSLATION_COLOR if translation else ORIGINAL_COLOR
    fmt.setForeground(QColor(color if final else PARTIAL_COLOR))
    fmt.setFontItalic(not final)
    if tag:
        fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontPointSize(9)
    return fmt
