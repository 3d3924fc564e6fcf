from tolk.app.core.captions import CaptionModel
from tolk.app.core.events import ConnectionState, Final, Partial, Started, Translation


def partial(seg: int, stable: str, unstable: str = "", start: float = 0.0, end: float = 1.0) -> Partial:
    return Partial(seg, stable, unstable, "en", start, end)


def test_partials_then_final_then_translations() -> None:
    model = CaptionModel()
    model.apply(Started("s1", "pocketsphinx", "apertium"))
    model.apply(partial(0, "hello", "wor"))
    assert model.segments[0].text == "hello wor"
    assert not model.segments[0].is_final
    model.apply(partial(0, "hello world", "", end=1.5))
    model.apply(Final(0, "hello world", "en", 0.2, 1.6))
    model.apply(Translation(0, "en", "es", "hola mundo", True))
    model.apply(Translation(0, "en", "fr", "bonjour le monde", True))
    (segment,) = model.segments
    assert (segment.text, segment.audio_start_s, segment.audio_end_s) == ("hello world", 0.2, 1.6)
    assert segment.translations == {"es": "hola mundo", "fr": "bonjour le monde"}
    assert model.asr_engine == "pocketsphinx" and model.mt_engine == "apertium"


def test_segments_are_ordered_by_id_whatever_the_arrival_order() -> None:
    model = CaptionModel()
    model.apply(Final(7, "seven", "en", 7, 8))
    model.apply(Final(3, "three", "en", 3, 4))
    model.apply(partial(9, "nine"))
    assert [s.segment_id for s in model.segments] == [3, 7, 9]
    assert [s.segment_id for s in model.finals] == [3, 7]


def test_late_partial_never_overrides_final_nor_provisional_a_final_translation() -> None:
    model = CaptionModel()
    model.apply(Final(1, "done", "en", 0, 1))
    assert model.apply(partial(1, "do")) is None
    model.apply(Translation(1, "en", "es", "hecho", True))
    assert model.apply(Translation(1, "en", "es", "hech", False)) is None
    segment = model.get(1)
    assert segment is not None
    assert (segment.text, segment.translations["es"]) == ("done", "hecho")


def test_provisional_translation_replaced_by_final() -> None:
    model = CaptionModel()
    model.apply(Translation(2, "en", "es", "provisional", False))
    model.apply(Translation(2, "en", "es", "definitiva", True))
    segment = model.get(2)
    assert segment is not None and segment.translations["es"] == "definitiva"
    assert segment.final_translations == {"es"}


def test_connection_state_is_kept() -> None:
    model = CaptionModel()
    model.apply(ConnectionState("reconnecting", 2, "server restarting"))
    assert model.connection == ConnectionState("reconnecting", 2, "server restarting")
