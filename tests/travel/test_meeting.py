"""Both sides of a call through a private PulseAudio server: two null sinks stand for the microphone and
the call's audio; `paplay` plays English into one and Spanish into the other; the real capture code
(parec) records both monitors at once -> finals labelled me/them with the right languages, translated
the right way. And the "Tolk voice" virtual microphone exists while it is open and is gone after.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tolk.app.audio.pulse import PulseCapture, VirtualMicrophone, list_sources, pactl
from tolk.app.audio.tts import EspeakVoice
from tolk.app.core.events import Final, SessionEvent, Translation
from tolk.app.meeting import ME, THEM, Channel, run_meeting
from tolk.app.pipeline import PipelineOptions
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import StreamOptions
from tolk.backend.offline import EmbeddedOptions, embedded_backend
from tolk.models.store import ModelStore

START_TIMEOUT_S = 10.0
RATE = 16_000


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private PulseAudio server (its own socket; as root too) with two null sinks; yields its address."""
    if shutil.which("pulseaudio") is None or shutil.which("parec") is None:
        pytest.skip("needs pulseaudio and pulseaudio-utils (./dev setup installs them)")
    tmp = tmp_path_factory.mktemp("pulse")
    socket = tmp / "native"
    modules = [f"module-native-protocol-unix socket={socket} auth-anonymous=1",
               "module-null-sink sink_name=call_mic", "module-null-sink sink_name=call_out"]  # fmt: skip
    command = ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
               "--disable-shm=yes", *(arg for module in modules for arg in ("-L", module))]  # fmt: skip
    env = {"HOME": str(tmp), "XDG_RUNTIME_DIR": str(tmp), "PATH": "/usr/bin:/bin"}
    log = (tmp / "pulseaudio.log").open("wb")
    daemon = subprocess.Popen(command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=log)
    server = f"unix:{socket}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while not socket.exists() and daemon.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not socket.exists():
        daemon.kill()
        daemon.wait()
        log.close()
        reason = (tmp / "pulseaudio.log").read_text(errors="replace").strip()[-300:]
        pytest.skip(f"pulseaudio cannot start here: {reason}")
    try:
        yield server
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        log.close()


def test_virtual_microphone_exists_while_open_and_is_gone_after(pulse: str) -> None:
    before = set(list_sources(pulse))
    with VirtualMicrophone(server=pulse) as mic:
        assert mic.source in list_sources(pulse)
        assert "Tolk voice" in pactl(["list", "sources"], pulse)
        capture = PulseCapture(mic.source, server=pulse)
        capture.start()
        try:
            mic.speak(EspeakVoice().synthesize("hola", "es"))  # what the meeting app would hear
            heard = _drain(capture, 1.0)
        finally:
            capture.close()
        assert np.abs(heard).max() > 0.05
    assert set(list_sources(pulse)) == before


def _drain(capture: PulseCapture, seconds: float) -> np.ndarray:
    blocks, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        blocks += capture.read_available(0.1)
    return np.concatenate(blocks) if blocks else np.zeros(0, np.float32)


def _speech(tmp: Path, name: str, text: str, language: str, voice: str) -> Path:
    path = tmp / f"{name}.wav"
    samples = EspeakVoice(variant=voice, words_per_minute=150).synthesize(text, language)
    sf.write(path, np.concatenate([samples, np.zeros(RATE, np.float32)]), RATE, subtype="PCM_16")
    return path


async def _meeting(pulse: str, store: ModelStore, files: dict[str, Path]) -> list[SessionEvent]:
    me = PulseCapture("call_mic.monitor", server=pulse)
    them = PulseCapture("call_out.monitor", server=pulse)
    common = StreamOptions(asr="whisper:whisper-base", mt="apertium", disable_partials=True)
    channels = [
        Channel(ME, me, replace(common, source_language="en", target_languages=("es",))),
        Channel(THEM, them, replace(common, source_language="es", target_languages=("en",))),
    ]
    stop, events = asyncio.Event(), []
    backend = EmbeddedOptions(model_dir=store.root, asr="whisper:whisper-base", mt="apertium")
    async with embedded_backend(backend) as be, InterpreterClient(be.target) as client:
        me.start()
        them.start()
        try:
            players = [
                await asyncio.create_subprocess_exec("paplay", f"--server={pulse}", f"--device={dev}", str(f))
                for dev, f in (("call_mic", files[ME]), ("call_out", files[THEM]))
            ]
            asyncio.get_running_loop().call_later(30, stop.set)  # a hung run still ends
            async for event in run_meeting(client, channels, stop, PipelineOptions(retry=None)):
                events.append(event)
                if _both_translated(events):
                    stop.set()
            assert [await player.wait() for player in players] == [0, 0]
        finally:
            me.close()
            them.close()
    return events


def _both_translated(events: list[SessionEvent]) -> bool:
    return {e.channel for e in events if isinstance(e, Translation) and e.text} >= {ME, THEM}


def test_both_sides_of_a_call_are_labelled_me_and_them(
    pulse: str, whisper_base_store: ModelStore, tmp_path: Path
) -> None:
    files = {
        ME: _speech(tmp_path, "me", "Good morning, can you hear me?", "en", "m3"),
        THEM: _speech(tmp_path, "them", "Sí, buenos días. Te oigo muy bien.", "es", "f2"),
    }
    events = asyncio.run(_meeting(pulse, whisper_base_store, files))
    finals = [e for e in events if isinstance(e, Final) and e.text]
    assert {(f.channel, f.language) for f in finals} == {(ME, "en"), (THEM, "es")}, finals
    translations = [e for e in events if isinstance(e, Translation) and e.text]
    assert {(t.channel, t.source_language, t.target_language) for t in translations} == {
        (ME, "en", "es"),
        (THEM, "es", "en"),
    }
    me_text = " ".join(f.text.lower() for f in finals if f.channel == ME)
    them_text = " ".join(f.text.lower() for f in finals if f.channel == THEM)
    assert "morning" in me_text and "buenos" in them_text
