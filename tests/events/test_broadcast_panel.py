"""The app's "Broadcast to a room" panel: the listeners' URL and its QR code follow the settings."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")
pytestmark = pytest.mark.app

from tolk.app.ui.broadcast import BroadcastPanel, page_base  # noqa: E402


@pytest.mark.parametrize(
    ("address", "base"),
    [
        ("10.0.0.5:50051", "http://10.0.0.5:8080"),
        ("tolk.example.org:443", "http://tolk.example.org:8080"),
        ("[::1]:50051", "http://[::1]:8080"),
        ("", "http://localhost:8080"),
    ],
)
def test_page_base_follows_the_server_host(address: str, base: str) -> None:
    assert page_base(address) == base


def test_the_panel_shows_the_listeners_url_and_a_qr_code(qtbot: Any, tmp_path: Path) -> None:
    panel = BroadcastPanel()
    qtbot.addWidget(panel)
    panel.set_server("10.0.0.5:50051", server_mode=True)
    assert panel.room() == "" and panel.listeners_url() == ""  # off until checked
    panel.setChecked(True)
    panel.room_edit.setText("keynote")
    assert panel.room() == "keynote"
    assert panel.listeners_url() == "http://10.0.0.5:8080/rooms/keynote"
    assert "http://10.0.0.5:8080/rooms/keynote" in panel.url_label.text()
    qr = panel.qr_label.pixmap()
    assert not qr.isNull() and qr.width() == qr.height() > 100
    panel.token_edit.setText("door code")
    assert panel.listeners_url() == "http://10.0.0.5:8080/rooms/keynote?token=door%20code"
    assert panel.listener_token() == "door code"
    panel.token_edit.setText("")

    panel.resize(380, panel.sizeHint().height())
    path = tmp_path / "events-app-broadcast.png"
    assert panel.grab().save(str(path))
    if os.environ.get("TOLK_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, Path("docs/screenshots") / path.name)

    panel.room_edit.setText("no spaces please")
    assert panel.room() == "" and panel.qr_label.isHidden()
    panel.set_server("10.0.0.5:50051", server_mode=False)  # offline: no page to point at
    assert not panel.isChecked() and not panel.isEnabled()
