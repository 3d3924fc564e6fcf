"""Neural engine bench: full-size architectures with random weights (compute does not depend on weights).

    .venv/bin/python bench/neural.py [--sizes tiny,base,small] [--workdir DIR] [--json OUT]

Tables: Whisper per 5 s utterance (fp32 / torch-int8 / CT2-int8: load, decode time, peak RSS); Marian
(opus-mt size) batch-1 latency and batch-16 throughput; the batching scheduler with 8 concurrent sessions
vs one model call per session; end-of-speech -> translated-final delay for whisper-base + Marian int8 at
real time. Every measurement runs in its own subprocess so peak RSS is clean; ratios against the fp32
baseline of the same run matter more than absolute times on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE_WAV = ROOT / "samples" / "sense-and-sensibility.wav"
TRANSCRIPT = ROOT / "samples" / "sense-and-sensibility.txt"
RUNTIMES = {"fp32": "", "torch-int8": "-int8", "ct2-int8": "-ct2-int8"}
MARIAN = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "vocab_size": 58101}
SENTENCE = "the quick brown fox jumps"  # ~20 tokens with the bench tokenizer
MARIAN_OUT_TOKENS = 20
SESSIONS = 8
ROUNDS = 3
UTTERANCES_S = ((0.0, 5.0), (5.0, 13.0), (13.0, 23.0))
CHUNK_S = 0.1
TOKENS_PER_WORD = 1.3
PARTIAL_EVERY_S = 0.25


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss would include the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speech() -> Any:
    import numpy as np
    import soundfile

    audio, _ = soundfile.read(SAMPLE_WAV, dtype="float32")
    return np.asarray(audio, dtype=np.float32)


def registry(store: str) -> Any:
    from tolk.backend.engines.registry import EngineContext, Registry

    return Registry(EngineContext(model_dir=Path(store)))


def timed(fn: Any, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- children (one measurement each)


def child_whisper(store: str, spec: str, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    engine = registry(store).asr(spec)
    load_s = time.perf_counter() - start
    clip = speech()[: 16000 * 5]
    words: list[str] = []

    def once() -> None:
        words[:] = engine.decode(clip, "en", "transcribe")

    return {"load_s": load_s, "decode_s": timed(once, repeats), "rss_mb": peak_rss_mb()}


def child_marian(store: str, spec: str, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    engine = registry(store).mt(spec)
    load_s = time.perf_counter() - start
    runtime = engine.runtime
    b1 = timed(lambda: runtime.translate([SENTENCE], "en", "de", MARIAN_OUT_TOKENS), repeats)
    b16 = timed(
        lambda: runtime.translate([SENTENCE] * 16, "en", "de", MARIAN_OUT_TOKENS), max(1, repeats // 2)
    )
    tokens = len(runtime.tokenizer(SENTENCE)["input_ids"])
    return {"load_s": load_s, "b1_s": b1, "b16_s": b16, "b16_sent_per_s": 16 / b16, "input_tokens": tokens,
            "rss_mb": peak_rss_mb()}  # fmt: skip


def _concurrently(call: Any) -> float:
    barrier = threading.Barrier(SESSIONS)

    def session() -> None:
        barrier.wait()
        for _ in range(ROUNDS):
            call()

    threads = [threading.Thread(target=session) for _ in range(SESSIONS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def child_scheduler(store: str, spec: str) -> dict[str, Any]:
    engine = registry(store).mt(spec)
    runtime, budget = engine.runtime, MARIAN_OUT_TOKENS
    engine.translate([SENTENCE], "en", "de")
    lock = threading.Lock()  # one model call at a time, as without a scheduler on a shared model

    def per_session() -> None:
        with lock:
            runtime.translate([SENTENCE], "en", "de", budget)

    def translate_batch(items: list[str]) -> list[str]:
        return list(runtime.translate(items, "en", "de", budget))

    def batched() -> None:
        engine.scheduler.run(translate_batch, "bench", SENTENCE)

    single_s = _concurrently(per_session)
    batched_s = _concurrently(batched)
    return {"per_session_s": single_s, "batched_s": batched_s, "speedup": single_s / batched_s,
            "calls": engine.scheduler.stats.calls, "items": engine.scheduler.stats.items}  # fmt: skip


def _utterance(asr: Any, mt: Any, audio: Any, realistic_mt: str) -> dict[str, float]:
    from tolk.backend.engines.base import AsrOptions

    stream = asr.open_stream(AsrOptions(language="en"))
    chunk = int(16000 * CHUNK_S)
    start = time.perf_counter()
    decodes, last_partial = 0, 0.0
    for index, offset in enumerate(range(0, len(audio), chunk)):
        due = start + (index + 1) * CHUNK_S
        time.sleep(max(0.0, due - time.perf_counter()))
        stream.accept(audio[offset : offset + chunk])
        if (index + 1) * CHUNK_S - last_partial >= PARTIAL_EVERY_S:
            last_partial = (index + 1) * CHUNK_S
            before = stream._decoded_samples
            stream.partial()
            decodes += stream._decoded_samples != before  # a re-decode: a refreshed partial
    end_of_speech = start + len(audio) / 16000
    final = stream.finalize()
    asr_done = time.perf_counter()
    mt.translate([final.text], "en", "de")
    engine_done = time.perf_counter()
    tokens = int(TOKENS_PER_WORD * len(realistic_mt.split())) + 2  # what a real opus-mt model emits
    mt.runtime.translate([realistic_mt], "en", "de", tokens)
    realistic_mt_s = time.perf_counter() - engine_done
    return {"audio_s": len(audio) / 16000, "final_s": asr_done - end_of_speech,
            "translated_final_s": engine_done - end_of_speech,
            "translated_final_realistic_s": asr_done - end_of_speech + realistic_mt_s,
            "partials_per_s": decodes / (len(audio) / 16000)}  # fmt: skip


def child_delay(store: str, asr_spec: str, mt_spec: str) -> dict[str, Any]:
    reg = registry(store)
    asr, mt = reg.asr(asr_spec), reg.mt(mt_spec)
    audio = speech()
    words = TRANSCRIPT.read_text().split()
    runs = []
    for first_s, last_s in UTTERANCES_S:
        clip = audio[int(first_s * 16000) : int(last_s * 16000)]
        reference = " ".join(words[int(first_s * 2.6) : int(last_s * 2.6)])  # ~2.6 words/s in the sample
        runs.append(_utterance(asr, mt, clip, reference))
    result: dict[str, Any] = {
        key: statistics.median(r[key] for r in runs) for key in runs[0] if key != "audio_s"
    }
    result["utterances_s"] = [r["audio_s"] for r in runs]
    result["rss_mb"] = peak_rss_mb()
    return result


def run_child(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "whisper":
        out = child_whisper(rest[0], rest[1], int(rest[2]))
    elif kind == "marian":
        out = child_marian(rest[0], rest[1], int(rest[2]))
    elif kind == "scheduler":
        out = child_scheduler(rest[0], rest[1])
    else:
        out = child_delay(rest[0], rest[1], rest[2])
    print(json.dumps(out))


# ---------------------------------------------------------------- parent: build, measure, print


def prepare(workdir: Path, sizes: list[str]) -> Path:
    """Random-weight checkpoints imported into a bench store with their int8 variants (cached)."""
    from tolk.models.quantize import convert_ct2
    from tolk.models.store import ModelStore
    from tolk.models.synthetic import WHISPER_SIZES, build_marian, build_whisper

    store = ModelStore(workdir / "store")
    plans = [(f"whisper-{s}", "whisper", s) for s in sizes] + [("opus-mt-en-de", "marian", "")]
    for name, arch, size in plans:
        if store.current_version(f"{name}-ct2-int8") is not None:
            continue
        print(f"building {name} ...", file=sys.stderr, flush=True)
        source = workdir / "checkpoints" / name
        if arch == "whisper":
            build_whisper(source, WHISPER_SIZES[size], suppress_eot=True)
        else:
            build_marian(source, **MARIAN)
        store.import_dir(source, name)
        store.import_dir(source, f"{name}-int8", precision="int8", arch=arch, parent=name)
        with tempfile.TemporaryDirectory() as work:
            converted = convert_ct2(source, Path(work) / "ct2", arch)
            store.import_dir(
                converted, f"{name}-ct2-int8", precision="int8", runtime="ctranslate2", arch=arch
            )
    return store.root


THREADS = {"n": "1"}


def measure(*argv: str) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": THREADS["n"]}
    done = subprocess.run(
        [sys.executable, __file__, "--child", *argv], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = [
            f"{row.get(c):.3f}" if isinstance(row.get(c), float) else str(row.get(c, "")) for c in columns
        ]
        print("| " + " | ".join(cells) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,base,small")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tolk-bench-neural")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip", default="", help="comma list of: whisper,marian,scheduler,delay")
    parser.add_argument("--delay-runtimes", default="torch-int8,ct2-int8")
    parser.add_argument("--threads", default="1", help="OMP_NUM_THREADS for the measured processes")
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return 0
    sizes, skip = args.sizes.split(","), set(args.skip.split(","))
    THREADS["n"] = args.threads
    store = str(prepare(args.workdir, sorted(set(sizes) | {"base"})))
    results: dict[str, Any] = {}
    if "whisper" not in skip:
        rows = []
        for size in sizes:
            base: dict[str, Any] = {}
            for runtime, suffix in RUNTIMES.items():
                spec = f"whisper:whisper-{size}{suffix}"
                row = {"model": f"whisper-{size}", "runtime": runtime,
                       **measure("whisper", store, spec, str(args.repeats))}  # fmt: skip
                base = base or row
                if "decode_s" in row and "decode_s" in base:
                    row["x_fp32_time"] = row["decode_s"] / base["decode_s"]
                    row["x_fp32_rss"] = row["rss_mb"] / base["rss_mb"]
                rows.append(row)
        results["whisper"] = rows
        table("Whisper, one 5 s utterance (40 tokens)", rows,
              ["model", "runtime", "load_s", "decode_s", "rss_mb", "x_fp32_time", "x_fp32_rss"])  # fmt: skip
    if "marian" not in skip:
        rows = []
        for runtime, suffix in RUNTIMES.items():
            rows.append({"runtime": runtime, **measure("marian", store, f"seq2seq:opus-mt-en-de{suffix}",
                                                        str(args.repeats))})  # fmt: skip
        results["marian"] = rows
        table(f"Marian (opus-mt size), {MARIAN_OUT_TOKENS} output tokens", rows,
              ["runtime", "input_tokens", "load_s", "b1_s", "b16_s", "b16_sent_per_s", "rss_mb"])  # fmt: skip
    if "scheduler" not in skip:
        rows = [{"runtime": r, **measure("scheduler", store, f"seq2seq:opus-mt-en-de{s}")}
                for r, s in RUNTIMES.items() if r != "fp32"]  # fmt: skip
        results["scheduler"] = rows
        table(f"Batching scheduler: {SESSIONS} sessions x {ROUNDS} sentences, Marian", rows,
              ["runtime", "per_session_s", "batched_s", "speedup", "calls", "items"])  # fmt: skip
    if "delay" not in skip:
        rows = [{"runtime": r, **measure("delay", store, f"whisper:whisper-base{s}",
                                          f"seq2seq:opus-mt-en-de{s}")}
                for r, s in RUNTIMES.items() if r in args.delay_runtimes.split(",")]  # fmt: skip
        results["delay"] = rows
        table("End of speech -> translated final, whisper-base + Marian, real time (median of 3 utterances)",
              rows, ["runtime", "final_s", "translated_final_s", "translated_final_realistic_s",
                     "partials_per_s", "rss_mb"])  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
