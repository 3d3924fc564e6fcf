import json

from tolk.app.core.events import ConnectionState, Final, Partial, Started, Translation
from tolk.app.core.jsonl import JsonlEncoder

REQUIRED = {"type", "segment", "lang", "text", "audio_start_s", "audio_end_s", "wall_s"}


def test_every_event_has_the_required_fields_and_translations_get_segment_times() -> None:
    encoder = JsonlEncoder()
    events = [
        Started("id", "pocketsphinx", "apertium", 0.01),
        Partial(4, "he was", "not", "en", 1.0, 1.8, 0.9),
        Final(4, "he was not", "en", 1.0, 2.25, 2.5),
        Translation(4, "en", "es", "él no era", True, 2.5104),
        ConnectionState("reconnecting", 1, "server gone", 3.0),
    ]
    records = [json.loads(encoder.encode(event)) for event in events]
    assert all(set(record) >= REQUIRED for record in records)
    assert [r["type"] for r in records] == ["started", "partial", "final", "translation", "connection"]
    assert records[1] | {} == records[1] and records[1]["text"] == "he was not"
    assert (records[1]["stable"], records[1]["unstable"]) == ("he was", "not")
    translation = records[3]
    assert translation == {
        "type": "translation",
        "segment": 4,
        "lang": "es",
        "text": "él no era",
        "audio_start_s": 1.0,
        "audio_end_s": 2.25,
        "wall_s": 2.51,
        "source_lang": "en",
        "is_final": True,
    }


def test_translation_of_unknown_segment_has_null_times() -> None:
    record = JsonlEncoder().to_dict(Translation(1, "en", "es", "hola", False))
    assert (record["audio_start_s"], record["audio_end_s"], record["wall_s"]) == (None, None, None)
