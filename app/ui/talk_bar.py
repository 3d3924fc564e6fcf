"""The conversation window's bottom bar: push-to-talk per side, and where spoken translations play.

Push-to-talk: hold a side's button (or its key: F1 for me, F2 for the other person) while that person
speaks; the segments that start meanwhile are recognized in that side's language instead of being
identified between the two. Releasing a key or button (or pressing the other side) cuts the segment.
Spoken translations: a switch and a choice of output device, reported through `speech_changed` so the
entry point can persist them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from tolk.app.audio.speech_player import OutputDevice
from tolk.app.core.push_to_talk import PushToTalk

MINE_KEY = Qt.Key.Key_F1
THEIRS_KEY = Qt.Key.Key_F2
DEFAULT_OUTPUT = "System default output"


class TalkButtons(QWidget):
    """Two hold-to-talk buttons, one per side; `held_changed` tells the language held ("" for none)."""

    held_changed = Signal(str)

    def __init__(self, pair: tuple[str, str], ptt: PushToTalk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ptt = ptt
        mine, theirs = pair
        self.keys = {MINE_KEY.value: mine, THEIRS_KEY.value: theirs}
        self.buttons = {
            mine: QPushButton(f"Hold to talk: {mine.upper()} — me (F1)", self),
            theirs: QPushButton(f"Hold to talk: {theirs.upper()} — other person (F2)", self),
        }
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        for language, button in self.buttons.items():
            button.setMinimumHeight(40)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the window
            button.pressed.connect(lambda lang=language: self.press(language=lang))
            button.released.connect(lambda lang=language: self.release(language=lang))
            layout.addWidget(button, 1)

    def press(self, language: str) -> None:
        self.ptt.press(language)
        self._show()

    def release(self, language: str) -> None:
        self.ptt.release(language)
        self._show()

    def _show(self) -> None:
        held = self.ptt.held
        for language, button in self.buttons.items():
            button.setDown(language == held)
        self.held_changed.emit(held)

    def key(self, key: int, down: bool, auto_repeat: bool) -> bool:
        """Handles F1/F2 pressed or released; False for any other key."""
        language = self.keys.get(key)
        if language is None:
            return False
        if not auto_repeat:
            (self.press if down else self.release)(language)
        return True


class SpeechControls(QWidget):
    """ "Speak translations" and the output device; `speech_changed(enabled, device name)`."""

    speech_changed = Signal(bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.speak = QCheckBox("Speak translations", self)
        self.output = QComboBox(self)
        self.output.setMinimumWidth(220)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.speak)
        layout.addWidget(QLabel("on", self))
        layout.addWidget(self.output, 1)
        self.speak.toggled.connect(self._changed)
        self.output.currentIndexChanged.connect(self._changed)

    def set_values(self, devices: list[OutputDevice], chosen: str, enabled: bool) -> None:
        """Fills the device list (a remembered device that is missing stays listed, marked)."""
        self.output.blockSignals(True)
        self.speak.blockSignals(True)
        self.output.clear()
        self.output.addItem(DEFAULT_OUTPUT, "")
        for device in devices:
            self.output.addItem(device.label, device.name)
        if chosen and chosen not in [d.name for d in devices]:
            self.output.addItem(f"{chosen} (not connected)", chosen)
        self.output.setCurrentIndex(max(0, self.output.findData(chosen)))
        self.speak.setChecked(enabled)
        self.output.blockSignals(False)
        self.speak.blockSignals(False)

    def device(self) -> str:
        return str(self.output.currentData() or "")

    def _changed(self) -> None:
        self.speech_changed.emit(self.speak.isChecked(), self.device())
