"""Conversation mode on one screen: a half for each person, in large text, each in that person's language.

The bottom half belongs to the person at the keyboard (language A), the top half to the other person
(language B). Each half shows the conversation in its person's language: what they said themselves, and
the translation of what the other said. With face-to-face on (a laptop on a counter between two people),
the top half is drawn upside down so the person across the counter reads it the right way up.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from tolk.app.core.captions import CaptionModel
from tolk.app.core.events import SessionEvent

REFRESH_HZ = 20
LINES_SHOWN = 4
MARGIN_PX = 18
OWN_COLOR = "#f2f2f2"
OTHER_COLOR = "#7cc4ff"
LABEL_COLOR = "#8a8f98"
HOLDING_COLOR = "#ffb347"
BACKGROUND = ("#1e2127", "#23272f")


@dataclass(frozen=True)
class Line:
    """One line of a half: the text, and whether this half's person said it (else it is a translation)."""

    text: str
    own: bool


def lines_for(model: CaptionModel, language: str, limit: int = LINES_SHOWN) -> list[Line]:
    """The latest finals in `language`: said in it, or translated into it."""
    lines = []
    for segment in model.finals:
        if segment.language == language and segment.final:
            lines.append(Line(segment.final, True))
        elif segment.translations.get(language):
            lines.append(Line(segment.translations[language], False))
    return lines[-limit:]


class PersonPane(QWidget):
    """One person's half: their language's lines, newest at the bottom and largest; may be upside down."""

    def __init__(self, model: CaptionModel, language: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.language, self.title = model, language, title
        self.flipped = False
        self.holding = False  # this side's push-to-talk is held
        self.setMinimumHeight(160)

    def set_holding(self, holding: bool) -> None:
        self.holding = holding
        self.update()

    def set_flipped(self, flipped: bool) -> None:
        self.flipped = flipped
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), QColor(BACKGROUND[self.flipped]))
        if self.flipped:  # turn the whole half around its centre
            painter.translate(self.width(), self.height())
            painter.rotate(180)
        area = self.rect().adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX)
        self._paint_title(painter, area)
        self._paint_lines(painter, area.adjusted(0, 30, 0, 0))
        painter.end()

    def _paint_title(self, painter: QPainter, area: QRect) -> None:
        font = QFont(self.font())
        font.setPointSize(11)
        painter.setFont(font)
        painter.setPen(QColor(HOLDING_COLOR if self.holding else LABEL_COLOR))
        title = f"{self.title}   ● push-to-talk: speak now" if self.holding else self.title
        painter.drawText(area, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), title)

    def _paint_lines(self, painter: QPainter, area: QRect) -> None:
        bottom = area.bottom()
        lines = lines_for(self.model, self.language)
        for age, line in enumerate(reversed(lines)):
            font = QFont(self.font())
            font.setPointSize(26 if age == 0 else 17)
            painter.setFont(font)
            flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom | Qt.TextFlag.TextWordWrap)
            box = QRect(area.left(), area.top(), area.width(), bottom - area.top())
            needed = painter.boundingRect(box, flags, line.text)
            if needed.height() > bottom - area.top():
                break
            painter.setPen(QColor(OWN_COLOR if line.own else OTHER_COLOR))
            painter.drawText(box, flags, line.text)
            bottom -= needed.height() + 8


class ConversationView(QWidget):
    """Two halves (other person on top, me below) and the face-to-face switch; feed it with `apply`."""

    def __init__(self, mine: str, theirs: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaptionModel()
        self.theirs = PersonPane(self.model, theirs, f"{theirs.upper()} — the other person", self)
        self.mine = PersonPane(self.model, mine, f"{mine.upper()} — me", self)
        self.face_to_face = QCheckBox("Face to face (turn the other half upside down)", self)
        self.face_to_face.toggled.connect(self.theirs.set_flipped)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.theirs, 1)
        layout.addWidget(self.mine, 1)
        layout.addWidget(self.face_to_face)
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // REFRESH_HZ)
        self._timer.timeout.connect(self._repaint)
        self._timer.start()

    def set_holding(self, language: str) -> None:
        """Marks the half whose push-to-talk is held ("" for none)."""
        self.mine.set_holding(language == self.mine.language)
        self.theirs.set_holding(language == self.theirs.language)

    def apply(self, event: SessionEvent) -> None:
        self.model.apply(event)
        self._dirty = True

    def _repaint(self) -> None:
        if self._dirty:
            self._dirty = False
            self.theirs.update()
            self.mine.update()
