"""Screenshots of the Pronunciation and Dictation tabs for the README (Pronunciation practice, Dictation).

Runs the real main window offscreen against the in-process backend (zero-download engines); the
reading is espeak-ng saying "cat" where the sentence has "fox".
Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/learners_screenshots.py docs/screenshots
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from tolk.app.controller import Controller
from tolk.app.core.events import Final
from tolk.app.ui.main_window import MainWindow
from tolk.app.ui.settings import AppSettings


def main(folder: Path) -> None:
    app = QApplication.instance() or QApplication([])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(lambda: None)  # type: ignore[arg-type, return-value]
    window = MainWindow(controller, AppSettings())
    window.resize(1180, 640)
    window.show()
    try:
        wav = Path(tempfile.mkdtemp()) / "reading.wav"
        said = "the quick brown cat jumps over the lazy dog"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), said], check=True)
        tab = window.pronounce_tab
        tab.sentence.setCurrentText("The quick brown fox jumps over the lazy dog")
        result = tab.score_file(wav).result(timeout=120)
        tab.show_result(result)
        window.learner_tabs.setCurrentWidget(tab)
        app.processEvents()
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
    finally:
        controller.shutdown()
        window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
