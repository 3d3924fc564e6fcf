"""The Pronunciation tab: pick or type a sentence, hear it, score a reading, see the words to work on.

Scoring runs through the backend's Pronounce RPC; the widget gets a `score` callable (text, wav path)
-> Future[Pronunciation] and shows the result when the future completes (on the GUI thread).
"""

from __future__ import annotations

import concurrent.futures
import html
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tolk.app.core.pronunciation import Pronunciation, Word

PRACTICE_SENTENCES = (
    "The quick brown fox jumps over the lazy dog",
    "Please call Stella and ask her to bring these things with her from the store",
    "She sells sea shells by the sea shore",
    "I would like a cup of coffee please",
)
STATUS_COLORS = {"ok": "#1b7f3b", "weak": "#b86e00", "substituted": "#c62828", "missing": "#777777"}
Scorer = Callable[[str, Path], "concurrent.futures.Future[Pronunciation]"]


def word_html(word: Word) -> str:
    color = STATUS_COLORS.get(word.status, "#000")
    style = f"color:{color};" + ("text-decoration:line-through;" if word.status == "missing" else "")
    return (
        f"<td style='padding:4px 8px;text-align:center'><span style='font-size:20px;{style}'>"
        f"{html.escape(word.word)}</span><br><span style='color:{color}'>{word.score}</span></td>"
    )


def result_html(result: Pronunciation) -> str:
    """The sentence with each word colored by status and its score, then the phones of weak words."""
    words = "".join(word_html(w) for w in result.words)
    rows = []
    for word in result.to_practice:
        phones = " · ".join(
            f"<span style='color:{'#c62828' if p.score < 60 else '#1b7f3b'}'>{p.phone}"
            f"{'' if p.score >= 60 or p.heard in ('SIL', p.phone) else ' (heard ' + p.heard + ')'}"
            f" <small>{p.score}</small></span>"
            for p in word.phones
        )
        rows.append(f"<li><b>{html.escape(word.word)}</b> — {word.status}, {word.score}/100: {phones}</li>")
    practice = f"<p>Words to work on:</p><ul>{''.join(rows)}</ul>" if rows else "<p>Nothing to work on.</p>"
    return (
        f"<p style='font-size:16px'>Overall <b>{result.score}</b>/100</p>"
        f"<table><tr>{words}</tr></table>{practice}"
        "<p style='color:#777'>Scores compare each expected sound with the best any English sound fits "
        "(goodness of pronunciation); green ok, orange weak, red substituted, grey struck out missing.</p>"
    )


class PronounceTab(QWidget):
    """Sentence picker, Hear it, Score a recording, and the colored result."""

    scored = Signal(object)  # Pronunciation, emitted on the GUI thread
    failed = Signal(str)

    def __init__(self, score: Scorer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._score = score
        self.sentence = QComboBox(editable=True)
        self.sentence.addItems(PRACTICE_SENTENCES)
        self.hear = QPushButton("Hear it")
        self.hear.setEnabled(shutil.which("espeak-ng") is not None)
        self.hear.clicked.connect(self.speak)
        self.open = QPushButton("Score a recording…")
        self.open.clicked.connect(self._choose_file)
        self.status = QLabel("Read the sentence aloud, record it, and score the recording.")
        self.result = QTextBrowser()
        row = QHBoxLayout()
        row.addWidget(self.sentence, 1)
        row.addWidget(self.hear)
        row.addWidget(self.open)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.status)
        column.addWidget(self.result, 1)
        self.scored.connect(self.show_result)
        self.failed.connect(self.status.setText)
        self._speaker = QProcess(self)

    def speak(self) -> None:
        self._speaker.start("espeak-ng", ["-v", "en-us", "-s", "130", self.sentence.currentText()])

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Recording", "", "Audio (*.wav *.flac *.ogg *.mp3)")
        if path:
            self.score_file(Path(path))

    def score_file(self, path: Path) -> concurrent.futures.Future[Pronunciation]:
        self.status.setText(f"Scoring {path.name}…")
        future = self._score(self.sentence.currentText(), path)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: concurrent.futures.Future[Pronunciation]) -> None:
        try:
            self.scored.emit(future.result())
        except Exception as exc:  # shown to the user; the worker thread must not die silently
            self.failed.emit(f"Cannot score: {exc}")

    def show_result(self, result: Pronunciation) -> None:
        practice = ", ".join(w.word for w in result.to_practice) or "nothing"
        self.status.setText(f"Scored: {result.score}/100 — practice: {practice}")
        self.result.setHtml(result_html(result))
