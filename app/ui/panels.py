"""The main window's setting panels: input, languages, connection. Each edits one part of AppSettings."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QToolButton,
    QWidget,
)

from tolk.app.audio.capture import InputDevice
from tolk.app.ui.settings import Mode

LEVEL_HZ = 20
FILE_FILTER = "Audio (*.wav *.flac *.ogg *.opus *.mp3);;All files (*)"


class InputPanel(QGroupBox):
    """Device picker with a live level meter, or an audio file played as a microphone."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Input", parent)
        self.device = QComboBox()
        self.device.setMinimumContentsLength(18)
        self.device.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.refresh = QToolButton()
        self.refresh.setText("↻")
        self.refresh.setToolTip("Look for devices again")
        self.level = QProgressBar(textVisible=False, maximum=100)
        self.level.setFixedHeight(8)
        self.use_file = QCheckBox("Play a file as the microphone")
        self.file = QLineEdit(placeholderText="audio file…")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.device, 1)
        row.addWidget(self.refresh)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Device", row)
        form.addRow("Level", self.level)
        form.addRow(self.use_file)
        form.addRow("File", file_row)
        self.device.currentIndexChanged.connect(lambda _: self.changed.emit())
        self.use_file.toggled.connect(self._file_toggled)
        self.file.editingFinished.connect(self.changed.emit)

    def set_devices(self, devices: Sequence[InputDevice], selected: str) -> None:
        self.device.blockSignals(True)
        self.device.clear()
        for device in devices:
            self.device.addItem(device.label, device.name)
        index = self.device.findData(selected)
        self.device.setCurrentIndex(max(0, index))
        if not devices:
            self.device.addItem("no audio input found", "")
        self.device.setEnabled(bool(devices))
        self.device.blockSignals(False)

    def selected_device(self) -> str:
        return str(self.device.currentData() or "")

    def set_file(self, path: str, use: bool) -> None:
        self.file.setText(path)
        self.use_file.setChecked(use)
        self._file_toggled(use)

    def input_file(self) -> str:
        return self.file.text().strip() if self.use_file.isChecked() else ""

    def set_level(self, peak: float) -> None:
        self.level.setValue(int(min(1.0, peak) * 100))

    def _file_toggled(self, on: bool) -> None:
        self.file.setEnabled(on)
        self.device.setEnabled(not on and self.device.count() > 0 and bool(self.device.itemData(0)))
        self.changed.emit()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Audio file", self.file.text(), FILE_FILTER)
        if path:
            self.set_file(path, True)


class LanguagePanel(QGroupBox):
    """Source language and one or more targets, filled from the backend's capabilities."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Languages", parent)
        self.source = QComboBox()
        self.targets = QToolButton()
        self.targets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.targets.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.targets.setMinimumWidth(140)
        self.targets.setToolTip("Pick one or more languages to translate into")
        self._menu = QMenu(self.targets)
        self.targets.setMenu(self._menu)
        self._pairs: dict[str, list[str]] = {}
        form = QFormLayout(self)
        form.addRow("Speech", self.source)
        form.addRow("Translate to", self.targets)
        self.source.currentIndexChanged.connect(self._source_changed)

    def set_choices(self, pairs: dict[str, list[str]], source: str, targets: Sequence[str]) -> None:
        """`pairs` maps each recognizable language to the languages it can be translated into."""
        self._pairs = {k: list(v) for k, v in pairs.items()} or {source: list(targets)}
        self.source.blockSignals(True)
        self.source.clear()
        for language in sorted(self._pairs):
            self.source.addItem(language, language)
        self.source.setCurrentIndex(max(0, self.source.findData(source)))
        self.source.blockSignals(False)
        self._fill_targets(targets)

    def selected_source(self) -> str:
        return str(self.source.currentData() or "")

    def selected_targets(self) -> tuple[str, ...]:
        return tuple(str(a.data()) for a in self._menu.actions() if a.isChecked())

    def _source_changed(self) -> None:
        self._fill_targets(self.selected_targets())
        self.changed.emit()

    def _fill_targets(self, wanted: Sequence[str]) -> None:
        self._menu.clear()
        for language in self._pairs.get(self.selected_source(), []):
            action = QAction(language, self._menu, checkable=True, checked=language in wanted)
            action.setData(language)
            action.toggled.connect(self._targets_toggled)
            self._menu.addAction(action)
        self._update_label()

    def _targets_toggled(self) -> None:
        self._update_label()
        self.changed.emit()

    def _update_label(self) -> None:
        chosen = self.selected_targets()
        self.targets.setText(", ".join(chosen) if chosen else "(captions only)")


class ConnectionPanel(QGroupBox):
    """Offline (embedded backend) or a Tolk server with address, TLS and token."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Connection", parent)
        self.offline = QRadioButton("Offline (on this computer)")
        self.server = QRadioButton("Server")
        group = QButtonGroup(self)
        group.addButton(self.offline)
        group.addButton(self.server)
        self.address = QLineEdit(placeholderText="host:port")
        self.tls = QCheckBox("TLS")
        self.token = QLineEdit(placeholderText="token (optional)")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        server_row = QHBoxLayout()
        server_row.addWidget(self.address, 1)
        server_row.addWidget(self.tls)
        form = QFormLayout(self)
        form.addRow(self.offline)
        form.addRow(self.server)
        form.addRow("Address", server_row)
        form.addRow("Token", self.token)
        self._debounce = QTimer(self, singleShot=True, interval=600)
        self._debounce.timeout.connect(self.changed.emit)
        self.server.toggled.connect(self._mode_toggled)
        self.address.editingFinished.connect(self._debounce.start)
        self.tls.toggled.connect(self._debounce.start)

    def set_values(self, mode: Mode, address: str, tls: bool, token: str) -> None:
        self.address.setText(address)
        self.tls.setChecked(tls)
        self.token.setText(token)
        (self.server if mode == "server" else self.offline).setChecked(True)
        self._enable()

    def mode(self) -> Mode:
        return "server" if self.server.isChecked() else "offline"

    def _mode_toggled(self) -> None:
        self._enable()
        self.changed.emit()

    def _enable(self) -> None:
        on = self.server.isChecked()
        for widget in (self.address, self.tls, self.token):
            widget.setEnabled(on)
