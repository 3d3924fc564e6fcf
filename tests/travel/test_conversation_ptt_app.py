"""The conversation window on the real controller, in-process backend and Whisper base, with a Spanish
turn synthesized by espeak-ng played as the microphone:

- held on the "en" side (its push-to-talk button), the turn is recognized as English — the held side's
  language wins over identification (README, "Conversation") — and translated into Spanish;
- not held, the same turn is identified as Spanish and translated into English;
- with "Speak translations" on, every final translation is played on the output device chosen in the
  window (a stand-in at the sounddevice boundary records what it was asked to play), with the
  microphone muted while it plays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from travel_fakes import FakeOutputs, spanish_turn

from tolk.app.backend_link import ConnectionSpec
from tolk.app.controller import Controller
from tolk.app.core.events import Final, SessionEvent, Translation
from tolk.app.ui.conversation_window import ConversationWindow
from tolk.models.store import ModelStore

WAIT_MS = 180_000


def _session(qtbot: Any, window: ConversationWindow) -> list[SessionEvent]:
    events: list[SessionEvent] = []
    window.controller.event_received.connect(events.append)
    try:
        assert window.start()
        with qtbot.waitSignal(window.controller.session_finished, timeout=WAIT_MS):
            pass
    finally:
        window.controller.event_received.disconnect(events.append)
    return events


def _directions(events: list[SessionEvent]) -> set[tuple[str, str]]:
    return {(t.source_language, t.target_language) for t in events if isinstance(t, Translation)}


def test_push_to_talk_decides_the_language_and_translations_are_spoken_on_the_chosen_output(
    qtbot: Any, whisper_base_store: ModelStore, tmp_path: Path
) -> None:
    outputs = FakeOutputs()
    controller = Controller(lambda: None, file_speed=4.0, model_dir=whisper_base_store.root)  # type: ignore[arg-type,return-value]
    window = ConversationWindow(
        controller, ("en", "es"), ConnectionSpec(), input_file=str(spanish_turn(tmp_path / "es.wav")),
        sound=lambda: outputs, speak=False, speech_output="",
    )  # fmt: skip
    qtbot.addWidget(window)
    window.show()
    outputs.probe = lambda: window.push_to_talk.muted
    changes: list[tuple[bool, str]] = []
    window.speech_changed.connect(lambda on, device: changes.append((on, device)))
    window.speech.speak.setChecked(True)
    window.speech.output.setCurrentIndex(window.speech.output.findData("Fake Headset"))
    assert changes[-1] == (True, "Fake Headset")  # what the entry point persists
    try:
        qtbot.mousePress(window.talk.buttons["en"], Qt.MouseButton.LeftButton)
        held = _session(qtbot, window)
        qtbot.mouseRelease(window.talk.buttons["en"], Qt.MouseButton.LeftButton)
        window.player.drain()  # the next turn starts once the translation was heard (mic muted meanwhile)
        free = _session(qtbot, window)
        window.player.drain()
    finally:
        controller.shutdown()
    held_finals = [e for e in held if isinstance(e, Final) and e.text]
    free_finals = [e for e in free if isinstance(e, Final) and e.text]
    assert held_finals and {f.language for f in held_finals} == {"en"}
    assert free_finals and {f.language for f in free_finals} == {"es"}
    assert _directions(held) == {("en", "es")} and _directions(free) == {("es", "en")}
    spoken = [t for t in held + free if isinstance(t, Translation) and t.is_final and t.text.strip()]
    assert len(outputs.played) == len(spoken) >= 2
    assert all(device == 1 and seconds > 0.5 for device, seconds in outputs.played)  # the headset
    assert outputs.during == [True] * len(spoken) and not window.push_to_talk.muted  # mic muted meanwhile
