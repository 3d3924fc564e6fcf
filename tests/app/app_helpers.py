"""Builds a main window around a real Controller, and parses exported subtitles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tolk.app.controller import Controller
from tolk.app.ui.main_window import MainWindow
from tolk.app.ui.settings import AppSettings

TIMING = re.compile(r"^(\d\d:\d\d:\d\d[,.]\d{3}) --> (\d\d:\d\d:\d\d[,.]\d{3})$")


def open_window(qtbot: Any, sound: Any, settings: AppSettings, file_speed: float = 4.0) -> MainWindow:
    """A shown main window; the caller must call `window.controller.shutdown()` (see the fixtures)."""
    controller = Controller(lambda: sound, file_speed=file_speed)
    window = MainWindow(controller, settings)
    qtbot.addWidget(window)
    window.show()
    return window


@dataclass(frozen=True)
class Cue:
    start: str
    end: str
    lines: tuple[str, ...]


def parse_cues(text: str, *, vtt: bool) -> list[Cue]:
    """A strict little SRT/WebVTT reader: numbered cues, a timing line, one or more text lines."""
    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    if vtt:
        assert blocks[0].strip() == "WEBVTT", blocks[0]
        blocks = blocks[1:]
    cues = []
    for number, block in enumerate(blocks, start=1):
        lines = block.split("\n")
        assert lines[0] == str(number), block
        match = TIMING.match(lines[1])
        assert match, lines[1]
        assert ("." in lines[1]) == vtt
        assert len(lines) >= 3, block
        cues.append(Cue(match[1], match[2], tuple(lines[2:])))
    return cues
