"""Push-to-talk per side: the client frames held speech with the side's language, the server checks it
and recognizes the segment in it; in the app, F1/F2 and the buttons hold a side, and a Spanish turn
spoken while the English side is held is recognized as English (the rule the README states)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tolk.app.core.push_to_talk import PushToTalk
from tolk.app.pipeline import TalkSegmenter
from tolk.app.transport.events import Boundary
from tolk.backend.conversation import segment_language
from tolk.backend.session_setup import SessionOptions
from tolk.common.dsp import SAMPLE_RATE_HZ
from tolk.common.errors import InvalidArgument
from tolk.common.vad import VadOptions, VadSegmenter

BLOCK = SAMPLE_RATE_HZ // 10  # 100 ms blocks


def _loud(frame: Any) -> bool:
    return bool(np.abs(frame).max() > 0.1)


def _frame(ptt: PushToTalk, script: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(held language, speech?) per 100 ms block -> the (kind, language) boundaries sent."""
    talk = TalkSegmenter(lambda: VadSegmenter(VadOptions(hangover_ms=300), _loud), 100, ptt)
    items = []
    for held, speech in script:
        ptt.press(held) if held else ptt.release(ptt.held)
        items += talk.feed(np.full(BLOCK, 0.5 if speech else 0.0, np.float32))
    items += talk.flush()
    return [(b.kind, b.language) for b in items if isinstance(b, Boundary)]


def test_a_segment_starts_in_the_held_language_and_a_press_or_release_cuts_it() -> None:
    ptt = PushToTalk()
    quiet, held_en, talk = ("", False), ("en", False), ("", True)
    talk_en, talk_es = ("en", True), ("es", True)
    assert _frame(ptt, [quiet, held_en, talk_en, talk_en, quiet, quiet, quiet, quiet]) == [
        ("start", "en"),
        ("end", ""),
    ]
    # unheld speech, then the en side is pressed mid-turn, then es takes over, then nobody holds
    assert _frame(ptt, [talk, talk, talk_en, talk_en, talk_es, talk, quiet, quiet, quiet, quiet]) == [
        ("start", ""),
        ("end", ""),
        ("start", "en"),
        ("end", ""),
        ("start", "es"),
        ("end", ""),
        ("start", ""),
        ("end", ""),
    ]


def test_while_tolk_speaks_the_microphone_is_heard_as_silence() -> None:
    ptt = PushToTalk()
    talk = TalkSegmenter(lambda: VadSegmenter(VadOptions(hangover_ms=300), _loud), 100, ptt)
    speech = np.full(BLOCK, 0.5, np.float32)
    ptt.set_muted(True)
    assert [item for _ in range(5) for item in talk.feed(speech)] == []  # its own voice: nothing sent
    ptt.set_muted(False)
    kinds = [b.kind for _ in range(5) for b in talk.feed(speech) if isinstance(b, Boundary)]
    assert kinds == ["start"]
    ptt.set_muted(True)  # Tolk starts speaking mid-turn: the segment ends after the hangover
    kinds = [b.kind for _ in range(5) for b in talk.feed(speech) if isinstance(b, Boundary)]
    assert kinds == ["end"]


def test_releasing_the_other_side_keeps_the_held_one() -> None:
    ptt = PushToTalk()
    ptt.press("en")
    ptt.press("es")
    ptt.release("en")
    assert ptt.held == "es"
    ptt.release("es")
    assert ptt.held == ""


@pytest.mark.parametrize(
    ("conversation", "start", "language", "expected"),
    [
        (("en", "es"), True, "ES", "es"),
        (("en", "es"), True, "", ""),
        (("en", "es"), True, "fr", None),  # not one of the two
        (("en", "es"), False, "en", None),  # only at SPEECH_START
        (None, True, "en", None),  # only in conversation mode
    ],
)
def test_the_server_accepts_only_a_language_of_the_conversation(
    conversation: tuple[str, str] | None, start: bool, language: str, expected: str | None
) -> None:
    options = SessionOptions(source_language="", target_languages=(), conversation=conversation)
    if expected is None:
        with pytest.raises(InvalidArgument):
            segment_language(options, start, language)
    else:
        assert segment_language(options, start, language) == expected


def test_f1_and_f2_hold_a_side_and_light_its_half(qtbot: Any) -> None:
    pytest.importorskip("PySide6")
    from PySide6.QtCore import Qt

    from tolk.app.ui.conversation_view import ConversationView
    from tolk.app.ui.talk_bar import TalkButtons

    ptt = PushToTalk()
    view = ConversationView("en", "es")
    talk = TalkButtons(("en", "es"), ptt)
    talk.held_changed.connect(view.set_holding)
    qtbot.addWidget(view)
    qtbot.addWidget(talk)
    assert talk.key(Qt.Key.Key_F2.value, True, False)
    assert ptt.held == "es" and view.theirs.holding and not view.mine.holding
    assert talk.key(Qt.Key.Key_F2.value, True, True)  # auto-repeat changes nothing
    assert talk.key(Qt.Key.Key_F2.value, False, False)
    assert ptt.held == "" and not view.theirs.holding
    assert not talk.key(Qt.Key.Key_F3.value, True, False)
    qtbot.mousePress(talk.buttons["en"], Qt.MouseButton.LeftButton)
    assert ptt.held == "en" and view.mine.holding
    qtbot.mouseRelease(talk.buttons["en"], Qt.MouseButton.LeftButton)
    assert ptt.held == ""
