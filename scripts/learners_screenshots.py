"""Screenshots of the Pronunciation, Dictation and Glossary tabs for the README (Pronunciation practice,
Dictation, Glossary).

Runs the real main window offscreen against the in-process backend (zero-download engines); the
reading is espeak-ng saying "cat" where the sentence has "fox", played as the microphone and recorded
with the tab's Record / Stop.
Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/learners_screenshots.py docs/screenshots
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile
from PySide6.QtWidgets import QApplication

from tolk.app.audio.file_device import FileSoundModule
from tolk.app.audio.files import read_audio
from tolk.app.controller import Controller
from tolk.app.core.events import Final
from tolk.app.ui.main_window import MainWindow
from tolk.app.ui.settings import AppSettings
from tolk.common.glossary import GlossaryTerm

GLOSSARY = (
    GlossaryTerm("metformin", {"es": "metformina", "fr": "metformine"}, "M EH T F AO R M IH N"),
    GlossaryTerm("heart attack", {"es": "infarto", "fr": "infarctus"}),
    GlossaryTerm("blood pressure", {"es": "tensión arterial", "fr": "tension artérielle"}),
    GlossaryTerm("follow up", {"es": "seguimiento", "fr": "suivi"}),
)


def record(app: QApplication, window: MainWindow, speech_s: float) -> None:
    """Record, let the microphone play the reading, Stop: the take is scored."""
    tab = window.pronounce_tab
    tab.record.click()
    recorder = tab.recorder
    assert recorder is not None
    while recorder.duration_s < speech_s + 0.3:  # the file has 1 s of silence after the reading
        app.processEvents()
        time.sleep(0.01)
    future = tab.stop_recording()
    assert future is not None
    future.result(timeout=120)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)


def main(folder: Path) -> None:
    app = QApplication.instance() or QApplication([])
    folder.mkdir(parents=True, exist_ok=True)
    wav = Path(tempfile.mkdtemp()) / "reading.wav"
    said = "the quick brown cat jumps over the lazy dog"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), said], check=True)
    speech = read_audio(wav)
    soundfile.write(wav, np.concatenate([speech, np.zeros(16_000, np.float32)]), 16_000)
    controller = Controller(lambda: FileSoundModule(wav, speed=2.0))
    window = MainWindow(controller, AppSettings())
    window.resize(1180, 640)
    window.show()
    try:
        tab = window.pronounce_tab
        tab.sentence.setCurrentText("The quick brown fox jumps over the lazy dog")
        window.learner_tabs.setCurrentWidget(tab)
        record(app, window, len(speech) / 16_000)
        window.grab().save(str(folder / "pronunciation-tab.png"))
        for i, text in enumerate(
            [
                "patient reports dizziness since monday period",
                "take five milligrams of metformin twice a day period new paragraph",
                "blood pressure one hundred and thirty over eighty comma"
                " saturation ninety seven percent period",
                "follow up in two weeks period",
            ]
        ):
            window.controller.event_received.emit(Final(i, text, "en", float(i), float(i + 1)))
        window.dictation_view.encrypt.setChecked(True)
        window.dictation_view.passphrase.setText("secret")
        window.learner_tabs.setCurrentWidget(window.dictation_view)
        app.processEvents()
        window.grab().save(str(folder / "dictation-tab.png"))
        window.glossary_editor.set_terms(GLOSSARY)
        window.glossary_editor.status.setText("clinic.tsv: 4 terms")
        window.learner_tabs.setCurrentWidget(window.glossary_editor)
        app.processEvents()
        window.grab().save(str(folder / "glossary-tab.png"))
    finally:
        controller.shutdown()
        window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
