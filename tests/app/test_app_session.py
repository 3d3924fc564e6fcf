"""Live sessions end to end: fake 48 kHz microphone -> capture -> client VAD -> real backend -> widgets.

Real zero-download engines (pocketsphinx + Apertium), a real gRPC server, the LibriVox sample replayed
through the real capture callback faster than real time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from app_fakes import MIC, MONITOR, SAMPLE_WAV, FakeSoundDevice, ServerThread
from app_helpers import open_window, parse_cues

from tolk.app.core.events import ConnectionState, Final, SessionEvent
from tolk.app.ui.main_window import MainWindow
from tolk.app.ui.settings import AppSettings, OverlayLook

pytestmark = [pytest.mark.app, pytest.mark.timeout(240)]
SESSION_TIMEOUT_MS = 150_000
TRANSCRIPT_WORDS = set(SAMPLE_WAV.with_suffix(".txt").read_text().lower().split())


def _settings(**changes: Any) -> AppSettings:
    base = AppSettings(
        device=MIC,
        source_language="en",
        target_languages=("es",),
        overlay=OverlayLook(language="es", lines=2, visible=True),
    )
    return AppSettings(**{**base.__dict__, **changes})


def _recorded(window: MainWindow) -> tuple[list[SessionEvent], list[str]]:
    events: list[SessionEvent] = []
    states: list[str] = []
    window.controller.event_received.connect(events.append)
    window.controller.state_changed.connect(lambda state, _detail: states.append(state))
    return events, states


def _run_to_end(qtbot: Any, window: MainWindow) -> None:
    with qtbot.waitSignal(window.controller.session_finished, timeout=SESSION_TIMEOUT_MS):
        assert window.start_session()
    window.view.flush()


def test_offline_session_shows_finals_translations_overlay_and_exports(
    qtbot: Any, fake_device: FakeSoundDevice, tmp_path: Path
) -> None:
    window = open_window(qtbot, fake_device, _settings(mode="offline"))
    window.overlay.show()
    events, states = _recorded(window)
    try:
        _run_to_end(qtbot, window)
    finally:
        window.controller.shutdown()
    assert fake_device.opened == [2]  # the microphone, by name, not the monitor (index 1)
    finals = window.model.finals
    assert len(finals) >= 3
    recognized = " ".join(s.final or "" for s in finals).lower().split()
    assert len(TRANSCRIPT_WORDS.intersection(recognized)) >= 10, recognized
    assert all(s.translations.get("es") for s in finals)
    assert "connected" in states
    view_text = window.view.toPlainText()
    for segment in finals:
        assert (segment.final or "?") in view_text and segment.translations["es"] in view_text
    shown = " ".join(window.overlay.visible_lines())
    spanish = " ".join(s.translations["es"] for s in finals[-3:])
    assert shown and shown.split()[-1] == spanish.split()[-1]
    assert window.delay_label.text().startswith("delay ")
    # the fake device ran out mid-session, as an unplugged microphone would: a message, no crash
    assert "stopped" in window.banner.text()
    for suffix in ("srt", "vtt"):
        path = tmp_path / f"captions.{suffix}"
        window.export(path)
        cues = parse_cues(path.read_text(encoding="utf-8"), vtt=suffix == "vtt")
        assert [cue.lines for cue in cues] == [(s.final, s.translations["es"]) for s in finals]
    ids = [e.segment_id for e in events if isinstance(e, Final)]
    assert ids == sorted(set(ids))


def test_server_killed_mid_session_reconnects_without_duplicate_finals(
    qtbot: Any, server: ServerThread
) -> None:
    device = FakeSoundDevice(speed=2.0)
    window = open_window(qtbot, device, _settings(mode="server", server_address=f"127.0.0.1:{server.port}"))
    events, states = _recorded(window)
    try:
        with qtbot.waitSignal(window.controller.session_finished, timeout=SESSION_TIMEOUT_MS):
            assert window.start_session()
            qtbot.waitUntil(lambda: any(isinstance(e, Final) for e in events), timeout=60_000)
            server.kill()
            qtbot.waitUntil(lambda: "reconnecting" in states, timeout=30_000)
            assert "Reconnecting" in window.state_label.text()
            window.view.flush()
            first = next(e for e in events if isinstance(e, Final))
            assert first.text in window.view.toPlainText()  # captions on screen are kept
            server.start()
    finally:
        window.controller.shutdown()
    window.view.flush()
    finals = [e for e in events if isinstance(e, Final)]
    ids = [f.segment_id for f in finals]
    assert len(ids) == len(set(ids)), ids
    texts = [f.text for f in finals]
    assert len(texts) == len(set(texts)), texts
    reconnect_at = states.index("reconnecting")
    assert "connected" in states[reconnect_at:]
    connections = [e.status for e in events if isinstance(e, ConnectionState)]
    assert connections.count("connected") >= 2
    assert len(finals) >= 3 and finals[-1].segment_id > first.segment_id
    assert window.model.finals[0].final == first.text


def test_unattended_command_writes_srt_with_both_languages(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "out.srt"
    command = [
        sys.executable, "-m", "tolk.app.cli", "app", "--settings", str(tmp_path / "tolk.ini"),
        "--input-file", str(SAMPLE_WAV), "--from", "en", "--to", "es", "--start",
        "--file-speed", "4", "--quit-after", "12", "--export", str(out),
    ]  # fmt: skip
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=200, check=False)
    assert done.returncode == 0, done.stderr
    cues = parse_cues(out.read_text(encoding="utf-8"), vtt=False)
    # quitting flushes the open segment; on a slow machine the very last one may miss its translation
    assert sum(len(cue.lines) == 2 for cue in cues) >= 3
    assert all(1 <= len(cue.lines) <= 2 for cue in cues)
    spoken = " ".join(cue.lines[0] for cue in cues).lower().split()
    assert len(TRANSCRIPT_WORDS.intersection(spoken)) >= 10
    assert f"wrote {out}" in done.stderr


def test_changing_device_while_running_restarts_and_continues_the_conversation(
    qtbot: Any, fake_device: FakeSoundDevice
) -> None:
    window = open_window(qtbot, fake_device, _settings(mode="offline"))
    events, _states = _recorded(window)
    try:
        assert window.start_session()
        qtbot.waitUntil(lambda: any(isinstance(e, Final) for e in events), timeout=60_000)
        with qtbot.waitSignal(window.controller.session_finished, timeout=SESSION_TIMEOUT_MS):
            window.inputs.device.setCurrentIndex(window.inputs.device.findData(MONITOR))
        qtbot.waitUntil(lambda: window.controller.running, timeout=10_000)  # restarted on the new device
        qtbot.waitUntil(lambda: not window.controller.running, timeout=SESSION_TIMEOUT_MS)
    finally:
        window.controller.shutdown()
    assert fake_device.opened == [2, 1]
    finals = [e for e in events if isinstance(e, Final)]
    ids = [f.segment_id for f in finals]
    assert ids == sorted(set(ids)) and len(ids) >= 3
    starts = [f.audio_start_s for f in finals]
    assert starts == sorted(starts)  # the second session continues the conversation's timeline
    assert [s.segment_id for s in window.model.finals] == ids


def test_unreachable_server_shows_reconnecting_and_stop_ends_it(
    qtbot: Any, fake_device: FakeSoundDevice
) -> None:
    import socket

    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = open_window(qtbot, fake_device, _settings(mode="server", server_address=f"127.0.0.1:{port}"))
    _events, states = _recorded(window)
    try:
        assert window.start_session()
        qtbot.waitUntil(lambda: "reconnecting" in states, timeout=30_000)
        assert "Reconnecting" in window.state_label.text()
        assert f"127.0.0.1:{port}" in window.state_label.text()
        with qtbot.waitSignal(window.controller.session_finished, timeout=10_000):
            window.toggle_session()  # Stop
        assert not window.controller.running
        assert window.start_button.text() == "Start"
    finally:
        window.controller.shutdown()
