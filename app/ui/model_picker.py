"""The model picker: which ASR and MT engines the backend has installed, and which this session uses.

It shows the engines GetCapabilities lists (in offline mode: this computer's model store, the bundled
PocketSphinx and Apertium), one drop-down per kind. "Automatic" leaves the choice to the backend (its
default engine, named in the item); any other item is sent as the session's engine spec. Below each
drop-down, the chosen engine's description (precision, runtime, version, source) and its languages or
pairs. The picker knows nothing of the backend: it takes EngineDescriptions and emits `changed`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from tolk.app.transport.events import EngineDescription

AUTOMATIC = ""
PULL_HINT = "More models: <code>tolk models pull HUB_ID</code>, e.g. Systran/faster-whisper-small."
MAX_PAIRS_SHOWN = 8
MAX_INFO_CHARS = 100


def _coverage(engine: EngineDescription) -> str:
    if engine.kind == "asr":
        languages = list(engine.languages)
        shown = ", ".join(languages[:MAX_PAIRS_SHOWN])
        more = f" +{len(languages) - MAX_PAIRS_SHOWN}" if len(languages) > MAX_PAIRS_SHOWN else ""
        return f"languages: {shown or '-'}{more}"
    pairs = [f"{s}→{t}" for s, t in engine.pairs]
    more = f" +{len(pairs) - MAX_PAIRS_SHOWN}" if len(pairs) > MAX_PAIRS_SHOWN else ""
    return f"pairs: {', '.join(pairs[:MAX_PAIRS_SHOWN]) or '-'}{more}"


def _brief(text: str) -> str:
    """The description cut to MAX_INFO_CHARS at a word (the full text is the label's tooltip): a long
    word-wrapped label in the narrow side panel overlaps the rows below it."""
    if len(text) <= MAX_INFO_CHARS:
        return text
    return text[:MAX_INFO_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"


class ModelPicker(QGroupBox):
    """ASR and MT drop-downs filled from capabilities; `selected_asr()`/`selected_mt()` give the specs
    ("" = automatic)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Models", parent)
        self.asr = QComboBox()
        self.mt = QComboBox()
        self.asr_info = QLabel(wordWrap=True)
        self.mt_info = QLabel(wordWrap=True)
        for info in (self.asr_info, self.mt_info):
            info.setStyleSheet("color: #777; font-size: 11px;")
        hint = QLabel(PULL_HINT, wordWrap=True)
        hint.setStyleSheet("color: #777; font-size: 11px;")
        form = QFormLayout(self)
        form.addRow("Speech", self.asr)
        form.addRow("", self.asr_info)
        form.addRow("Translation", self.mt)
        form.addRow("", self.mt_info)
        form.addRow(hint)
        self._engines: dict[str, EngineDescription] = {}
        self._wanted = {"asr": AUTOMATIC, "mt": AUTOMATIC}
        self._filling = False
        self.asr.currentIndexChanged.connect(lambda _i: self._picked("asr"))
        self.mt.currentIndexChanged.connect(lambda _i: self._picked("mt"))
        self.set_engines(())

    def set_engines(self, engines: Sequence[EngineDescription]) -> None:
        """Fills both drop-downs, keeping the chosen engines where they are still installed."""
        self._engines = {engine.name: engine for engine in engines}
        self._filling = True
        try:
            for kind, combo in (("asr", self.asr), ("mt", self.mt)):
                self._fill(combo, [e for e in engines if e.kind == kind], self._wanted[kind])
        finally:
            self._filling = False
        self._show_info()

    def set_selection(self, asr: str, mt: str) -> None:
        """Chooses engines by spec ("" = automatic); an engine not (yet) listed is chosen once it is."""
        self._wanted = {"asr": asr, "mt": mt}
        self.set_engines(tuple(self._engines.values()))

    def selected_asr(self) -> str:
        """The chosen ASR spec; before the engines are known, the one asked for by `set_selection`."""
        return str(self.asr.currentData() or AUTOMATIC) if self._engines else self._wanted["asr"]

    def selected_mt(self) -> str:
        return str(self.mt.currentData() or AUTOMATIC) if self._engines else self._wanted["mt"]

    def _fill(self, combo: QComboBox, engines: list[EngineDescription], wanted: str) -> None:
        combo.clear()
        default = next((e.name for e in engines if e.is_default), "")
        combo.addItem(f"Automatic ({default})" if default else "Automatic", AUTOMATIC)
        for engine in sorted(engines, key=lambda e: (not e.is_default, e.name)):
            combo.addItem(engine.name, engine.name)
            combo.setItemData(combo.count() - 1, engine.description, role=3)  # Qt.ToolTipRole
        index = combo.findData(wanted)
        combo.setCurrentIndex(max(0, index))

    def _picked(self, kind: str) -> None:
        if self._filling:
            return
        self._wanted[kind] = self.selected_asr() if kind == "asr" else self.selected_mt()
        self._show_info()
        self.changed.emit()

    def _show_info(self) -> None:
        for combo, label in ((self.asr, self.asr_info), (self.mt, self.mt_info)):
            chosen = str(combo.currentData() or "")
            if not chosen:  # automatic: describe the backend's default
                chosen = combo.itemText(0).removeprefix("Automatic").strip(" ()")
            engine = self._engines.get(chosen)
            if engine is None:
                label.setText("not connected yet")
                label.setToolTip("")
                continue
            label.setText(f"{_brief(engine.description)}\n{_coverage(engine)}")
            label.setToolTip(f"{engine.description}\n{_coverage(engine)}")
