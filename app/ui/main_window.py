"""The main window: settings panels on the left, live captions on the right, state in the status bar.

It talks only to the Controller (start/stop, devices, capabilities) and reflects its signals. Settings
come in as an AppSettings and go out through `settings_changed`; the entry point persists them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tolk.app.backend_link import ConnectionSpec
from tolk.app.controller import NO_DEVICE_MESSAGE, Controller, SessionRequest
from tolk.app.core.captions import CaptionModel
from tolk.app.core.events import SessionEvent
from tolk.app.core.subtitles import to_srt, to_text, to_vtt
from tolk.app.ui.broadcast import BroadcastPanel
from tolk.app.ui.captions_view import CaptionsView
from tolk.app.ui.conversation_toggle import ConversationToggle
from tolk.app.ui.glossary_tab import GlossaryEditor
from tolk.app.ui.learners_tabs import learner_tabs
from tolk.app.ui.model_picker import ModelPicker
from tolk.app.ui.overlay import SubtitleOverlay
from tolk.app.ui.overlay_panel import OVERLAY_SHORTCUT, OverlayPanel
from tolk.app.ui.panels import LEVEL_HZ, ConnectionPanel, InputPanel, LanguagePanel
from tolk.app.ui.settings import AppSettings, OverlayLook

STATE_LABELS = {
    "idle": "Ready",
    "connecting": "Connecting…",
    "connected": "Live",
    "reconnecting": "Reconnecting…",
    "closed": "Stopped",
    "stopped": "Stopped",
    "error": "Error",
}
STATE_COLORS = {
    "connected": "#2e9d5b",
    "reconnecting": "#d08a1e",
    "connecting": "#d08a1e",
    "error": "#c0392b",
}
OVERLAY_MAX_WIDTH_PX = 1400
OVERLAY_BOTTOM_GAP_PX = 60
WRITERS = {"srt": to_srt, "vtt": to_vtt, "txt": to_text}


class MainWindow(QMainWindow):
    """The app's window; `export(path)` writes the session in the format of the file's suffix."""

    settings_changed = Signal(object)  # AppSettings
    glossary_editor: GlossaryEditor  # the Glossary tab (set by learner_tabs)

    def __init__(self, controller: Controller, settings: AppSettings, token: str = "") -> None:
        super().__init__()
        self.setWindowTitle("Tolk — live interpreter")
        self.controller = controller
        self.model = CaptionModel()
        self._settings = settings
        self._restart_pending = False
        self.inputs = InputPanel()
        self.languages = LanguagePanel()
        self.connection = ConnectionPanel()
        self.models = ModelPicker()
        self.overlay_panel = OverlayPanel(settings.overlay)
        self.broadcast = BroadcastPanel()
        self.view = CaptionsView(self.model, settings.target_languages)
        self.overlay = SubtitleOverlay(settings.overlay)
        self.banner = QLabel(wordWrap=True)
        self.banner.hide()
        self.banner.setStyleSheet("background: #5c1f1f; color: #ffdede; padding: 8px; border-radius: 4px;")
        self.state_label = QLabel()
        self.delay_label = QLabel("delay —")
        self.engines_label = QLabel()  # offline mode: the engines the embedded backend runs
        self.start_button = QPushButton("Start")
        self.conversation = ConversationToggle(self, settings.speak_translations, settings.speech_output)
        self.conversation.speech_changed.connect(self._save_settings)
        self._build_layout()
        self._build_status_bar()
        self._load(settings, token)
        self._connect()
        self._level_timer = QTimer(self, interval=1000 // LEVEL_HZ)
        self._level_timer.timeout.connect(lambda: self.inputs.set_level(self.controller.level))
        self._level_timer.start()
        self._show_state("idle", "")

    # --- construction --------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        side = QWidget()
        column = QVBoxLayout(side)
        for panel in (
            self.inputs,
            self.languages,
            self.connection,
            self.models,
            self.broadcast,
            self.overlay_panel,
        ):
            column.addWidget(panel)
        column.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(side)
        scroll.setMinimumWidth(360)
        self.start_button.setMinimumHeight(36)
        self.start_button.setStyleSheet("font-weight: bold; font-size: 14px;")
        copy = QPushButton("Copy")
        copy.clicked.connect(self.copy_transcript)
        export = QToolButton()
        export.setText("Export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        for fmt in ("txt", "srt", "vtt"):
            action = QAction(f"{fmt.upper()}…", menu)
            action.triggered.connect(lambda _=False, f=fmt: self._export_dialog(f))
            menu.addAction(action)
        export.setMenu(menu)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear_captions)
        bar = QHBoxLayout()
        bar.addWidget(self.start_button, 1)
        for widget in (self.conversation, copy, export, clear):
            bar.addWidget(widget)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.addLayout(bar)
        right_column.addWidget(self.banner)
        right_column.addWidget(self.view, 1)
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(learner_tabs(self, right))
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.resize(1180, 720)

    def _show_engines(self, engines: str, reason: str) -> None:
        self.engines_label.setText(f"offline: {engines}" if engines else "")
        self.engines_label.setToolTip(reason)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.addWidget(self.state_label, 1)
        status.addPermanentWidget(self.engines_label)
        status.addPermanentWidget(self.delay_label)

    def _load(self, settings: AppSettings, token: str) -> None:
        devices = self.controller.list_devices()
        self.inputs.set_devices(devices, settings.device)
        if not devices and not settings.input_file:
            self.show_error(NO_DEVICE_MESSAGE)
        self.inputs.set_file(settings.input_file, bool(settings.input_file))
        self.languages.set_choices(
            {settings.source_language: list(settings.target_languages)},
            settings.source_language,
            settings.target_languages,
        )
        self.connection.set_values(settings.mode, settings.server_address, settings.tls, token)
        self.models.set_selection(settings.asr, settings.mt)
        if settings.glossary_file:
            self.glossary_editor.load(Path(settings.glossary_file))
        self.broadcast.set_server(settings.server_address, settings.mode == "server")
        self.overlay_panel.set_languages(settings.target_languages, settings.overlay.language)
        if settings.window_geometry:
            self.restoreGeometry(settings.window_geometry)
        if settings.overlay.geometry:
            self.overlay.restoreGeometry(settings.overlay.geometry)
        else:
            self._place_overlay()

    def _place_overlay(self) -> None:
        """First run: wide across the bottom of the screen, where subtitles belong."""
        screen = QGuiApplication.primaryScreen().availableGeometry()
        width = min(OVERLAY_MAX_WIDTH_PX, int(screen.width() * 0.8))
        self.overlay.resize(width, self.overlay.height())
        x = screen.center().x() - width // 2
        self.overlay.move(x, screen.bottom() - self.overlay.height() - OVERLAY_BOTTOM_GAP_PX)

    def _connect(self) -> None:
        c = self.controller
        c.event_received.connect(self._on_event)
        c.state_changed.connect(self._show_state)
        c.delay_measured.connect(lambda s: self.delay_label.setText(f"delay {s:.2f} s"))
        c.error.connect(self.show_error)
        c.capabilities_ready.connect(self._on_capabilities)
        c.engines_changed.connect(self._show_engines)
        c.engines_ready.connect(self.models.set_engines)
        self.models.changed.connect(self._restart_if_running)
        c.session_finished.connect(self._on_session_finished)
        self.start_button.clicked.connect(self.toggle_session)
        self.inputs.changed.connect(self._on_input_changed)
        self.inputs.refresh.clicked.connect(self.refresh_devices)
        self.languages.changed.connect(self._on_languages_changed)
        self.connection.changed.connect(self._on_connection_changed)
        self.overlay_panel.look_changed.connect(self._on_look_changed)
        self.overlay.geometry_changed.connect(self._save_settings)
        shortcut = QShortcut(QKeySequence(OVERLAY_SHORTCUT), self)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        shortcut.activated.connect(self.toggle_overlay)

    # --- public actions ------------------------------------------------------------------------------
    def request(self) -> SessionRequest:
        return SessionRequest(
            device=self.inputs.selected_device(),
            input_file=self.inputs.input_file(),
            source_language=self.languages.selected_source(),
            target_languages=self.languages.selected_targets(),
            connection=self.connection_spec(),
            asr=self.models.selected_asr(),
            mt=self.models.selected_mt(),
            room=self.broadcast.room(),
            room_token=self.broadcast.listener_token(),
            glossary=self.glossary_editor.session_terms(),
        )

    def connection_spec(self) -> ConnectionSpec:
        return ConnectionSpec(
            mode=self.connection.mode(),
            address=self.connection.address.text().strip(),
            tls=self.connection.tls.isChecked(),
            token=self.connection.token.text().strip(),
        )

    def start_session(self) -> bool:
        self.banner.hide()
        self.view.set_targets(self.languages.selected_targets())
        return self.controller.start(self.request())

    def toggle_session(self) -> None:
        if self.controller.running:
            self._restart_pending = False
            self.controller.stop()
        else:
            self.start_session()
        self._update_start_button()

    def toggle_overlay(self) -> None:
        self.overlay_panel.set_visible_checked(not self.overlay.isVisible())

    def refresh_devices(self) -> None:
        self.inputs.set_devices(self.controller.list_devices(), self.inputs.selected_device())

    def show_error(self, message: str) -> None:
        self.banner.setText(message)
        self.banner.show()
        self.statusBar().showMessage(message, 10_000)

    def copy_transcript(self) -> None:
        QGuiApplication.clipboard().setText(to_text(self.model.segments))

    def clear_captions(self) -> None:
        self.model.clear()
        self.view.clear_captions()
        self.overlay.set_segments([])

    def export(self, path: Path) -> None:
        """Writes finals and translations as SRT, VTT or TXT (by the suffix; TXT when unknown)."""
        writer = WRITERS.get(path.suffix.lower().lstrip("."), to_text)
        path.write_text(writer(self.model.segments), encoding="utf-8")

    def current_settings(self) -> AppSettings:
        return AppSettings(
            device=self.inputs.selected_device() or self._settings.device,
            input_file=self.inputs.input_file(),
            source_language=self.languages.selected_source(),
            target_languages=self.languages.selected_targets(),
            mode=self.connection.mode(),
            server_address=self.connection.address.text().strip(),
            tls=self.connection.tls.isChecked(),
            window_geometry=bytes(self.saveGeometry().data()),
            overlay=self._overlay_look(),
            asr=self.models.selected_asr(),
            mt=self.models.selected_mt(),
            glossary_file=str(self.glossary_editor.path or ""),
            speak_translations=self.conversation.speak,
            speech_output=self.conversation.speech_output,
        )

    # --- reactions -----------------------------------------------------------------------------------
    def _overlay_look(self) -> OverlayLook:
        from dataclasses import replace

        return replace(self.overlay_panel.look, geometry=bytes(self.overlay.saveGeometry().data()))

    def _on_event(self, event: SessionEvent) -> None:
        if self.model.apply(event) is not None:
            self.view.mark_dirty()
            self.overlay.set_segments(self.model.segments)

    def _show_state(self, state: str, detail: str) -> None:
        label = STATE_LABELS.get(state, state)
        color = STATE_COLORS.get(state, "#888888")
        text = f"● {label}" + (f" — {detail}" if detail else "")
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"color: {color}; font-weight: bold;")
        self._update_start_button()

    def _update_start_button(self) -> None:
        self.start_button.setText("Stop" if self.controller.running else "Start")

    def _on_capabilities(self, pairs: dict[str, list[str]]) -> None:
        self.languages.set_choices(pairs, self.languages.selected_source(), self.languages.selected_targets())
        self.overlay_panel.set_languages(self.languages.selected_targets(), self.overlay_panel.look.language)

    def _on_session_finished(self) -> None:
        self.view.flush()
        if self._restart_pending:
            self._restart_pending = False
            self.start_session()
        self._update_start_button()

    def _restart_if_running(self) -> None:
        """Applies changed inputs/languages to a running session: stop, then start once it has flushed."""
        if self.controller.running:
            self._restart_pending = True
            self.controller.stop()
        self._save_settings()

    def _on_input_changed(self) -> None:
        self._restart_if_running()

    def _on_languages_changed(self) -> None:
        targets = self.languages.selected_targets()
        self.view.set_targets(targets)
        self.overlay_panel.set_languages(targets, self.overlay_panel.look.language)
        self._restart_if_running()

    def _on_connection_changed(self) -> None:
        self.broadcast.set_server(self.connection.address.text(), self.connection.mode() == "server")
        self.controller.fetch_capabilities(self.connection_spec())
        self._restart_if_running()

    def _on_look_changed(self, look: OverlayLook) -> None:
        self.overlay.apply_look(look)
        self.overlay.set_segments(self.model.segments)
        self.overlay.setVisible(look.visible)
        self._save_settings()

    def _save_settings(self) -> None:
        self._settings = self.current_settings()
        self.settings_changed.emit(self._settings)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_settings()
        self.overlay.close()
        super().closeEvent(event)

    def _export_dialog(self, fmt: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export captions", f"captions.{fmt}", f"{fmt.upper()} (*.{fmt})"
        )
        if path:
            self.export(Path(path))
