"""The app's Offline mode runs the store's int8 neural engines, and says so in the status bar.

Tiny random-weight Whisper and Marian checkpoints (tolk.models.synthetic), quantized to int8 CTranslate2
(tolk.models.quantize) in a temporary store passed as the Controller's model_dir: the same store lookup
that `tolk translate --offline` uses (tolk.backend.offline). A short real recording plays as the input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from app_fakes import SAMPLE_WAV, FakeSoundDevice

from tolk.app.controller import Controller
from tolk.app.core.events import SessionEvent, Started
from tolk.app.ui.main_window import MainWindow
from tolk.app.ui.settings import AppSettings

pytest.importorskip("ctranslate2")
pytest.importorskip("transformers")

pytestmark = [pytest.mark.app, pytest.mark.neural, pytest.mark.timeout(240)]
ASR = "whisper:whisper-tiny-ct2-int8"
MT = "seq2seq:opus-mt-en-de-ct2-int8"
CLIP_S = 3


@pytest.fixture(scope="module")
def neural_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tolk.models.quantize import quantize
    from tolk.models.store import ModelStore
    from tolk.models.synthetic import build_marian, build_whisper

    root = tmp_path_factory.mktemp("neural-app")
    store = ModelStore(root / "store")
    store.import_dir(build_whisper(root / "whisper"), "whisper-tiny")
    store.import_dir(build_marian(root / "opus-mt-en-de"), "opus-mt-en-de")
    for name in ("whisper-tiny", "opus-mt-en-de"):
        quantize(store, name)
    return store.root


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    audio, rate = sf.read(SAMPLE_WAV, dtype="float32", frames=CLIP_S * sf.info(SAMPLE_WAV).samplerate)
    path = tmp_path / "clip.wav"
    sf.write(path, audio, rate)
    return path


def test_offline_mode_uses_the_stores_neural_engines(
    qtbot: Any, fake_device: FakeSoundDevice, neural_store: Path, clip: Path
) -> None:
    settings = AppSettings(
        mode="offline", source_language="en", target_languages=("de",), input_file=str(clip)
    )
    controller = Controller(lambda: fake_device, file_speed=4.0, model_dir=neural_store)
    window = MainWindow(controller, settings)
    qtbot.addWidget(window)
    window.show()
    events: list[SessionEvent] = []
    controller.event_received.connect(events.append)
    try:
        with qtbot.waitSignal(controller.engines_changed, timeout=120_000) as shown:
            controller.fetch_capabilities(window.connection_spec())
        assert shown.args[0] == f"{ASR} + {MT}"
        assert window.engines_label.text() == f"offline: {ASR} + {MT}"
        assert "int8 from the store" in window.engines_label.toolTip()
        with qtbot.waitSignal(controller.session_finished, timeout=120_000):
            assert window.start_session()
    finally:
        controller.shutdown()
    started = [e for e in events if isinstance(e, Started)]
    assert started, events
    # the embedded backend really ran them: the server names the engines each session uses
    assert {(s.asr_engine, s.mt_engine) for s in started} == {(ASR, MT)}


def test_offline_mode_without_neural_models_shows_the_zero_download_engines(
    qtbot: Any, fake_device: FakeSoundDevice, tmp_path: Path
) -> None:
    controller = Controller(lambda: fake_device, model_dir=tmp_path / "empty-store")
    window = MainWindow(
        controller, AppSettings(mode="offline", source_language="en", target_languages=("es",))
    )
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(controller.engines_changed, timeout=60_000):
            controller.fetch_capabilities(window.connection_spec())
    finally:
        controller.shutdown()
    assert window.engines_label.text() == "offline: pocketsphinx + apertium"
    assert "tolk models install-embedded" in window.engines_label.toolTip()
