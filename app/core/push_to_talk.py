"""Push-to-talk per side of a conversation (which person's button is held right now), and the microphone
mute while Tolk speaks.

The conversation window presses and releases; the audio pipeline reads `held` and `muted` for every
block it segments (tolk.app.pipeline.TalkSegmenter). While a side is held, the segments that start carry
that side's language and the server recognizes them in it instead of identifying it between the two;
with nothing held, identification is automatic. While the speech player speaks (`set_muted`), the
microphone's blocks are replaced by silence, so Tolk never translates its own voice. Thread-safe: the UI
and speech threads write, the pipeline thread reads.
"""

from __future__ import annotations

import threading


class PushToTalk:
    """The language of the side whose button is held ("" when none is)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = ""
        self._muted = False

    def set_muted(self, muted: bool) -> None:
        with self._lock:
            self._muted = muted

    @property
    def muted(self) -> bool:
        with self._lock:
            return self._muted

    def press(self, language: str) -> None:
        with self._lock:
            self._held = language

    def release(self, language: str) -> None:
        """Releases `language`'s button; pressing the other side meanwhile keeps that one held."""
        with self._lock:
            if self._held == language:
                self._held = ""

    @property
    def held(self) -> str:
        with self._lock:
            return self._held
