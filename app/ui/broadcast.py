"""The speaker's "Broadcast to a room" panel: room name, listener token, the listeners' URL and its QR code.

Attendees scan the QR code from the projector and follow the captions on their phones
(`tolk serve --http-port` serves the page). Broadcasting needs a server: the offline backend has no page.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

ROOM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_HTTP_PORT = 8080
QR_PX = 220


def qr_pixmap(text: str, size_px: int = QR_PX) -> QPixmap:
    """A QR code of `text` (qrcode's pure-Python PNG writer), scaled to `size_px` without smoothing."""
    import io

    import qrcode
    from qrcode.image.pure import PyPNGImage

    out = io.BytesIO()
    qrcode.make(text, image_factory=PyPNGImage, box_size=8, border=2).save(out)
    pixmap = QPixmap()
    pixmap.loadFromData(out.getvalue(), "PNG")
    return pixmap.scaled(size_px, size_px, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.FastTransformation)  # fmt: skip


def page_base(server_address: str) -> str:
    """The caption page's default address for a gRPC server "host:port" (same host, port 8080)."""
    host = urlsplit(f"//{server_address.strip()}").hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{DEFAULT_HTTP_PORT}"


class BroadcastPanel(QGroupBox):
    """A checkable group: when checked, the session also publishes into `room()`."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Broadcast to a room", parent)
        self.setCheckable(True)
        self.setChecked(False)
        self.room_edit = QLineEdit("demo", placeholderText="room name")
        self.token_edit = QLineEdit(placeholderText="listener token (optional)")
        self.page_edit = QLineEdit(placeholderText="http://HOST:8080")
        self.url_label = QLabel(textInteractionFlags=Qt.TextInteractionFlag.TextBrowserInteraction)
        self.url_label.setOpenExternalLinks(True)
        self.url_label.setWordWrap(True)
        self.qr_label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.qr_label.setStyleSheet("background: white; padding: 6px; border-radius: 6px;")
        self.hint = QLabel("Needs a server started with --http-port.", wordWrap=True)
        self.hint.setStyleSheet("color: gray;")
        form = QFormLayout()
        form.addRow("Room", self.room_edit)
        form.addRow("Listener token", self.token_edit)
        form.addRow("Page address", self.page_edit)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.url_label)
        column.addWidget(self.qr_label, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.hint)
        for edit in (self.room_edit, self.token_edit, self.page_edit):
            edit.textChanged.connect(self._refresh)
        self.toggled.connect(self._refresh)
        self._refresh()

    def set_server(self, address: str, server_mode: bool) -> None:
        """Follows the connection panel: a default page address, and off in offline mode."""
        if not self.page_edit.isModified():
            self.page_edit.setText(page_base(address))
        self.setEnabled(server_mode)
        if not server_mode:
            self.setChecked(False)
        self.hint.setText("Needs a server started with --http-port." if server_mode
                          else "Broadcasting needs a server (Connection → Server).")  # fmt: skip

    def room(self) -> str:
        """The room to publish into, or "" (not broadcasting, or not a valid room name)."""
        name = self.room_edit.text().strip()
        return name if self.isChecked() and ROOM_NAME.match(name) else ""

    def listener_token(self) -> str:
        return self.token_edit.text().strip() if self.room() else ""

    def listeners_url(self) -> str:
        room = self.room()
        if not room:
            return ""
        url = f"{self.page_edit.text().strip().rstrip('/')}/rooms/{quote(room)}"
        token = self.listener_token()
        return f"{url}?token={quote(token)}" if token else url

    def _refresh(self) -> None:
        url = self.listeners_url()
        valid = bool(ROOM_NAME.match(self.room_edit.text().strip()))
        self.room_edit.setStyleSheet("" if valid else "border: 1px solid #c0392b;")
        self.url_label.setText(f'Listeners: <a href="{url}">{url}</a>' if url else "")
        self.qr_label.setVisible(bool(url))
        if url:
            self.qr_label.setPixmap(qr_pixmap(url))
        self.changed.emit()
