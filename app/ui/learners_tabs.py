"""The main window's right side as tabs: Captions (the live view), Pronunciation, Dictation, Glossary."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget

from tolk.app.ui.dictation_view import DictationView
from tolk.app.ui.glossary_tab import GlossaryEditor
from tolk.app.ui.pronounce_tab import PronounceTab


def learner_tabs(window: Any, captions: QWidget) -> QTabWidget:
    """Wraps `captions` in a tab widget and adds the learners' tabs, wired to the window's controller."""
    tabs = QTabWidget()
    tabs.addTab(captions, "Captions")
    window.pronounce_tab = PronounceTab(
        lambda text, audio: window.controller.pronounce(window.connection_spec(), text, audio),
        lambda: window.controller.recorder(window.inputs.selected_device(), window.inputs.input_file()),
    )
    window.dictation_view = DictationView()
    window.controller.event_received.connect(window.dictation_view.on_event)
    tabs.addTab(window.pronounce_tab, "Pronunciation")
    tabs.addTab(window.dictation_view, "Dictation")
    window.glossary_editor = GlossaryEditor()  # the window's request() hands its terms to new sessions
    window.glossary_editor.file_changed.connect(window._save_settings)  # remember the file
    tabs.addTab(window.glossary_editor, "Glossary")
    window.learner_tabs = tabs
    return tabs
