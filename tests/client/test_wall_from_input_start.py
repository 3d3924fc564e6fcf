"""`wall_s` counts from audio position 0 of a file, not from the first chunk the client VAD sends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import soundfile

from tolk.app.core.timing import WallClock
from tolk.app.pipeline import file_source


def test_file_source_marks_the_wall_clock_at_audio_position_zero(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    soundfile.write(path, np.zeros(16_000, np.float32), 16_000)
    ticks = iter(float(i) for i in range(1000))
    wall = WallClock(now=lambda: next(ticks))

    async def first_block() -> float | None:
        blocks = file_source(path, realtime=False, wall=wall)
        assert not wall.started  # nothing read yet
        await anext(blocks)
        elapsed = wall.elapsed()
        await blocks.aclose()
        return elapsed

    assert asyncio.run(first_block()) == 1.0  # marked at tick 0, before the first block was handed out
    wall.mark()
    assert wall.elapsed() == 2.0  # a later mark (the first chunk sent) changes nothing
