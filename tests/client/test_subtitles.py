import re

import pytest

from tolk.app.core.captions import CaptionModel, Segment
from tolk.app.core.events import Final, Partial, Translation
from tolk.app.core.subtitles import format_timestamp, to_srt, to_text, to_vtt


@pytest.mark.parametrize(
    ("seconds", "srt", "vtt"),
    [
        (0.0, "00:00:00,000", "00:00:00.000"),
        (1.2345, "00:00:01,234", "00:00:01.234"),
        (1.2346, "00:00:01,235", "00:00:01.235"),
        (59.9996, "00:01:00,000", "00:01:00.000"),
        (3723.004, "01:02:03,004", "01:02:03.004"),
        (36000.5, "10:00:00,500", "10:00:00.500"),
        (-0.3, "00:00:00,000", "00:00:00.000"),
    ],
)
def test_timestamps(seconds: float, srt: str, vtt: str) -> None:
    assert format_timestamp(seconds) == srt
    assert format_timestamp(seconds, ".") == vtt


def conversation() -> list[Segment]:
    model = CaptionModel()
    model.apply(Final(0, "he was not an ill disposed young man", "en", 1.25, 3.5))
    model.apply(Translation(0, "en", "es", "no era un joven mal dispuesto", True))
    model.apply(Translation(0, "en", "fr", "il n'était pas mal disposé", True))
    model.apply(Final(1, "unless to be <cold> & selfish", "en", 4.0, 7.75))
    model.apply(Translation(1, "en", "es", "a menos que\nser frío", True))
    model.apply(Partial(2, "still", "open", "en", 8.0, 9.0))
    return model.segments


def test_srt_one_block_per_final_with_translations_beneath() -> None:
    assert to_srt(conversation()) == (
        "1\n00:00:01,250 --> 00:00:03,500\nhe was not an ill disposed young man\n"
        "no era un joven mal dispuesto\nil n'était pas mal disposé\n"
        "\n"
        "2\n00:00:04,000 --> 00:00:07,750\nunless to be <cold> & selfish\na menos que ser frío\n"
    )


def test_vtt_header_dot_timestamps_and_escaping() -> None:
    text = to_vtt(conversation())
    assert text.startswith("WEBVTT\n\n1\n00:00:01.250 --> 00:00:03.500\n")
    assert "unless to be &lt;cold&gt; &amp; selfish\n" in text
    assert "still" not in text


def test_per_language_track_and_segments_without_that_language_skipped() -> None:
    text = to_srt(conversation(), tracks=("fr",))
    assert text == "1\n00:00:01,250 --> 00:00:03,500\nil n'était pas mal disposé\n"


def test_zero_length_cue_is_stretched() -> None:
    model = CaptionModel()
    model.apply(Final(0, "hi", "en", 2.0, 2.0))
    match = re.search(r"(\S+) --> (\S+)", to_vtt(model.segments))
    assert match is not None and match.groups() == ("00:00:02.000", "00:00:02.200")


def test_plain_text_export() -> None:
    assert to_text(conversation(), tracks=("original", "es")) == (
        "he was not an ill disposed young man\n[es] no era un joven mal dispuesto\n"
        "unless to be <cold> & selfish\n[es] a menos que ser frío\n"
    )


def test_empty_conversation() -> None:
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n"
