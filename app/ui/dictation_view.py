"""The Dictation tab: finals become an editable record (spoken commands, numbers and units applied),
exported to TXT, Markdown or DOCX, optionally encrypted with a passphrase. Nothing touches the disk
until the user exports."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tolk.app.core.dictation import COMMANDS, DictationDocument
from tolk.app.core.events import Final, SessionEvent
from tolk.app.core.export import FORMATS, ExportError, ExportFormat, export


class DictationView(QWidget):
    """Editable transcript with export; feed it session events with `on_event`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = DictationDocument("en")
        self.language = QComboBox()
        self.language.addItems(sorted(COMMANDS))
        self.language.currentTextChanged.connect(self._set_language)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText(
            "Start a session and dictate: say “period”, “comma”, “new paragraph”; "
            "“five milligrams” is written 5 mg. Edit freely."
        )
        self.editor.textChanged.connect(self._edited)
        self.format = QComboBox()
        self.format.addItems([f.upper() for f in FORMATS])
        self.encrypt = QCheckBox("Encrypt with passphrase")
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password, placeholderText="passphrase")
        self.save = QPushButton("Export…")
        self.save.clicked.connect(self._export_dialog)
        self.status = QLabel("Dictation is kept in memory only until you export it.")
        top = QHBoxLayout()
        top.addWidget(QLabel("Commands:"))
        top.addWidget(self.language)
        top.addStretch(1)
        top.addWidget(self.format)
        top.addWidget(self.encrypt)
        top.addWidget(self.passphrase)
        top.addWidget(self.save)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.editor, 1)
        column.addWidget(self.status)
        self._updating = False

    def _set_language(self, language: str) -> None:
        self.document.language = language

    def on_event(self, event: SessionEvent) -> None:
        if isinstance(event, Final) and event.text.strip():
            self.document.add_final(event.text)
            self._updating = True
            self.editor.setPlainText(self.document.text)
            self._updating = False

    def _edited(self) -> None:
        if not self._updating:
            self.document.edit(self.editor.toPlainText())

    def _export_dialog(self) -> None:
        fmt = cast(ExportFormat, self.format.currentText().lower())
        path, _ = QFileDialog.getSaveFileName(self, "Export dictation", f"dictation.{fmt}")
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: ExportFormat) -> Path | None:
        passphrase = self.passphrase.text() if self.encrypt.isChecked() else None
        try:
            written = export(self.editor.toPlainText(), path, fmt, passphrase)
        except ExportError as exc:
            self.status.setText(f"Cannot export: {exc}")
            return None
        self.status.setText(f"Exported to {written}" + (" (encrypted)" if passphrase else ""))
        return written
