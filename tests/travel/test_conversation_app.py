"""`tolk app --conversation en,es`: the real controller and in-process backend (Whisper base) on the
espeak-ng dialogue played as the microphone; both halves fill in their person's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")

from travel_dialogue import make_dialogue

from tolk.app.backend_link import ConnectionSpec
from tolk.app.controller import Controller
from tolk.app.ui.conversation_view import lines_for
from tolk.app.ui.conversation_window import ConversationWindow
from tolk.models.store import ModelStore

WAIT_MS = 240_000


def test_the_conversation_window_shows_both_people_in_their_languages(
    qtbot: Any, whisper_base_store: ModelStore, tmp_path: Path
) -> None:
    make_dialogue(tmp_path / "dialogue.wav")
    controller = Controller(lambda: None, file_speed=4.0, model_dir=whisper_base_store.root)  # type: ignore[arg-type,return-value]
    window = ConversationWindow(
        controller, ("en", "es"), ConnectionSpec(), input_file=str(tmp_path / "dialogue.wav")
    )
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.start()
        with qtbot.waitSignal(controller.session_finished, timeout=WAIT_MS):
            pass
        model = window.view.model
        assert {segment.language for segment in model.finals if segment.final} == {"en", "es"}
        mine, theirs = lines_for(model, "en", 10), lines_for(model, "es", 10)
        assert any(line.own for line in mine) and any(not line.own for line in mine)
        assert any(line.own for line in theirs) and any(not line.own for line in theirs)
        assert "error" not in window.status.text()
    finally:
        controller.shutdown()
