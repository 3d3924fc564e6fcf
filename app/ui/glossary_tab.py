"""The Glossary tab: view, add, edit and remove terms (source term, a target term per language, optional
pronunciation), open and save the glossary file (`tolk translate --glossary FILE` reads the same format),
and hand the terms to the sessions the window starts.

The table is the editor; `terms()` reads it back through the same checks as loading a file, and
`session_terms()` is what a new session gets (nothing when "Use in sessions" is off).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tolk.common.errors import InvalidArgument
from tolk.common.glossary import Glossary, GlossaryTerm, load_glossary, save_glossary
from tolk.common.langcodes import language_code

SOURCE_COLUMN = 0
FILE_FILTER = "Glossary (*.tsv *.txt *.csv)"


def _cell(text: str) -> str:
    """What a cell means: whitespace collapsed (a glossary cell is one line)."""
    return " ".join(text.split())


class GlossaryEditor(QWidget):
    """A table of terms with Add / Remove / Add language / Open / Save, and "Use in sessions".

    `file_changed` is emitted after a file was opened or saved (the window remembers it).
    """

    file_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.table = QTableWidget(0, 2)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.add = QPushButton("Add term")
        self.remove = QPushButton("Remove")
        self.add_language_button = QPushButton("Add language…")
        self.open = QPushButton("Open…")
        self.save = QPushButton("Save")
        self.save_as_button = QPushButton("Save as…")
        self.use = QCheckBox("Use in sessions")
        self.use.setChecked(True)
        self.use.setToolTip("Bias recognition towards these terms and force their translations")
        self.status = QLabel("No glossary file. Add terms, then Save.")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.add, self.remove, self.add_language_button, self.open, self.save):
            buttons.addWidget(button)
        buttons.addWidget(self.save_as_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use)
        column = QVBoxLayout(self)
        column.addLayout(buttons)
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        self.add.clicked.connect(lambda: self.add_term())
        self.remove.clicked.connect(self.remove_selected)
        self.add_language_button.clicked.connect(self._ask_language)
        self.open.clicked.connect(self._choose_open)
        self.save.clicked.connect(self._save_clicked)
        self.save_as_button.clicked.connect(self._choose_save)
        self._set_languages(())

    # --- columns -------------------------------------------------------------------------------------
    @property
    def languages(self) -> tuple[str, ...]:
        """The target languages, in column order."""
        count = self.table.columnCount()
        return tuple(self._header(c) for c in range(1, count - 1))

    def _header(self, column: int) -> str:
        item = self.table.horizontalHeaderItem(column)
        return item.text() if item is not None else ""

    def _set_languages(self, languages: Sequence[str]) -> None:
        self.table.setColumnCount(len(languages) + 2)
        self.table.setHorizontalHeaderLabels(["Source term", *languages, "Pronunciation (ARPAbet)"])

    def add_language(self, code: str) -> None:
        """Adds a target-language column ("es"); InvalidArgument for something that is not a code."""
        code = language_code(code, "target language", "es")
        if code in self.languages:
            return
        pronunciations = self.table.columnCount() - 1
        self.table.insertColumn(pronunciations)
        self.table.setHorizontalHeaderItem(pronunciations, QTableWidgetItem(code))

    def _ask_language(self) -> None:
        code, ok = QInputDialog.getText(self, "Add language", "Target language code (es, fr, de, …):")
        if ok and code.strip():
            try:
                self.add_language(code)
            except InvalidArgument as exc:
                self.status.setText(str(exc))

    # --- rows ----------------------------------------------------------------------------------------
    def add_term(self, term: GlossaryTerm | None = None) -> int:
        """Appends a row (empty, or filled from `term`) and starts editing its source; returns the row."""
        term = term or GlossaryTerm("")
        for language in term.targets:
            self.add_language(language)
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = [term.source, *(term.targets.get(lang, "") for lang in self.languages), term.pronunciation]
        for column, value in enumerate(values):
            self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.setCurrentCell(row, SOURCE_COLUMN)
        return row

    def set_cell(self, row: int, column: str, text: str) -> None:
        """Sets one cell: column "source", "pron" or a language code (what typing into the cell does)."""
        names = ["source", *self.languages, "pron"]
        item = self.table.item(row, names.index(column))
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, names.index(column), item)
        item.setText(text)

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)

    def set_terms(self, terms: Sequence[GlossaryTerm]) -> None:
        self.table.setRowCount(0)
        self._set_languages(sorted({lang for term in terms for lang in term.targets}))
        for term in terms:
            self.add_term(term)

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return _cell(item.text()) if item is not None else ""

    def terms(self) -> tuple[GlossaryTerm, ...]:
        """The table's terms (rows without a source term are left out); InvalidArgument naming the row
        for a term the glossary refuses."""
        languages = self.languages
        terms = []
        for row in range(self.table.rowCount()):
            source = self._text(row, SOURCE_COLUMN)
            if not source:
                continue
            cells = {lang: self._text(row, c) for c, lang in enumerate(languages, start=1)}
            targets = {lang: text for lang, text in cells.items() if text}
            term = GlossaryTerm(source, targets, self._text(row, len(languages) + 1))
            try:
                Glossary([term])
            except InvalidArgument as exc:
                raise InvalidArgument(f"row {row + 1}: {exc}") from None
            terms.append(term)
        return Glossary(terms).terms

    def session_terms(self) -> tuple[GlossaryTerm, ...]:
        """What a new session gets: the terms when "Use in sessions" is on; () (and the reason shown)
        when a row is invalid."""
        if not self.use.isChecked():
            return ()
        try:
            return self.terms()
        except InvalidArgument as exc:
            self.status.setText(f"Glossary not used: {exc}")
            return ()

    # --- files ---------------------------------------------------------------------------------------
    def load(self, path: Path) -> bool:
        """Replaces the table with the file's terms; False (the reason shown) for a bad file."""
        try:
            glossary = load_glossary(path)
        except InvalidArgument as exc:
            self.status.setText(str(exc))
            return False
        self.set_terms(glossary.terms)
        self.path = path
        self.status.setText(f"{path.name}: {len(glossary)} terms")
        self.file_changed.emit()
        return True

    def save_to(self, path: Path) -> bool:
        """Writes the table to `path` (TSV, or CSV for .csv); False (the reason shown) when it cannot."""
        try:
            terms = self.terms()
            save_glossary(path, terms)
        except InvalidArgument as exc:
            self.status.setText(f"Not saved: {exc}")
            return False
        self.path = path
        self.status.setText(f"Saved {len(terms)} terms to {path}")
        self.file_changed.emit()
        return True

    def _choose_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open glossary", "", FILE_FILTER)
        if path:
            self.load(Path(path))

    def _save_clicked(self) -> None:
        if self.path is None:
            self._choose_save()
        else:
            self.save_to(self.path)

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save glossary", "glossary.tsv", FILE_FILTER)
        if path:
            self.save_to(Path(path))
