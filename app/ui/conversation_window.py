"""The conversation window: the split view on a session of the real controller, push-to-talk per side,
and spoken translations on a chosen output device.

`tolk app --conversation en,es` opens it directly; the main window's "Conversation" button opens it on
the main window's input and connection. The window starts one conversation-mode session on the chosen
input (microphone, or a file played as one) and shows its finals in the split view; the status line
shows the controller's state and errors (e.g. no Whisper model in the store, or no MT pair for the two
languages and what is installed). Closing the window stops its session and emits `closed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from tolk.app.audio.capture import CaptureError, load_sound_module
from tolk.app.audio.speech_player import SpeechPlayer, list_output_devices
from tolk.app.backend_link import ConnectionSpec
from tolk.app.controller import Controller, SessionRequest
from tolk.app.core.push_to_talk import PushToTalk
from tolk.app.ui.conversation_view import ConversationView
from tolk.app.ui.talk_bar import SpeechControls, TalkButtons


class ConversationWindow(QMainWindow):
    """The split conversation view fed by `controller`; `start()` opens the session.

    `sound` makes the sound library used for spoken translations (sounddevice; a stand-in in tests);
    `speak` / `speech_output` are the remembered choices, and `speech_changed` reports new ones.
    """

    closed = Signal()
    speech_error = Signal(str)  # emitted on the speech thread, shown on the main thread
    speech_changed = Signal(bool, str)  # speak translations, output device name ("" = default)

    def __init__(
        self,
        controller: Controller,
        pair: tuple[str, str],
        connection: ConnectionSpec,
        device: str = "",
        input_file: str = "",
        *,
        sound: Callable[[], Any] = load_sound_module,
        speak: bool = False,
        speech_output: str = "",
    ) -> None:
        super().__init__()
        self.setWindowTitle(f"Tolk — conversation {pair[0]} / {pair[1]}")
        self.controller = controller
        self.view = ConversationView(pair[0], pair[1])
        self.push_to_talk = PushToTalk()
        self.talk = TalkButtons(pair, self.push_to_talk)
        self.talk.held_changed.connect(self.view.set_holding)
        self.speech = SpeechControls()
        self.player = SpeechPlayer(
            sound, on_error=self.speech_error.emit, on_speaking=self.push_to_talk.set_muted
        )
        self.status = QLabel("ready")
        self.status.setObjectName("status")
        self._build(sound, speak, speech_output)
        self._request = SessionRequest(
            device, input_file, "", (), connection, conversation=pair, push_to_talk=self.push_to_talk
        )
        controller.event_received.connect(self.view.apply)
        controller.event_received.connect(self.player.on_event)
        controller.state_changed.connect(self._show_state)
        controller.error.connect(self._show_error)

    def _build(self, sound: Callable[[], Any], speak: bool, speech_output: str) -> None:
        try:
            outputs = list_output_devices(sound())
        except CaptureError:
            outputs = []
        self.speech.set_values(outputs, speech_output, speak)
        self._apply_speech(speak, speech_output)
        self.speech.speech_changed.connect(self._apply_speech)
        self.speech_error.connect(lambda message: self.status.setText(f"speech: {message}"))
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.talk)
        row = QHBoxLayout()
        row.addWidget(self.speech, 1)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        self.setCentralWidget(body)
        self.resize(760, 680)

    def _apply_speech(self, enabled: bool, device: str) -> None:
        self.player.enabled, self.player.device = enabled, device
        self.speech_changed.emit(enabled, device)

    def _show_state(self, state: str, detail: str) -> None:
        if self.isVisible():
            self.status.setText(f"{state} {detail}".strip())

    def _show_error(self, message: str) -> None:
        if self.isVisible():
            self.status.setText(f"error: {message}")

    def start(self) -> bool:
        return self.controller.start(self._request)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.talk.key(event.key(), True, event.isAutoRepeat()):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if not self.talk.key(event.key(), False, event.isAutoRepeat()):
            super().keyReleaseEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        for signal, slot in (
            (self.controller.event_received, self.view.apply),
            (self.controller.event_received, self.player.on_event),
            (self.controller.state_changed, self._show_state),
            (self.controller.error, self._show_error),
        ):
            signal.disconnect(slot)
        self.controller.stop()
        self.player.close()
        self.closed.emit()
        super().closeEvent(event)
