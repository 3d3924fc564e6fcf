"""Spoken translations through the real sound stack: the app's SpeechPlayer, with sounddevice and
PortAudio, plays on the output chosen by name ("pulse", PortAudio's ALSA device of a private PulseAudio
server whose default sink is the null sink "call_out"); recording that sink's monitor hears the speech,
and the other null sink stays silent. Skipped where PulseAudio, parec or the ALSA pulse plugin is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from test_meeting import _drain, pulse  # noqa: F401  (the private PulseAudio server fixture)

from tolk.app.audio.pulse import PulseCapture

PLAYER = """
import json
from tolk.app.audio.capture import load_sound_module
from tolk.app.audio.speech_player import SpeechPlayer, list_output_devices
from tolk.app.core.events import Translation

errors = []
player = SpeechPlayer(load_sound_module, on_error=errors.append)
names = [d.name for d in list_output_devices(load_sound_module())]
player.enabled, player.device = True, "pulse"
player.on_event(Translation(0, "en", "es", "Buenos días. El pan cuesta dos euros.", True))
player.drain()
print(json.dumps({"outputs": names, "errors": errors}))
"""


def test_the_chosen_output_device_plays_the_spoken_translation(pulse: str) -> None:  # noqa: F811
    env = {**os.environ, "PULSE_SERVER": pulse, "PULSE_SINK": "call_out"}
    heard, other = (
        PulseCapture("call_out.monitor", server=pulse),
        PulseCapture("call_mic.monitor", server=pulse),
    )
    heard.start()
    other.start()
    try:
        time.sleep(0.3)
        done = subprocess.run(
            [sys.executable, "-c", PLAYER], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        report = done.stdout.strip().splitlines()[-1]
        if '"pulse"' not in report:
            pytest.skip(f"PortAudio lists no ALSA 'pulse' device here (libasound2-plugins?): {report}")
        assert '"errors": []' in report, report
        audio, silence = _drain(heard, 1.0), _drain(other, 0.1)
    finally:
        heard.close()
        other.close()
    loud = np.abs(audio) > 0.05
    assert loud.sum() / 16_000 > 0.5  # over half a second of speech reached the sink
    assert np.abs(silence).max(initial=0.0) < 0.01
