"""The Pronunciation tab: pick or type a sentence, hear it, record a reading (or open a file), and see
the score per word and per phone with the words to work on.

Scoring runs through the backend's Pronounce RPC; the widget gets a `score` callable (text, file path or
16 kHz samples) -> Future[PronunciationResult] and shows the result when the future completes (on the
GUI thread). Recording uses a `record` callable that makes a tolk.app.audio.recorder.Recorder on the
selected input; the take stays in memory (nothing is written to disk) and is scored when the learner
clicks Stop (or the take reaches its limit, or the input stops).
"""

from __future__ import annotations

import concurrent.futures
import html
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, QTimer, Signal
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

from tolk.app.audio.capture import CaptureError
from tolk.app.audio.recorder import Recorder
from tolk.common.dsp import Samples
from tolk.common.pronunciation import PronunciationResult, WordScore

PRACTICE_SENTENCES = (
    "The quick brown fox jumps over the lazy dog",
    "Please call Stella and ask her to bring these things with her from the store",
    "She sells sea shells by the sea shore",
    "I would like a cup of coffee please",
)
STATUS_COLORS = {"ok": "#1b7f3b", "weak": "#b86e00", "substituted": "#c62828", "missing": "#777777"}
Scorer = Callable[[str, "Path | Samples"], "concurrent.futures.Future[PronunciationResult]"]
RecorderFactory = Callable[[], Recorder]
POLL_MS = 50
RECORD_LABEL = "● Record"
STOP_LABEL = "■ Stop"


def word_html(word: WordScore) -> str:
    color = STATUS_COLORS.get(word.status, "#000")
    style = f"color:{color};" + ("text-decoration:line-through;" if word.status == "missing" else "")
    return (
        f"<td style='padding:4px 8px;text-align:center'><span style='font-size:20px;{style}'>"
        f"{html.escape(word.word)}</span><br><span style='color:{color}'>{word.score}</span></td>"
    )


def result_html(result: PronunciationResult) -> str:
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
    """Sentence picker, Hear it, Record / Stop, Score a file, and the colored result."""

    scored = Signal(object)  # PronunciationResult, emitted on the GUI thread
    failed = Signal(str)

    def __init__(
        self, score: Scorer, record: RecorderFactory | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._score = score
        self._record = record
        self.recorder: Recorder | None = None
        self.sentence = QComboBox(editable=True)
        self.sentence.addItems(PRACTICE_SENTENCES)
        self.hear = QPushButton("Hear it")
        self.hear.setEnabled(shutil.which("espeak-ng") is not None)
        self.hear.clicked.connect(self.speak)
        self.record = QPushButton(RECORD_LABEL)
        self.record.setToolTip("Record yourself reading the sentence from the selected input; Stop scores it")
        self.record.setEnabled(record is not None)
        self.record.clicked.connect(self.toggle_recording)
        self.open = QPushButton("Score a file…")
        self.open.clicked.connect(self._choose_file)
        self.status = QLabel("Read the sentence aloud: Record, then Stop to get your score.")
        self.result = QTextBrowser()
        row = QHBoxLayout()
        row.addWidget(self.sentence, 1)
        for button in (self.hear, self.record, self.open):
            row.addWidget(button)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.status)
        column.addWidget(self.result, 1)
        self.scored.connect(self.show_result)
        self.failed.connect(self.status.setText)
        self._speaker = QProcess(self)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll)

    def speak(self) -> None:
        self._speaker.start("espeak-ng", ["-v", "en-us", "-s", "130", self.sentence.currentText()])

    # --- recording -----------------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.recorder is None:
            self.start_recording()
        else:
            self.stop_recording()

    def start_recording(self) -> None:
        if self._record is None or self.recorder is not None:
            return
        try:
            recorder = self._record()
            recorder.start()
        except CaptureError as exc:
            self.status.setText(f"Cannot record: {exc}")
            return
        self.recorder = recorder
        self.record.setText(STOP_LABEL)
        self.open.setEnabled(False)
        self.status.setText(f"Recording from {recorder.device_name}… read the sentence, then Stop.")
        self._poll.start()

    def _on_poll(self) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        recorder.poll()
        if recorder.ended or recorder.full:
            self.stop_recording()
            return
        meter = "▮" * round(min(recorder.level, 1.0) * 10)
        self.status.setText(f"Recording… {recorder.duration_s:.1f} s  {meter}")

    def stop_recording(self) -> concurrent.futures.Future[PronunciationResult] | None:
        """Ends the take and scores it; None (with the reason shown) when there is nothing to score."""
        recorder, self.recorder = self.recorder, None
        self._poll.stop()
        self.record.setText(RECORD_LABEL)
        self.open.setEnabled(True)
        if recorder is None:
            return None
        try:
            samples = recorder.stop()
        except ValueError as exc:
            self.status.setText(f"Cannot score: {exc}")
            return None
        ended = " (the input stopped)" if recorder.ended else ""
        return self._submit(samples, f"Scoring your {len(samples) / 16_000:.1f} s reading{ended}…")

    # --- files and results ---------------------------------------------------------------------------
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Recording", "", "Audio (*.wav *.flac *.ogg *.mp3)")
        if path:
            self.score_file(Path(path))

    def score_file(self, path: Path) -> concurrent.futures.Future[PronunciationResult]:
        return self._submit(path, f"Scoring {path.name}…")

    def _submit(self, audio: Path | Samples, message: str) -> concurrent.futures.Future[PronunciationResult]:
        self.status.setText(message)
        future = self._score(self.sentence.currentText(), audio)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: concurrent.futures.Future[PronunciationResult]) -> None:
        try:
            self.scored.emit(future.result())
        except Exception as exc:  # shown to the user; the worker thread must not die silently
            self.failed.emit(f"Cannot score: {exc}")

    def show_result(self, result: PronunciationResult) -> None:
        practice = ", ".join(w.word for w in result.to_practice) or "nothing"
        self.status.setText(f"Scored: {result.score}/100 — practice: {practice}")
        self.result.setHtml(result_html(result))
