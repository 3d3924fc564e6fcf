"""The Pronunciation and Dictation tabs of the main window, on a real server with real engines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from app_fakes import MIC, FakeSoundDevice, ServerThread
from app_helpers import open_window

from tolk.app.audio.files import read_audio
from tolk.app.core.events import Final, Translation
from tolk.app.core.export import decrypt
from tolk.app.ui.settings import AppSettings
from tolk.common.errors import InvalidArgument
from tolk.common.glossary import GlossaryTerm, load_glossary

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


def test_glossary_tab_edits_saves_and_a_session_forces_the_term(
    qtbot: Any, server: ServerThread, librivox: list[Any], tmp_path: Path
) -> None:
    """Add and edit terms in the Glossary tab, save, the file round-trips through `load_glossary` (what
    `--glossary FILE` reads), and a session started from the window forces the term into the real
    Apertium translation of real speech ("he was not an ill disposed young man")."""
    microphone = FakeSoundDevice(librivox[1].wav)
    settings = AppSettings(
        mode="server",
        server_address=f"127.0.0.1:{server.port}",
        device=MIC,
        source_language="en",
        target_languages=("es",),
    )
    window = open_window(qtbot, microphone, settings)
    events: list[Any] = []
    window.controller.event_received.connect(events.append)
    try:
        editor = window.glossary_editor
        editor.add_language("es")
        editor.add_language("fr")
        row = editor.add_term()
        editor.set_cell(row, "source", "young   man")  # typed with stray spaces
        editor.set_cell(row, "es", "muchacho")
        editor.set_cell(row, "fr", "jeune homme")
        row = editor.add_term()
        editor.set_cell(row, "source", "metformin")
        editor.set_cell(row, "pron", "M EH T F AO R M IH N")
        editor.add_term()  # an untouched row is not a term
        editor.table.selectRow(1)
        editor.remove.click()  # remove the metformin row
        path = tmp_path / "clinic.tsv"
        assert editor.save_to(path), editor.status.text()
        expected = (GlossaryTerm("young man", {"es": "muchacho", "fr": "jeune homme"}),)
        assert load_glossary(path).terms == expected
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines == ["source\tes\tfr\tpron", "young man\tmuchacho\tjeune homme\t"]
        editor.set_terms(())
        assert editor.load(path) and editor.terms() == expected and editor.languages == ("es", "fr")
        assert window.request().glossary == expected
        remembered = window.current_settings()
        assert remembered.glossary_file == str(path)  # the next start opens it again
        again = open_window(qtbot, microphone, remembered)
        assert again.glossary_editor.terms() == expected
        again.controller.shutdown()
        with qtbot.waitSignal(window.controller.session_finished, timeout=150_000):
            assert window.start_session()
    finally:
        window.controller.shutdown()
    translations = [e for e in events if isinstance(e, Translation) and e.is_final]
    forced = [t for t in translations if t.glossary_terms == ("young man",)]
    assert forced and "muchacho" in forced[0].text, translations


def test_glossary_tab_reports_bad_rows_and_files(qtbot: Any, tmp_path: Path) -> None:
    from tolk.app.ui.glossary_tab import GlossaryEditor

    editor = GlossaryEditor()
    qtbot.addWidget(editor)
    row = editor.add_term()
    editor.set_cell(row, "source", "#not a comment")
    assert not editor.save_to(tmp_path / "g.tsv") and "'#'" in editor.status.text()
    assert not (tmp_path / "g.tsv").exists()
    editor.set_cell(row, "source", "x" * 300)
    assert editor.session_terms() == () and "row 1" in editor.status.text()
    editor.use.setChecked(False)
    editor.set_cell(row, "source", "fine")
    assert editor.session_terms() == ()
    bad = tmp_path / "bad.tsv"
    bad.write_text("term\tes\nx\ty\n", encoding="utf-8")
    assert not editor.load(bad) and "header" in editor.status.text()
    assert editor.terms() == (GlossaryTerm("fine"),)  # the table is kept
    with pytest.raises(InvalidArgument):
        editor.add_language("not a code!")


def test_app_refuses_a_bad_glossary_file_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("term\tes\nx\ty\n", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "tolk.app.cli", "app", "--settings", str(tmp_path / "t.ini")]
    done = subprocess.run(
        [*command, "--glossary", str(bad)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"tolk app: {bad}: the first line must be a header starting with 'source'"
