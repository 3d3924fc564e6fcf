import io

import pytest

from tolk.app.core.console import CLEAR_LINE, ConsoleCaptions, format_clock
from tolk.app.core.events import ConnectionState, Final, Partial, Started, Translation


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00.0"), (1.25, "0:01.2"), (61.96, "1:02.0"), (3725.4, "1:02:05.4")]
)
def test_clock(seconds: float, text: str) -> None:
    assert format_clock(seconds) == text


EVENTS = [
    Started("s", "pocketsphinx", "apertium"),
    Partial(0, "", "he was", "en", 1.0, 1.5),
    Partial(0, "he was", "not", "en", 1.0, 2.0),
    Final(0, "he was not", "en", 1.0, 2.2),
    Partial(1, "", "unless", "en", 3.0, 3.4),
    Translation(0, "en", "es", "él no era", True),
    Final(1, "", "en", 3.0, 3.5),  # noise: nothing printed
    Translation(1, "en", "es", "", True),
    ConnectionState("reconnecting", 1, "gone"),
]


def test_pipe_gets_finals_and_translations_only() -> None:
    out = io.StringIO()
    console = ConsoleCaptions(out, interactive=False)
    for event in EVENTS:
        console.show(event)
    console.close()
    assert out.getvalue() == "0:01.0  he was not\n      es: él no era\n"
    assert [s.segment_id for s in console.model.finals] == [0, 1]


def test_tty_updates_the_partial_in_place_and_prints_lines_above_it() -> None:
    out = io.StringIO()
    console = ConsoleCaptions(out, interactive=True, width=40)
    for event in EVENTS:
        console.show(event)
    console.close()
    text = out.getvalue()
    assert text.startswith(CLEAR_LINE + "0:01.0 … he was" + CLEAR_LINE + "0:01.0 … he was not")
    # the translation of segment 0 is printed above the live partial of segment 1, which is redrawn
    assert CLEAR_LINE + "      es: él no era\n0:03.0 … unless" in text
    lines = text.replace(CLEAR_LINE, "\n").split("\n")
    assert "0:01.0  he was not" in lines and "0:03.0 … unless" in lines
    assert all(len(line) < 40 for line in lines)


def test_long_partial_is_cut_to_the_width() -> None:
    out = io.StringIO()
    console = ConsoleCaptions(out, interactive=True, width=30)
    console.show(Partial(0, "word " * 30, "", "en", 0, 5))
    shown = out.getvalue().removeprefix(CLEAR_LINE)
    assert len(shown) <= 29 and shown.startswith("…")
