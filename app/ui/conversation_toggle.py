"""The main window's "Conversation" button: opens (and closes) the conversation window.

The conversation is between the main window's spoken language (me) and its first target language (the
other person), on the main window's input and connection. A session running in the main window is
stopped first; the conversation starts once it has flushed. Closing the conversation window unchecks
the button; unchecking the button closes the window. The spoken-translation choices made in the
conversation window come back through `speech_changed` for the main window to persist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton

from tolk.app.audio.capture import load_sound_module
from tolk.app.ui.conversation_window import ConversationWindow

NEEDS_TWO_LANGUAGES = (
    "Conversation mode needs two languages: the one you speak (From) and the other person's (a target)."
)


class ConversationToggle(QPushButton):
    """A checkable button; `window` is the MainWindow (controller, languages, inputs, connection)."""

    speech_changed = Signal(bool, str)

    def __init__(
        self,
        window: Any,
        speak: bool = False,
        speech_output: str = "",
        sound: Callable[[], Any] = load_sound_module,
    ) -> None:
        super().__init__("Conversation…", window)
        self.setCheckable(True)
        self.setToolTip("Two people, two languages: a split view, push-to-talk and spoken translations")
        self.window_ = window
        self.sound = sound
        self.speak, self.speech_output = speak, speech_output
        self.conversation: ConversationWindow | None = None
        self._waiting = False
        self.toggled.connect(self._toggled)
        window.controller.session_finished.connect(self._open_when_stopped)

    def pair(self) -> tuple[str, str] | None:
        source = self.window_.languages.selected_source()
        others = [t for t in self.window_.languages.selected_targets() if t != source]
        return (source, others[0]) if source and others else None

    def _toggled(self, checked: bool) -> None:
        if not checked:
            self._waiting = False
            if self.conversation is not None:
                self.conversation.close()
            return
        if self.pair() is None:
            self.window_.show_error(NEEDS_TWO_LANGUAGES)
            self.setChecked(False)
            return
        if self.window_.controller.running:
            self._waiting = True  # opens on session_finished
            self.window_.controller.stop()
        else:
            self._open()

    def _open_when_stopped(self) -> None:
        if self._waiting:
            self._waiting = False
            self._open()

    def _open(self) -> None:
        pair = self.pair()
        assert pair is not None
        w = self.window_
        self.conversation = ConversationWindow(
            w.controller, pair, w.connection_spec(), w.inputs.selected_device(), w.inputs.input_file(),
            sound=self.sound, speak=self.speak, speech_output=self.speech_output,
        )  # fmt: skip
        self.conversation.speech_changed.connect(self._remember)
        self.conversation.closed.connect(self._closed)
        self.conversation.show()
        self.conversation.start()

    def _remember(self, speak: bool, output: str) -> None:
        self.speak, self.speech_output = speak, output
        self.speech_changed.emit(speak, output)

    def _closed(self) -> None:
        self.conversation = None
        self.setChecked(False)
