"""The conversation split view: each half in its person's language, and the face-to-face flip."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QImage, QTransform

from tolk.app.core.events import Final, Translation
from tolk.app.ui.conversation_view import ConversationView, Line, lines_for

DIALOGUE = [
    Final(0, "Good morning. How much does this bread cost?", "en", 0.5, 3.6),
    Translation(0, "en", "es", "Buenos días. Cuánto cuesta este pan?", True),
    Final(1, "Buenos días. El pan cuesta dos euros.", "es", 4.4, 7.5),
    Translation(1, "es", "en", "Good morning. The bread costs two euros.", True),
]


def _view(qtbot: Any) -> ConversationView:
    view = ConversationView("en", "es")
    qtbot.addWidget(view)
    view.resize(720, 560)
    for event in DIALOGUE:
        view.apply(event)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_each_half_reads_the_conversation_in_its_language(qtbot: Any) -> None:
    view = _view(qtbot)
    assert lines_for(view.model, "en") == [
        Line("Good morning. How much does this bread cost?", True),
        Line("Good morning. The bread costs two euros.", False),
    ]
    assert [line.text for line in lines_for(view.model, "es")] == [
        "Buenos días. Cuánto cuesta este pan?",
        "Buenos días. El pan cuesta dos euros.",
    ]


def test_face_to_face_turns_the_other_half_upside_down(qtbot: Any, tmp_path: Any) -> None:
    view = _view(qtbot)
    upright = view.theirs.grab().toImage()
    mine_before = view.mine.grab().toImage()
    view.face_to_face.setChecked(True)
    assert view.theirs.flipped
    flipped = view.theirs.grab().toImage()
    assert flipped != upright
    # the same text, turned 180 degrees (the background colour tells the flipped half apart)
    turned = upright.transformed(QTransform().rotate(180)).convertToFormat(QImage.Format.Format_RGB32)
    text_pixels = _diff_mask(turned, flipped.convertToFormat(QImage.Format.Format_RGB32))
    assert text_pixels < 0.02
    assert view.mine.grab().toImage() == mine_before  # my half stays the right way up
    view.grab().save(str(tmp_path / "conversation.png"))


def _diff_mask(a: QImage, b: QImage) -> float:
    """Share of pixels whose brightness differs by more than the two backgrounds do."""
    assert a.size() == b.size()
    differ = total = 0
    for y in range(0, a.height(), 3):
        for x in range(0, a.width(), 3):
            total += 1
            differ += abs(a.pixelColor(x, y).lightness() - b.pixelColor(x, y).lightness()) > 40
    return differ / total
