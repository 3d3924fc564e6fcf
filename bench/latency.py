"""Latency bench (not a test): Tolk's live pipeline against pocketsphinx's own live mode, same recording.

The recording is the LibriVox utterances of Debian's pocketsphinx-testdata, each trimmed to its speech
and joined with GAP_S of silence, repeated --repeat times; so where speech starts and ends is known.
Both systems get the audio paced at real time, one after the other in the same run:

- tolk: file blocks -> client VAD -> gRPC stream -> server (in-process on loopback, or --server);
- baseline: pocketsphinx Endpointer + Decoder fed frame by frame (its documented live mode).

Per utterance it measures the delay of the first partial after speech starts, of the final after
speech ends, and (tolk) of each translation after its final; it prints medians, p95 and the ratios
tolk/baseline. Run: `.venv/bin/python -m bench.latency [--repeat 2] [--server HOST:PORT] [--json]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tolk.app.audio.files import read_audio
from tolk.app.core.events import Final, Partial, SessionEvent, Translation
from tolk.app.pipeline import PipelineOptions, array_source, run_pipeline
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import StreamOptions
from tolk.common.dsp import SAMPLE_RATE_HZ, float32_to_pcm16

LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
GAP_S = 1.5
TRIM_FRAME_MS = 10
TRIM_THRESHOLD = 0.02
"""RMS of a 10 ms frame above which it counts as sound when trimming utterances."""
BLOCK_MS = 20

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Utterance:
    start_s: float
    end_s: float


@dataclass
class Timings:
    """Delays in seconds of one system, one list entry per utterance (or per translation)."""

    first_partial_s: list[float] = field(default_factory=list)
    final_s: list[float] = field(default_factory=list)
    translation_s: list[float] = field(default_factory=list)
    missed: int = 0
    finals: int = 0
    empty_finals: int = 0


def _trim(samples: Samples) -> Samples:
    step = SAMPLE_RATE_HZ * TRIM_FRAME_MS // 1000
    frames = samples[: len(samples) // step * step].reshape(-1, step)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > TRIM_THRESHOLD)
    if not len(loud):
        return samples
    return samples[loud[0] * step : (loud[-1] + 1) * step]


def build_recording(repeat: int) -> tuple[Samples, list[Utterance]]:
    files = sorted(LIBRIVOX_DIR.glob("*.wav"))
    if not files:
        raise SystemExit(f"no LibriVox utterances in {LIBRIVOX_DIR} (install pocketsphinx-testdata)")
    gap = np.zeros(int(GAP_S * SAMPLE_RATE_HZ), np.float32)
    parts, utterances, position = [gap], [], len(gap)
    for _ in range(repeat):
        for path in files:
            speech = _trim(read_audio(path))
            utterances.append(Utterance(position / SAMPLE_RATE_HZ, (position + len(speech)) / SAMPLE_RATE_HZ))
            parts += [speech, gap]
            position += len(speech) + len(gap)
    return np.concatenate(parts), utterances


def _utterance_of(start_s: float, end_s: float, utterances: list[Utterance]) -> int | None:
    """Index of the utterance a segment overlaps most (None when it overlaps none)."""
    best, best_overlap = None, 0.0
    for index, utt in enumerate(utterances):
        overlap = min(end_s, utt.end_s) - max(start_s, utt.start_s)
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best


# ---- tolk ----


async def _run_tolk(target: str, audio: Samples) -> tuple[list[tuple[float, SessionEvent]], float]:
    options = StreamOptions(source_language="en", target_languages=("es",))
    received: list[tuple[float, SessionEvent]] = []
    async with InterpreterClient(target) as client:
        t0 = time.monotonic()
        blocks = array_source(audio, realtime=True, block_ms=BLOCK_MS)
        async for event in run_pipeline(client, options, blocks, PipelineOptions(retry=None)):
            received.append((time.monotonic() - t0, event))
    return received, t0


def tolk_timings(received: list[tuple[float, SessionEvent]], utterances: list[Utterance]) -> Timings:
    first_partial: dict[int, float] = {}
    last_final: dict[int, float] = {}
    final_at: dict[int, float] = {}
    timings = Timings()
    for t, event in received:
        if isinstance(event, Partial) and event.text:
            # an early partial may span only the pre-roll: look 1 s past the segment start
            reach_s = max(event.audio_end_s, event.audio_start_s + 1.0)
            utt = _utterance_of(event.audio_start_s, reach_s, utterances)
            if utt is not None:
                first_partial.setdefault(utt, t)
        elif isinstance(event, Final):
            final_at[event.segment_id] = t
            timings.finals += 1
            timings.empty_finals += not event.text
            utt = _utterance_of(event.audio_start_s, event.audio_end_s, utterances)
            if utt is not None and event.text:
                last_final[utt] = max(last_final.get(utt, 0.0), t)
        elif isinstance(event, Translation) and event.is_final and event.segment_id in final_at:
            timings.translation_s.append(t - final_at[event.segment_id])
    _collect(timings, first_partial, last_final, utterances)
    return timings


def _collect(
    timings: Timings,
    first_partial: dict[int, float],
    last_final: dict[int, float],
    utterances: list[Utterance],
) -> None:
    for index, utt in enumerate(utterances):
        if index not in last_final:
            timings.missed += 1
            continue
        timings.final_s.append(last_final[index] - utt.end_s)
        if index in first_partial:
            timings.first_partial_s.append(first_partial[index] - utt.start_s)


# ---- pocketsphinx live baseline ----


def _run_pocketsphinx_live(audio: Samples, utterances: list[Utterance]) -> Timings:
    from pocketsphinx import Decoder, Endpointer

    endpointer = Endpointer()
    decoder = Decoder(samprate=endpointer.sample_rate)
    frame_len = endpointer.frame_length  # seconds
    step = int(frame_len * SAMPLE_RATE_HZ)
    pcm = np.frombuffer(float32_to_pcm16(audio), dtype="<i2")
    first_partial: dict[int, float] = {}
    last_final: dict[int, float] = {}
    t0 = time.monotonic()
    for offset in range(0, len(pcm) - step + 1, step):
        delay = t0 + (offset + step) / SAMPLE_RATE_HZ - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        was_in_speech = endpointer.in_speech
        speech = endpointer.process(pcm[offset : offset + step].tobytes())
        if speech is None:
            continue
        if not was_in_speech:
            decoder.start_utt()
        decoder.process_raw(speech)
        hyp = decoder.hyp()
        now = time.monotonic() - t0
        if hyp is not None and hyp.hypstr:
            utt = _utterance_of(endpointer.speech_start, endpointer.speech_start + 0.5, utterances)
            if utt is not None:
                first_partial.setdefault(utt, now)
        if not endpointer.in_speech:
            decoder.end_utt()
            now = time.monotonic() - t0
            utt = _utterance_of(endpointer.speech_start, endpointer.speech_end, utterances)
            final = decoder.hyp()
            if utt is not None and final is not None and final.hypstr:
                last_final[utt] = max(last_final.get(utt, 0.0), now)
    timings = Timings()
    _collect(timings, first_partial, last_final, utterances)
    return timings


# ---- report ----


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _stats(values: list[float]) -> tuple[float, float] | None:
    return (statistics.median(values), _p95(values)) if values else None


def _cell(stats: tuple[float, float] | None, index: int) -> str:
    return f"{stats[index]:>10.3f}" if stats else f"{'-':>10}"


def report(tolk: Timings, base: Timings, utterances: int) -> dict[str, object]:
    rows: dict[str, object] = {
        "utterances": utterances,
        "missed": {"tolk": tolk.missed, "pocketsphinx": base.missed},
    }
    print(f"{utterances} utterances; missed (no final): tolk {tolk.missed}, pocketsphinx live {base.missed}")
    print(f"tolk finals: {tolk.finals} ({tolk.empty_finals} empty)")
    print(f"{'delay (s)':<28}{'tolk med':>10}{'tolk p95':>10}{'ps med':>10}{'ps p95':>10}{'ratio med':>11}")
    for name, ours, theirs in (
        ("first partial after start", tolk.first_partial_s, base.first_partial_s),
        ("final after speech end", tolk.final_s, base.final_s),
        ("translation after final", tolk.translation_s, None),
    ):
        a, b = _stats(ours), _stats(theirs) if theirs is not None else None
        ratio = f"{a[0] / b[0]:>11.2f}" if a and b and b[0] > 0 else f"{'-':>11}"
        print(f"{name:<28}{_cell(a, 0)}{_cell(a, 1)}{_cell(b, 0)}{_cell(b, 1)}{ratio}")
        rows[name] = {"tolk": a, "pocketsphinx": b}
    return rows


async def _tolk_against(server: str | None, audio: Samples) -> list[tuple[float, SessionEvent]]:
    if server:
        return (await _run_tolk(server, audio))[0]
    from tolk.backend.offline import embedded_backend

    async with embedded_backend() as backend:
        target = backend.target
        return (await _run_tolk(target, audio))[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2, help="times the utterance set is played (default 2)")
    parser.add_argument("--server", help="a running `tolk serve` (default: in-process server)")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    args = parser.parse_args()
    audio, utterances = build_recording(args.repeat)
    print(f"recording: {len(audio) / SAMPLE_RATE_HZ:.1f} s, {len(utterances)} utterances, paced at real time")
    received = asyncio.run(_tolk_against(args.server, audio))
    tolk = tolk_timings(received, utterances)
    base = _run_pocketsphinx_live(audio, utterances)
    rows = report(tolk, base, len(utterances))
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
