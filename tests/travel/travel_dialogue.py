"""The espeak-ng dialogue the conversation tests share: English and Spanish turns, two voices, pauses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from tolk.app.audio.tts import EspeakVoice

RATE = 16_000
PAUSE_S = 1.0


@dataclass(frozen=True)
class Turn:
    language: str
    voice: str
    text: str
    start_s: float = 0.0
    end_s: float = 0.0


TURNS = [
    Turn("en", "m3", "Good morning. How much does this bread cost?"),
    Turn("es", "f2", "Buenos días. El pan cuesta dos euros."),
    Turn("en", "m3", "I would like two loaves, please."),
    Turn("es", "f2", "Muy bien. ¿Quiere algo más?"),
]


def make_dialogue(path: Path) -> list[Turn]:
    parts, turns, t_s = [np.zeros(RATE // 2, np.float32)], [], 0.5
    for turn in TURNS:
        speech = EspeakVoice(variant=turn.voice, words_per_minute=150).synthesize(turn.text, turn.language)
        turns.append(Turn(turn.language, turn.voice, turn.text, t_s, t_s + len(speech) / RATE))
        parts += [speech, np.zeros(int(PAUSE_S * RATE), np.float32)]
        t_s += len(speech) / RATE + PAUSE_S
    sf.write(path, np.concatenate(parts), RATE, subtype="PCM_16")
    return turns
