"""The main window's "Conversation…" button: a user of `./dev app` opens conversation mode from the main
window, on its input and languages (me: From, the other person: the first target), with the remembered
spoken-translation choices; the conversation runs on the real controller and Whisper base; closing the
conversation window unchecks the button, and the output chosen there is what the main window saves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")

from travel_fakes import FakeOutputs, spanish_turn

from tolk.app.controller import Controller
from tolk.app.ui.conversation_toggle import NEEDS_TWO_LANGUAGES
from tolk.app.ui.conversation_view import lines_for
from tolk.app.ui.main_window import MainWindow
from tolk.app.ui.settings import AppSettings
from tolk.models.store import ModelStore

WAIT_MS = 180_000


def _main_window(qtbot: Any, store: ModelStore, settings: AppSettings) -> MainWindow:
    controller = Controller(FakeOutputs, file_speed=4.0, model_dir=store.root)
    window = MainWindow(controller, settings)
    window.conversation.sound = FakeOutputs
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_main_window_opens_and_closes_conversation_mode(
    qtbot: Any, whisper_base_store: ModelStore, tmp_path: Path
) -> None:
    settings = AppSettings(
        input_file=str(spanish_turn(tmp_path / "es.wav")), source_language="en", target_languages=("es",),
        speak_translations=True, speech_output="Fake Speakers",
    )  # fmt: skip
    window = _main_window(qtbot, whisper_base_store, settings)
    saved: list[AppSettings] = []
    window.settings_changed.connect(saved.append)
    try:
        assert window.conversation.isVisible() and window.conversation.text() == "Conversation…"
        window.conversation.click()
        conversation = window.conversation.conversation
        assert conversation is not None and conversation.isVisible()
        assert conversation.windowTitle() == "Tolk — conversation en / es"
        assert conversation.speech.speak.isChecked() and conversation.speech.device() == "Fake Speakers"
        assert window.controller.running
        with qtbot.waitSignal(window.controller.session_finished, timeout=WAIT_MS):
            pass
        assert [line.own for line in lines_for(conversation.view.model, "es")] == [True]
        conversation.speech.output.setCurrentIndex(conversation.speech.output.findData("Fake Headset"))
        conversation.close()
        assert not window.conversation.isChecked() and window.conversation.conversation is None
        assert saved[-1].speech_output == "Fake Headset" and saved[-1].speak_translations
    finally:
        window.controller.shutdown()


def test_conversation_mode_needs_a_second_language(qtbot: Any, whisper_base_store: ModelStore) -> None:
    window = _main_window(qtbot, whisper_base_store, AppSettings(source_language="en", target_languages=()))
    try:
        window.conversation.click()
        assert not window.conversation.isChecked() and window.conversation.conversation is None
        assert window.banner.text() == NEEDS_TWO_LANGUAGES
    finally:
        window.controller.shutdown()
