"""Zero-download engines bench (not a test): costs the pools avoid, accuracy, and the Apertium pipeline.

- pocketsphinx: creating a decoder vs opening a stream from the warm pool; LibriVox corpus WER of
  (a) a plain decoder fed each whole file, (b) Tolk's stream fed 100 ms chunks (must be identical),
  (c) a plain decoder with batch CMN (full_utt=True), for reference; real-time factor of (b).
- apertium: per-sentence latency of the persistent null-flush pipeline vs one `apertium eng-spa`
  process per sentence (the baseline), same sentences, same run.

Run: `.venv/bin/python -m bench.zero_download [--json]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from tolk.backend.engines import apertium_mt, pocketsphinx_asr
from tolk.backend.engines.base import AsrOptions
from tolk.backend.engines.registry import EngineContext
from tolk.common.dsp import pcm16_to_float32
from tolk.models.metrics import corpus_wer

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
CHUNK_SAMPLES = 1_600
SENTENCES = [
    "The house is big.",
    "I have a red car.",
    "The dog sleeps in the garden.",
    "He was not an ill disposed young man.",
    "Where is the library?",
    "She wants to buy some bread and milk.",
    "We will travel to the city tomorrow.",
    "The children are playing in the park.",
]


def references() -> dict[str, str]:
    refs: dict[str, str] = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, _, utt = line.rpartition("(")
        refs[utt.strip(" )")] = text.replace("<s>", "").replace("</s>", "").strip()
    return refs


def plain_decode(pcm: np.ndarray, full_utt: bool) -> str:
    decoder = pocketsphinx_asr.new_decoder()
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), False, full_utt)
    decoder.end_utt()
    hyp = decoder.hyp()
    return str(hyp.hypstr) if hyp is not None else ""


def bench_pocketsphinx() -> dict[str, float]:
    start = time.perf_counter()
    engine = pocketsphinx_asr.PocketsphinxEngine()
    create_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        engine.open_stream(AsrOptions()).close()
    open_s = (time.perf_counter() - start) / 20
    refs = references()
    plain, live, batch = [], [], []
    audio_s = decode_s = 0.0
    for utt, ref in refs.items():
        pcm, _ = sf.read(LIBRIVOX / f"{utt}.wav", dtype="int16")
        plain.append((ref, plain_decode(pcm, False)))
        batch.append((ref, plain_decode(pcm, True)))
        samples = pcm16_to_float32(pcm.astype("<i2").tobytes())
        stream = engine.open_stream(AsrOptions())
        start = time.perf_counter()
        for i in range(0, len(samples), CHUNK_SAMPLES):
            stream.accept(samples[i : i + CHUNK_SAMPLES])
        live.append((ref, stream.finalize().stable))
        decode_s += time.perf_counter() - start
        audio_s += len(samples) / 16_000
        stream.close()
    engine.close()
    return {
        "decoder_create_ms": create_s * 1e3,
        "pooled_open_ms": open_s * 1e3,
        "wer_plain_whole_file": corpus_wer(plain),
        "wer_stream_chunked": corpus_wer(live),
        "stream_equals_plain": float([h for _, h in live] == [h for _, h in plain]),
        "wer_plain_batch_cmn": corpus_wer(batch),
        "stream_real_time_factor": decode_s / audio_s,
    }


def bench_apertium() -> dict[str, float]:
    engine = apertium_mt.load(None, EngineContext())
    engine.translate(["warm up"], "en", "es")
    persistent = []
    for sentence in SENTENCES:
        start = time.perf_counter()
        engine.translate([sentence], "en", "es")
        persistent.append(time.perf_counter() - start)
    engine.close()
    per_process = []
    for sentence in SENTENCES:
        start = time.perf_counter()
        subprocess.run(["apertium", "eng-spa"], input=sentence, capture_output=True, text=True, check=True)
        per_process.append(time.perf_counter() - start)
    persistent_ms = statistics.median(persistent) * 1e3
    per_process_ms = statistics.median(per_process) * 1e3
    return {
        "persistent_median_ms": persistent_ms,
        "process_per_sentence_median_ms": per_process_ms,
        "speedup": per_process_ms / persistent_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = {"pocketsphinx": bench_pocketsphinx(), "apertium": bench_apertium()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for engine, numbers in results.items():
        for key, value in numbers.items():
            print(f"{engine:13} {key:32} {value:10.3f}")


if __name__ == "__main__":
    main()
