"""The subtitle overlay: a frameless, translucent, always-on-top window with the latest lines.

It shows the last 1-3 wrapped lines of one language (a translation or the original speech), drawn as
filled text with a dark outline over a translucent box, so it stays readable over any picture and from
the back of a room. Drag it anywhere, resize it from the bottom-right grip; with click-through on, the
mouse passes to the window beneath (turn it off from the main window to move it again).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizeGrip, QWidget

from tolk.app.core.captions import Segment
from tolk.app.ui.settings import ORIGINAL, OverlayLook

REFRESH_HZ = 20
PADDING_PX = 24
RECENT_SEGMENTS = 4
DEFAULT_SIZE = (1000, 170)


def segment_text(segment: Segment, language: str) -> str:
    """The segment's text in `language` (ORIGINAL = what was said), or "" when there is none yet."""
    text = segment.text.strip() if language == ORIGINAL else segment.translations.get(language, "").strip()
    return f"{segment.channel}: {text}" if text and segment.channel else text  # who spoke (me/them)


def wrap_lines(text: str, metrics: QFontMetricsF, width_px: float) -> list[str]:
    """Greedy word wrap to `width_px`; a single overlong word gets a line of its own."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > width_px:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


class SubtitleOverlay(QWidget):
    """Frameless subtitle window; `set_segments` feeds it, `apply_look` restyles it."""

    geometry_changed = Signal()

    def __init__(self, look: OverlayLook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tolk subtitles")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._look = look
        self._texts: list[str] = []
        self._drag_from: QPoint | None = None
        self._dirty = False
        self._grip = QSizeGrip(self)
        self._grip.resize(20, 20)
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(240, 60)
        self._apply_flags()
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // REFRESH_HZ)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()

    @property
    def look(self) -> OverlayLook:
        return self._look

    def apply_look(self, look: OverlayLook) -> None:
        flags_changed = look.click_through != self._look.click_through
        self._look = look
        if flags_changed:
            self._apply_flags()
        self.update()

    def _apply_flags(self) -> None:
        was_visible = self.isVisible()
        flags = Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        if self._look.click_through:
            flags |= Qt.WindowType.WindowTransparentForInput
        self.setWindowFlags(flags)
        self._grip.setVisible(not self._look.click_through)
        if was_visible:
            self.show()

    def set_segments(self, segments: Sequence[Segment]) -> None:
        """Takes the latest segments; the text is recomputed at the next refresh tick."""
        recent = [segment_text(s, self._look.language) for s in segments[-RECENT_SEGMENTS:]]
        texts = [t for t in recent if t]
        if texts != self._texts:
            self._texts = texts
            self._dirty = True

    def visible_lines(self) -> list[str]:
        """The wrapped lines currently shown: the last `look.lines`; each segment starts a new line."""
        metrics = QFontMetricsF(self._font())
        width_px = max(1.0, self.width() - 2 * (PADDING_PX + self._look.outline_px))
        lines = [line for text in self._texts for line in wrap_lines(text, metrics, width_px)]
        return lines[-self._look.lines :]

    def _refresh(self) -> None:
        if self._dirty:
            self._dirty = False
            self.update()

    def _font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSize(self._look.font_pt)
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = QColor(self._look.background_color)
        background.setAlpha(self._look.background_alpha)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(self.rect()), 12, 12)
        font = self._font()
        metrics = QFontMetricsF(font)
        lines = self.visible_lines()
        line_h = metrics.lineSpacing()
        y = self.height() - PADDING_PX - line_h * len(lines) + metrics.ascent()
        path = QPainterPath()
        for line in lines:
            x = (self.width() - metrics.horizontalAdvance(line)) / 2
            path.addText(QPointF(x, y), font, line)
            y += line_h
        if self._look.outline_px > 0:
            pen = QPen(QColor(0, 0, 0, 230), self._look.outline_px * 2)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.strokePath(path, pen)
        painter.fillPath(path, QColor(self._look.text_color))
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._grip.move(self.width() - self._grip.width(), self.height() - self._grip.height())
        self._dirty = True
        self.geometry_changed.emit()
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.move(event.globalPosition().toPoint() - self._drag_from)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.geometry_changed.emit()
