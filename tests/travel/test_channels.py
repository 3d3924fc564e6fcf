"""The channel label (me/them) and the pivot mark from protocol events into captions, SRT speaker tags,
the console and JSON lines; and through a real server session."""

from __future__ import annotations

import io

from tolk.app.core.captions import CaptionModel
from tolk.app.core.console import ConsoleCaptions
from tolk.app.core.events import Final, Translation
from tolk.app.core.jsonl import JsonlEncoder
from tolk.app.core.subtitles import to_srt
from tolk.app.transport.convert import config_request, event_from_response
from tolk.app.transport.events import StreamOptions
from tolk.backend.servicer import event_to_proto, options_from_proto
from tolk.common.events import Final as ServerFinal
from tolk.common.events import Translation as ServerTranslation

EVENTS = [
    Final(0, "Can you hear me?", "en", 1.0, 2.0, channel="me"),
    Translation(0, "en", "es", "¿Me oyes?", True, channel="me"),
    Final(1000000, "Sí, te oigo.", "es", 1.5, 3.0, channel="them"),
    Translation(1000000, "es", "en", "Yes, I hear you.", True, channel="them"),
    Translation(1000000, "es", "pt", "Sim, eu ouço-te.", True, channel="them", pivot_language="en"),
]


def test_srt_cues_carry_speaker_tags() -> None:
    model = CaptionModel()
    for event in EVENTS:
        model.apply(event)
    srt = to_srt(model.segments, ["original", "en"])
    assert "[me] Can you hear me?" in srt
    assert "[them] Sí, te oigo.\nYes, I hear you." in srt
    assert model.get(1000000).pivots == {"pt": "en"}  # type: ignore[union-attr]


def test_console_and_jsonl_show_channel_language_and_pivot() -> None:
    out = io.StringIO()
    console = ConsoleCaptions(out, interactive=False, languages=True)
    for event in EVENTS:
        console.show(event)
    text = out.getvalue()
    assert "[them] es: Sí, te oigo." in text and "pt: Sim, eu ouço-te.  (via en)" in text
    lines = [JsonlEncoder().to_dict(event) for event in EVENTS]
    assert lines[2]["channel"] == "them" and lines[4]["pivot"] == "en"
    assert "pivot" not in lines[3]


def test_channel_and_conversation_travel_through_the_protocol() -> None:
    request = config_request(StreamOptions(source_language="", conversation=("en", "es"), channel="them"))
    options = options_from_proto(request.config)
    assert options.conversation == ("en", "es") and options.channel == "them"
    final = event_from_response(event_to_proto(ServerFinal(3, "hola", "es", 0.0, 1.0, channel="them")), None)
    assert isinstance(final, Final) and final.channel == "them"
    translation = ServerTranslation(3, "en", "pt", "olá", True, channel="me", pivot_language="es")
    back = event_from_response(event_to_proto(translation), None)
    assert isinstance(back, Translation) and (back.channel, back.pivot_language) == ("me", "es")
