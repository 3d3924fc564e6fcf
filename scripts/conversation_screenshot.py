"""Renders conversation mode from the JSON lines of `tolk translate --conversation ... --format jsonl`.

QT_QPA_PLATFORM=offscreen python scripts/conversation_screenshot.py EVENTS.jsonl OUT.png [--face-to-face]
    the split view only;
... --window [--hold LANG]
    the whole conversation window: the split view, the push-to-talk buttons (LANG's held), spoken
    translations and their output device;
... --main-window
    the main window with its "Conversation…" button checked and the conversation's captions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from tolk.app.core.events import Final, SessionEvent, Translation


def events(path: Path) -> list[SessionEvent]:
    out: list[SessionEvent] = []
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if e["type"] == "final":
            out.append(Final(e["segment"], e["text"], e["lang"], e["audio_start_s"], e["audio_end_s"]))
        elif e["type"] == "translation":
            out.append(Translation(e["segment"], e["source_lang"], e["lang"], e["text"], e["is_final"]))
    return out


class Speakers:
    """A sound library with a microphone and speakers, so the shot does not depend on this machine."""

    def query_devices(self) -> list[dict[str, Any]]:
        mic = {"name": "Built-in Microphone", "max_input_channels": 1, "max_output_channels": 0}
        return [
            {**mic, "hostapi": 0, "default_samplerate": 48000},
            {"name": "Speakers", "max_input_channels": 0, "max_output_channels": 2, "hostapi": 0},
        ]

    def query_hostapis(self) -> list[dict[str, Any]]:
        return [{"name": "PulseAudio"}]


def _window(args: argparse.Namespace, controller: Any) -> QWidget:
    from tolk.app.backend_link import ConnectionSpec
    from tolk.app.ui.conversation_window import ConversationWindow

    window = ConversationWindow(
        controller, (args.mine, args.theirs), ConnectionSpec(), sound=Speakers, speak=True,
        speech_output="Speakers",
    )  # fmt: skip
    for event in events(args.events):
        window.view.apply(event)
    window.view.face_to_face.setChecked(args.face_to_face)
    if args.hold:
        window.talk.press(args.hold)
    window.status.setText("connected offline (on this computer)")
    return window


def _main_window(args: argparse.Namespace, controller: Any) -> tuple[QWidget, QWidget]:
    from tolk.app.ui.main_window import MainWindow
    from tolk.app.ui.settings import AppSettings

    main = MainWindow(controller, AppSettings(source_language=args.mine, target_languages=(args.theirs,)))
    main.conversation.sound = Speakers
    for event in events(args.events):  # the conversation's captions show in the main window too
        main.controller.event_received.emit(event)
    main.view.flush()
    main.show()
    main.conversation.blockSignals(True)  # shown checked, without opening a session in this script
    main.conversation.setChecked(True)
    return main, main.conversation


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("events", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--mine", default="en")
    parser.add_argument("--theirs", default="es")
    parser.add_argument("--face-to-face", action="store_true")
    parser.add_argument("--window", action="store_true")
    parser.add_argument("--hold", default="")
    parser.add_argument("--main-window", action="store_true")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    from tolk.app.controller import Controller
    from tolk.app.ui.conversation_view import ConversationView

    controller = Controller(Speakers)  # type: ignore[arg-type]
    if args.main_window:
        shot, _ = _main_window(args, controller)
    elif args.window:
        shot = _window(args, controller)
    else:
        view = ConversationView(args.mine, args.theirs)
        view.resize(760, 600)
        for event in events(args.events):
            view.apply(event)
        view.face_to_face.setChecked(args.face_to_face)
        shot = view
    shot.show()
    for _ in range(5):
        app.processEvents()
    shot.grab().save(str(args.out))
    controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
