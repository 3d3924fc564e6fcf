"""The model picker: installed engines from capabilities, the session's ASR/MT choice, kept in settings."""

from __future__ import annotations

from typing import Any

import pytest
from app_fakes import MIC, FakeSoundDevice
from app_helpers import open_window

from tolk.app.core.events import Started, Translation
from tolk.app.transport.events import EngineDescription
from tolk.app.ui.model_picker import ModelPicker
from tolk.app.ui.settings import AppSettings

pytestmark = [pytest.mark.app, pytest.mark.timeout(240)]
SESSION_MS = 150_000

ENGINES = (
    EngineDescription("pocketsphinx", "asr", ("en",), is_default=True, description="CMU PocketSphinx 5"),
    EngineDescription(
        "whisper:whisper-base", "asr", ("en", "es", "de"),
        description="Whisper whisper-base v1 (fp16, ctranslate2, 145 MB; from Systran/faster-whisper-base)",
    ),
    EngineDescription("apertium", "mt", pairs=(("en", "es"), ("es", "en")), is_default=True,
                      description="Apertium"),
    EngineDescription(
        "seq2seq:opus-mt-en-de-ct2-int8", "mt", pairs=(("en", "de"),),
        description="marian opus-mt-en-de-ct2-int8 v1 (int8, ctranslate2, 4 MB; from Helsinki-NLP/...)",
    ),
)  # fmt: skip


def _items(combo: Any) -> list[tuple[str, str]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_picker_lists_installed_engines_and_reports_the_choice(qtbot: Any) -> None:
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.set_selection("whisper:whisper-base", "")  # from the settings, before the backend answered
    assert (picker.selected_asr(), picker.selected_mt()) == ("whisper:whisper-base", "")
    picker.set_engines(ENGINES)
    assert _items(picker.asr) == [
        ("Automatic (pocketsphinx)", ""), ("pocketsphinx", "pocketsphinx"),
        ("whisper:whisper-base", "whisper:whisper-base"),
    ]  # fmt: skip
    assert picker.selected_asr() == "whisper:whisper-base"
    assert "from Systran/faster-whisper-base" in picker.asr_info.text() and "es, de" in picker.asr_info.text()
    assert "Apertium" in picker.mt_info.text() and "en→es" in picker.mt_info.text()  # automatic = default
    with qtbot.waitSignal(picker.changed, timeout=1000):
        picker.mt.setCurrentIndex(picker.mt.findData("seq2seq:opus-mt-en-de-ct2-int8"))
    assert picker.selected_mt() == "seq2seq:opus-mt-en-de-ct2-int8"
    assert "int8, ctranslate2" in picker.mt_info.text() and "en→de" in picker.mt_info.text()
    picker.set_engines(ENGINES[:3])  # another backend without that model: back to automatic
    assert picker.selected_mt() == ""
    picker.set_engines(ENGINES)  # ... and the choice comes back with it
    assert picker.selected_mt() == "seq2seq:opus-mt-en-de-ct2-int8"


def test_window_fills_picker_from_the_backend_and_the_session_uses_the_choice(
    qtbot: Any, fake_device: FakeSoundDevice
) -> None:
    settings = AppSettings(device=MIC, source_language="en", target_languages=("es",), mt="apertium")
    window = open_window(qtbot, fake_device, settings)
    started: list[Started] = []
    window.controller.event_received.connect(lambda e: started.append(e) if isinstance(e, Started) else None)
    try:
        with qtbot.waitSignal(window.controller.engines_ready, timeout=120_000):
            window.controller.fetch_capabilities(window.connection_spec())
        assert ("pocketsphinx", "pocketsphinx") in _items(window.models.asr)
        assert window.models.selected_mt() == "apertium"  # restored from the settings
        window.models.asr.setCurrentIndex(window.models.asr.findData("pocketsphinx"))
        assert window.request().asr == "pocketsphinx" and window.request().mt == "apertium"
        assert window.current_settings().asr == "pocketsphinx"
        received, translated = window.controller.event_received, lambda e: isinstance(e, Translation)
        with qtbot.waitSignal(received, check_params_cb=translated, timeout=SESSION_MS):
            assert window.start_session()
        with qtbot.waitSignal(window.controller.session_finished, timeout=60_000):
            window.controller.stop()  # one translated final is enough
    finally:
        window.controller.shutdown()
    assert [(s.asr_engine, s.mt_engine) for s in started][:1] == [("pocketsphinx", "apertium")]
    assert window.model.finals and window.model.finals[0].translations.get("es")


def test_a_long_description_is_shortened_and_kept_whole_in_the_tooltip(qtbot: Any) -> None:
    long = "Apertium rule-based MT, persistent null-flush pipelines: " + ", ".join(["eng-spa"] * 30)
    engines = (ENGINES[0], EngineDescription("apertium", "mt", pairs=(("en", "es"),), is_default=True,
                                             description=long))  # fmt: skip
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.set_engines(engines)
    shown = picker.mt_info.text().splitlines()[0]
    assert shown.endswith(" …") and len(shown) <= 102 and long.startswith(shown.removesuffix(" …"))
    assert picker.mt_info.toolTip().startswith(long)
    assert "en→es" in picker.mt_info.text()
