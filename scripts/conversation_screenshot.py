"""Renders the conversation view from the JSON lines of `tolk translate --conversation ... --format jsonl`.

QT_QPA_PLATFORM=offscreen python scripts/conversation_screenshot.py EVENTS.jsonl OUT.png [--face-to-face]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from tolk.app.core.events import Final, SessionEvent, Translation
from tolk.app.ui.conversation_view import ConversationView


def events(path: Path) -> list[SessionEvent]:
    out: list[SessionEvent] = []
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if e["type"] == "final":
            out.append(Final(e["segment"], e["text"], e["lang"], e["audio_start_s"], e["audio_end_s"]))
        elif e["type"] == "translation":
            out.append(Translation(e["segment"], e["source_lang"], e["lang"], e["text"], e["is_final"]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("events", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--mine", default="en")
    parser.add_argument("--theirs", default="es")
    parser.add_argument("--face-to-face", action="store_true")
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    view = ConversationView(args.mine, args.theirs)
    view.resize(760, 600)
    for event in events(args.events):
        view.apply(event)
    view.face_to_face.setChecked(args.face_to_face)
    view.show()
    app.processEvents()
    view.grab().save(str(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
