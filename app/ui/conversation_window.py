"""`tolk app --conversation en,es`: the conversation view on a session of the real controller.

The window starts one conversation-mode session on the chosen input (microphone, or a file played as
one) and shows its finals in the split view; the status line shows the controller's state and errors
(e.g. no Whisper model in the store, or no MT pair for the two languages and what is installed).
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from tolk.app.backend_link import ConnectionSpec
from tolk.app.controller import Controller, SessionRequest
from tolk.app.ui.conversation_view import ConversationView


class ConversationWindow(QMainWindow):
    """The split conversation view fed by `controller`; `start()` opens the session."""

    def __init__(
        self,
        controller: Controller,
        pair: tuple[str, str],
        connection: ConnectionSpec,
        device: str = "",
        input_file: str = "",
    ) -> None:
        super().__init__()
        self.setWindowTitle(f"Tolk — conversation {pair[0]} / {pair[1]}")
        self.controller = controller
        self.view = ConversationView(pair[0], pair[1])
        self.status = QLabel("ready")
        self.status.setObjectName("status")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.setCentralWidget(body)
        self.resize(760, 640)
        self._request = SessionRequest(device, input_file, "", (), connection, conversation=pair)
        controller.event_received.connect(self.view.apply)
        controller.state_changed.connect(
            lambda state, detail: self.status.setText(f"{state} {detail}".strip())
        )
        controller.error.connect(lambda message: self.status.setText(f"error: {message}"))

    def start(self) -> bool:
        return self.controller.start(self._request)
