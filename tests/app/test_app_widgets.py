"""Widgets, settings and capture without a backend: captions view, overlay, no device, settings restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_fakes import MIC, MONITOR, FakeSoundDevice, NoSoundDevices
from app_helpers import open_window
from PySide6.QtCore import QSettings

from tolk.app.audio.capture import AudioCapture, InputDevice, list_input_devices
from tolk.app.controller import NO_DEVICE_MESSAGE
from tolk.app.core.captions import CaptionModel
from tolk.app.core.events import Final, Partial, Translation
from tolk.app.ui.captions_view import CaptionsView
from tolk.app.ui.overlay import SubtitleOverlay
from tolk.app.ui.settings import ORIGINAL, AppSettings, OverlayLook, load_settings, save_settings

pytestmark = pytest.mark.app


def test_captions_view_rewrites_partial_in_place_and_keeps_finals(qtbot: Any) -> None:
    model = CaptionModel()
    view = CaptionsView(model, ("es",))
    qtbot.addWidget(view)
    for event in (
        Final(0, "it was a fine day", "en", 0.0, 1.0),
        Translation(0, "en", "es", "era un buen día", True),
        Partial(1, "the house", "was", "en", 1.0, 1.5),
        Partial(1, "the house was", "large", "en", 1.0, 2.0),
    ):
        model.apply(event)
    view.mark_dirty()
    view.flush()
    assert view.toPlainText().split("\n") == [
        "it was a fine day",
        "es  era un buen día",
        "the house was large",
    ]
    model.apply(Final(1, "the house was large and old", "en", 1.0, 2.5))
    model.apply(Translation(1, "en", "es", "la casa era grande y vieja", True))
    view.mark_dirty()
    view.flush()
    assert view.toPlainText().count("the house") == 1
    assert view.toPlainText().endswith("the house was large and old\nes  la casa era grande y vieja")


def test_captions_view_renders_at_most_once_per_tick(qtbot: Any) -> None:
    model = CaptionModel()
    view = CaptionsView(model, ())
    qtbot.addWidget(view)
    renders = view.renders
    for n in range(200):
        model.apply(Partial(0, "", f"word {n}", "en", 0.0, n / 10))
        view.mark_dirty()
    view.flush()
    assert view.renders == renders + 1
    assert "word 199" in view.toPlainText() and "word 198" not in view.toPlainText()


def test_autoscroll_pauses_while_scrolled_up(qtbot: Any) -> None:
    model = CaptionModel()
    view = CaptionsView(model, ())
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()

    def add(first: int) -> None:
        for n in range(first, first + 40):
            model.apply(Final(n, f"line number {n}", "en", n, n + 1))
        view.mark_dirty()
        view.flush()

    add(0)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    bar.setValue(0)
    add(40)
    assert bar.value() == 0
    bar.setValue(bar.maximum())
    add(80)
    assert bar.value() == bar.maximum()


def test_overlay_shows_last_lines_of_the_chosen_language(qtbot: Any) -> None:
    overlay = SubtitleOverlay(OverlayLook(language="es", lines=2, font_pt=20))
    qtbot.addWidget(overlay)
    overlay.resize(600, 150)
    model = CaptionModel()
    for n in range(3):
        model.apply(Final(n, f"sentence {n}", "en", n, n + 1))
        model.apply(Translation(n, "en", "es", f"frase {n}", True))
    overlay.set_segments(model.segments)
    assert overlay.visible_lines() == ["frase 1", "frase 2"]
    overlay.apply_look(OverlayLook(language=ORIGINAL, lines=1, font_pt=20))
    overlay.set_segments(model.segments)
    assert overlay.visible_lines() == ["sentence 2"]
    overlay.set_segments([*model.segments[:2]])
    long = CaptionModel()
    long.apply(Final(0, " ".join(["palabra"] * 60), "en", 0, 1))
    overlay.set_segments(long.segments)
    lines = overlay.visible_lines()
    assert len(lines) == 1 and 0 < len(lines[0].split()) < 60


def test_overlay_click_through_and_frameless(qtbot: Any) -> None:
    from PySide6.QtCore import Qt

    overlay = SubtitleOverlay(OverlayLook())
    qtbot.addWidget(overlay)
    flags = overlay.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint and flags & Qt.WindowType.WindowStaysOnTopHint
    assert not flags & Qt.WindowType.WindowTransparentForInput
    overlay.apply_look(OverlayLook(click_through=True))
    assert overlay.windowFlags() & Qt.WindowType.WindowTransparentForInput


def test_device_list_has_microphone_first_then_monitor() -> None:
    devices = list_input_devices(FakeSoundDevice())
    assert [(d.name, d.is_loopback) for d in devices] == [(MIC, False), (MONITOR, True)]
    assert list_input_devices(NoSoundDevices()) == []


class _PausedStream:
    """A stream that never calls back by itself: the test drives the callback."""

    def __init__(self, callback: Any, **_: Any) -> None:
        self.callback = callback

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


class _PausedDevice:
    def __init__(self) -> None:
        self.stream: _PausedStream | None = None

    def InputStream(self, **kwargs: Any) -> _PausedStream:
        self.stream = _PausedStream(**kwargs)
        return self.stream


def test_capture_callback_never_blocks_and_drops_oldest_when_full() -> None:
    sound = _PausedDevice()
    capture = AudioCapture(sound, InputDevice(0, "mic", "x", 1, 16000), queue_max_blocks=3)  # type: ignore[arg-type]
    capture.start()
    assert sound.stream is not None
    for n in range(5):  # nobody reads: the callback must return every time
        sound.stream.callback(np.full((320, 1), n / 10, np.float32), 320, None, None)
    assert capture.dropped_blocks == 2
    assert capture.level == pytest.approx(0.4)
    assert capture.dropped_s == pytest.approx(2 * 0.02)
    first = capture.read(0.1)
    assert first is not None and float(first[0]) == pytest.approx(0.2)
    assert [float(b[0]) for b in capture.read_available(0.1)] == pytest.approx([0.3, 0.4])
    assert capture.read_available(0.01) == []
    capture.close()
    with pytest.raises(EOFError):
        capture.read_available(0.1)


def test_no_device_shows_a_message_and_does_not_start(qtbot: Any) -> None:
    window = open_window(qtbot, NoSoundDevices(), AppSettings())
    try:
        assert window.inputs.device.currentText() == "no audio input found"
        assert window.start_session() is False
        assert not window.controller.running
        assert window.banner.isVisible() and window.banner.text() == NO_DEVICE_MESSAGE
        assert "Error" in window.state_label.text()
    finally:
        window.controller.shutdown()


def test_settings_survive_a_restart(qtbot: Any, tmp_path: Path) -> None:
    path = str(tmp_path / "tolk.ini")
    qs = QSettings(path, QSettings.Format.IniFormat)
    assert load_settings(qs) == AppSettings()
    window = open_window(qtbot, FakeSoundDevice(), load_settings(qs))
    window.settings_changed.connect(lambda s: save_settings(qs, s))
    try:
        window.inputs.device.setCurrentIndex(window.inputs.device.findData(MONITOR))
        window.connection.set_values("server", "tolk.example.org:443", True, "secret")
        window.connection.server.toggled.emit(True)
        window.overlay_panel.font_pt.setValue(48)
        window.overlay_panel.lines.setValue(3)
        window.overlay_panel.click_through.setChecked(True)
        window.overlay.resize(500, 120)
        window.overlay.move(123, 77)
        window.close()
    finally:
        window.controller.shutdown()
    saved = load_settings(QSettings(path, QSettings.Format.IniFormat))
    assert saved.device == MONITOR
    assert (saved.mode, saved.server_address, saved.tls) == ("server", "tolk.example.org:443", True)
    assert (saved.overlay.font_pt, saved.overlay.lines, saved.overlay.click_through) == (48, 3, True)
    assert "secret" not in (tmp_path / "tolk.ini").read_text()
    again = open_window(qtbot, FakeSoundDevice(), saved)
    try:
        assert again.inputs.selected_device() == MONITOR
        assert (
            again.connection.mode() == "server" and again.connection.address.text() == "tolk.example.org:443"
        )
        assert again.overlay_panel.font_pt.value() == 48
        assert (again.overlay.x(), again.overlay.y()) == (123, 77)
        assert (again.overlay.width(), again.overlay.height()) == (500, 120)
    finally:
        again.controller.shutdown()
