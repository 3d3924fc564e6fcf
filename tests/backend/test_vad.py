"""VadSegmenter on synthetic frames: a table of speech patterns, no model, no thread, no clock."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from tolk.common.dsp import Samples, float32_to_pcm16, pcm16_to_float32, resample
from tolk.common.vad import SpeechAudio, SpeechEnd, SpeechStart, VadEvent, VadOptions, VadSegmenter

FRAME = 480  # 30 ms at 16 kHz
SPEECH, SILENCE = 0.5, 0.0


def frames(pattern: str) -> Samples:
    """'S' = one speech frame, '.' = one silent frame; each frame's samples carry its index."""
    out = [np.full(FRAME, SPEECH if c == "S" else SILENCE, dtype=np.float32) for c in pattern]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def loud(frame: Samples) -> bool:
    return bool(np.abs(frame).mean() > 0.25)


OPTS = VadOptions(frame_ms=30, preroll_ms=60, hangover_ms=90, min_speech_ms=60, max_segment_s=0.6)


def summarize(events: list[VadEvent]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for e in events:
        if isinstance(e, SpeechStart):
            out.append(("start", round(e.t_s, 3)))
        elif isinstance(e, SpeechEnd):
            out.append(("end", round(e.t_s, 3)))
    return out


def run(pattern: str, chunk: int = 7 * 160 + 3, options: VadOptions = OPTS) -> list[VadEvent]:
    seg = VadSegmenter(options, classifier=loud)
    audio = frames(pattern)
    events: list[VadEvent] = []
    for i in range(0, len(audio), chunk):
        events += seg.feed(audio[i : i + chunk])
    return events + seg.flush()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("..........", []),
        ("....S.....", []),  # a click shorter than min_speech is ignored
        ("....S.S.S.", []),
        # 2 speech frames open at frame 4 - preroll(2) = frame 2; 3 silent frames close at frame 9
        ("....SS.....", [("start", 0.06), ("end", 0.27)]),
        ("SSS", [("start", 0.0), ("end", 0.09)]),  # flush closes the open segment at the last sample
        ("....SS.SS......", [("start", 0.06), ("end", 0.36)]),  # a short pause stays in the segment
        # the pre-roll of the second segment never reaches back into the first
        ("..SS....SS.....", [("start", 0.0), ("end", 0.21), ("start", 0.21), ("end", 0.39)]),
        # 25 speech frames, max segment 20 frames -> force split at 0.6 s without a gap
        ("S" * 25, [("start", 0.0), ("end", 0.6), ("start", 0.6), ("end", 0.75)]),
    ],
)
def test_segments(pattern: str, expected: list[tuple[str, float]]) -> None:
    assert summarize(run(pattern)) == expected


@pytest.mark.parametrize("chunk", [1, 100, FRAME, FRAME + 1, 10_000])
def test_chunking_does_not_change_events_or_audio(chunk: int) -> None:
    pattern = "...SSSS.S.....SS.SSSSSSSSSSSSSSSSSSSSSSS.." + "S" * 5
    whole = run(pattern, chunk=len(frames(pattern)))
    chunked = run(pattern, chunk=chunk)
    assert summarize(chunked) == summarize(whole)
    audio = [e.samples for e in chunked if isinstance(e, SpeechAudio)]
    assert np.array_equal(
        np.concatenate(audio), np.concatenate([e.samples for e in whole if isinstance(e, SpeechAudio)])
    )


def test_segment_audio_covers_preroll_to_end_without_loss() -> None:
    pattern = "...SS" + "S" * 30 + "...."
    events = run(pattern, chunk=333)
    audio = np.concatenate([e.samples for e in events if isinstance(e, SpeechAudio)])
    starts = [e.t_s for e in events if isinstance(e, SpeechStart)]
    ends = [e.t_s for e in events if isinstance(e, SpeechEnd)]
    covered = sum(end - start for start, end in zip(starts, ends, strict=True))
    assert len(audio) == round(covered * 16_000)  # every sample between start and end, no gaps at splits
    assert len(starts) == 2  # 35+ frames with max 20 per segment


def test_audio_events_sit_between_start_and_end() -> None:
    events = run("..SSS...SS.SSS.......")
    state = "idle"
    for e in events:
        if isinstance(e, SpeechStart):
            assert state == "idle"
            state = "speech"
        elif isinstance(e, SpeechAudio):
            assert state == "speech"
        else:
            assert state == "speech"
            state = "idle"
    assert state == "idle"


def test_real_webrtcvad_finds_speech_in_real_audio_and_none_in_silence() -> None:
    data, rate = sf.read("samples/sense-and-sensibility.wav", dtype="float32", frames=16_000 * 8)
    speech = np.concatenate([np.zeros(16_000, dtype=np.float32), resample(data, rate, 16_000)])
    seg = VadSegmenter(VadOptions())
    events = seg.feed(speech) + seg.flush()
    starts = [e for e in events if isinstance(e, SpeechStart)]
    assert starts and starts[0].t_s >= 0.7  # the leading second of silence is not speech
    quiet = VadSegmenter(VadOptions())
    assert quiet.feed(np.zeros(16_000 * 3, dtype=np.float32)) + quiet.flush() == []


@pytest.mark.parametrize("bad", [{"frame_ms": 25}, {"aggressiveness": 4}, {"max_segment_s": 0.01}])
def test_options_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        VadOptions(**bad)  # type: ignore[arg-type]


def test_pcm16_round_trip_and_odd_length() -> None:
    samples = np.array([0.0, 0.5, -0.5, 0.999], dtype=np.float32)
    back = pcm16_to_float32(float32_to_pcm16(samples))
    assert np.allclose(back, samples, atol=1e-4)
    with pytest.raises(ValueError):
        pcm16_to_float32(b"\x00\x01\x02")


def test_resample_keeps_duration() -> None:
    tone = np.sin(np.arange(48_000) / 48_000 * 2 * np.pi * 440).astype(np.float32)
    out = resample(tone, 48_000, 16_000)
    assert out.dtype == np.float32 and len(out) == 16_000
