"""The Pronunciation and Dictation tabs of the main window, on a real server with real engines."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from app_fakes import MIC, FakeSoundDevice, ServerThread
from app_helpers import open_window

from tolk.app.audio.files import read_audio
from tolk.app.core.events import Final
from tolk.app.core.export import decrypt
from tolk.app.ui.settings import AppSettings

pytestmark = pytest.mark.app


def test_pronunciation_tab_scores_a_reading_and_highlights_the_substituted_word(
    qtbot: Any, server: ServerThread, fake_device: FakeSoundDevice, tmp_path: Path
) -> None:
    wav = tmp_path / "reading.wav"
    said = "the quick brown cat jumps over the lazy dog"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), said], check=True)
    settings = AppSettings(mode="server", server_address=f"127.0.0.1:{server.port}")
    window = open_window(qtbot, fake_device, settings)
    try:
        tab = window.pronounce_tab
        tab.sentence.setCurrentText("The quick brown fox jumps over the lazy dog")
        with qtbot.waitSignal(tab.scored, timeout=60_000) as blocker:
            tab.score_file(wav)
        result = blocker.args[0]
        assert result.to_practice[0].word == "fox"
        assert "practice: fox" in tab.status.text()
        page = tab.result.toHtml()
        assert "fox" in page and "#c62828" in page  # the substituted word is shown in red
    finally:
        window.controller.shutdown()


def test_record_button_records_the_microphone_and_scores_the_take(
    qtbot: Any, server: ServerThread, tmp_path: Path
) -> None:
    """Record -> the real capture callback fed by a 48 kHz stand-in microphone replaying an espeak-ng
    reading in real time -> Stop -> the take (in memory) is scored by the real PocketSphinx scorer."""
    wav = tmp_path / "reading.wav"
    said = "the quick brown cat jumps over the lazy dog"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), said], check=True)
    speech = read_audio(wav)
    speech_s = len(speech) / 16_000
    padded = tmp_path / "mic.wav"  # the learner pauses before clicking Stop
    soundfile.write(padded, np.concatenate([speech, np.zeros(16_000 * 6, np.float32)]), 16_000)
    microphone = FakeSoundDevice(padded, speed=1.0)
    settings = AppSettings(mode="server", server_address=f"127.0.0.1:{server.port}", device=MIC)
    window = open_window(qtbot, microphone, settings)
    try:
        tab = window.pronounce_tab
        tab.sentence.setCurrentText("The quick brown fox jumps over the lazy dog")
        assert tab.record.isEnabled()
        tab.record.click()
        assert tab.recorder is not None and tab.record.text() == "■ Stop"
        recorder = tab.recorder
        qtbot.waitUntil(lambda: recorder.duration_s >= speech_s + 0.5, timeout=30_000)
        assert "Recording" in tab.status.text()
        with qtbot.waitSignal(tab.scored, timeout=60_000) as blocker:
            tab.record.click()
        assert tab.recorder is None and tab.record.text() == "● Record"
        assert not recorder.ended  # stopped by the learner, not by the end of the input
    finally:
        window.controller.shutdown()
    assert microphone.opened == [2]  # the selected microphone, not the monitor source
    result = blocker.args[0]
    target = tab.sentence.currentText().lower()
    assert [w.word for w in result.words] == target.split()
    assert result.to_practice[0].word == "fox" and result.to_practice[0].status != "ok"
    fox = result.words[3].score
    assert all(w.score > fox for w in result.words if w.word != "fox"), result.words
    assert "practice: fox" in tab.status.text()


def test_dictation_tab_turns_finals_into_an_editable_encrypted_record(
    qtbot: Any, fake_device: FakeSoundDevice, tmp_path: Path
) -> None:
    window = open_window(qtbot, fake_device, AppSettings())
    try:
        view = window.dictation_view
        window.controller.event_received.emit(
            Final(0, "take five milligrams of metformin period", "en", 0, 1)
        )
        window.controller.event_received.emit(Final(1, "new paragraph follow up in two weeks", "en", 1, 2))
        assert view.editor.toPlainText() == "Take 5 mg of metformin.\n\nFollow up in 2 weeks"
        view.editor.setPlainText(view.editor.toPlainText() + ", or earlier.")
        view.encrypt.setChecked(True)
        view.passphrase.setText("s3cret")
        written = view.export_to(tmp_path / "visit.md", "md")
        assert written == tmp_path / "visit.md.enc"
        assert decrypt(written.read_bytes(), "s3cret").decode().endswith("in 2 weeks, or earlier.\n")
        assert "(encrypted)" in view.status.text()
    finally:
        window.controller.shutdown()
