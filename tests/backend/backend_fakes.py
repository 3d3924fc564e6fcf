"""Test-only engines for session mechanics (coalescing, backpressure, cancel) — never the only coverage.

FakeAsr "hears" one word per 100 ms of loud audio, so tests know the exact text to expect. Gates can
hold finalize(), open_stream() and close() to simulate a slow engine. Real engines are exercised in
test_server_real.py.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tolk.backend.engines.base import AsrOptions, Hypothesis
from tolk.backend.engines.registry import EngineInfo, Registry
from tolk.common.dsp import Samples
from tolk.common.errors import NotFound
from tolk.common.langcodes import LanguagePair

WORD_SAMPLES = 1600


class FakeStream:
    def __init__(self, engine: FakeAsr) -> None:
        self.engine = engine
        self.loud = 0
        self.closed = False

    def accept(self, samples: Samples) -> None:
        self.loud += int(np.count_nonzero(np.abs(samples) > 0.1))

    def _words(self) -> str:
        return " ".join(f"w{i}" for i in range(self.loud // WORD_SAMPLES))

    def partial(self) -> Hypothesis:
        self.engine.partial_calls += 1
        return Hypothesis("", self._words(), "en")

    def finalize(self) -> Hypothesis:
        self.engine.gate.wait(timeout=30)
        text, self.loud = self._words(), 0
        return Hypothesis(text, "", "en")

    def close(self) -> None:
        self.engine.slow_close.wait(timeout=30)
        self.closed = True
        self.engine.open_streams -= 1


@dataclass
class FakeAsr:
    name: str = "fake-asr"
    description: str = "test engine"
    languages: tuple[str, ...] = ("en",)
    gate: threading.Event = field(default_factory=threading.Event)
    slow_open: threading.Event = field(default_factory=threading.Event)  # clear it to hold open_stream()
    slow_close: threading.Event = field(default_factory=threading.Event)  # clear it to hold close()
    opening: threading.Event = field(default_factory=threading.Event)  # set once open_stream() is entered
    open_streams: int = 0
    partial_calls: int = 0

    def __post_init__(self) -> None:
        for event in (self.gate, self.slow_open, self.slow_close):
            event.set()

    def open_stream(self, options: AsrOptions) -> FakeStream:
        if options.language not in (None, *self.languages):
            raise NotFound(f"fake-asr has no language {options.language}")
        self.opening.set()
        self.slow_open.wait(timeout=30)
        self.open_streams += 1
        return FakeStream(self)

    def close(self) -> None:
        pass


@dataclass
class FakeMt:
    name: str = "fake-mt"
    description: str = "test engine"

    def pairs(self) -> tuple[LanguagePair, ...]:
        return (LanguagePair("en", "es"), LanguagePair("en", "fr"))

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if LanguagePair(source, target) not in self.pairs():
            raise NotFound(f"no pair {source}-{target}")
        return [f"[{target}] {t}" for t in texts]

    def close(self) -> None:
        pass


class FakeRegistry(Registry):
    def __init__(self) -> None:
        super().__init__(default_asr="fake-asr", default_mt="fake-mt")
        self.fake_asr = FakeAsr()
        self.fake_mt = FakeMt()

    def asr(self, spec: str | None = None) -> FakeAsr:
        if spec not in (None, "", "fake-asr"):
            raise NotFound(f"unknown ASR engine {spec!r}")
        return self.fake_asr

    def mt(self, spec: str | None = None) -> FakeMt:
        if spec not in (None, "", "fake-mt"):
            raise NotFound(f"unknown MT engine {spec!r}")
        return self.fake_mt

    def installed(self) -> list[EngineInfo]:
        return [
            EngineInfo("fake-asr", "asr", languages=("en",)),
            EngineInfo("fake-mt", "mt", pairs=self.fake_mt.pairs()),
        ]
