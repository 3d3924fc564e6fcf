"""Whisper streaming bench (not a test): Tolk streamed at real time against faster-whisper offline.

Same model (the store's `whisper-base`, CTranslate2 int8 on the CPU, beam 1), same audio (the five
LibriVox utterances of pocketsphinx-testdata and the bundled sample), one run:

- baseline: faster-whisper `transcribe` of each whole file with Tolk's final options (offline);
- tolk: `tolk translate FILE --offline --asr whisper:whisper-base --realtime --format jsonl` as a user
  runs it (client VAD, gRPC, in-process server, Apertium to Spanish), one process per file.

Reports WER of the finals (jiwer, lower case, punctuation stripped) for both and the ratio, the final's
delay after the end of its speech (`wall_s - audio_end_s`; wall_s counts from audio position 0) as
median / p95, the translation's delay after its final, partials per second of speech, and the peak RSS
of the tolk process (ASR + MT + client). Run: `.venv/bin/python -m bench.whisper_stream [--json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import soundfile

LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sense-and-sensibility.wav"
SPEC = "whisper:whisper-base"


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower().replace("-", " ")).split())


def corpus() -> list[tuple[Path, str]]:
    texts = {}
    for line in (LIBRIVOX_DIR / "transcription").read_text().splitlines():
        spoken, _, name = line.rpartition("(")
        texts[name.rstrip(") ").strip()] = spoken.replace("<s>", "").replace("</s>", "")
    files = [(wav, texts[wav.stem]) for wav in sorted(LIBRIVOX_DIR.glob("*.wav"))]
    return [*files, (SAMPLE, (ROOT / "samples" / "sense-and-sensibility.txt").read_text())]


def wer(pairs: list[tuple[str, str]]) -> float:
    import jiwer

    return float(jiwer.wer([words(t) for t, _ in pairs], [words(h) or "<empty>" for _, h in pairs]))


def offline(store: Path, files: list[tuple[Path, str]]) -> list[str]:
    from faster_whisper import WhisperModel

    from tolk.backend.engines.whisper_runtime import final_options
    from tolk.models.store import ModelStore

    model = WhisperModel(str(ModelStore(store).get("whisper-base").path), device="cpu", compute_type="int8")
    out = []
    for wav, _ in files:
        audio, _rate = soundfile.read(wav, dtype="float32")
        segments, _ = model.transcribe(audio, language="en", **final_options(beam_size=1))
        out.append("".join(s.text for s in segments).strip())
    return out


def streamed(store: Path, wav: Path) -> tuple[list[dict[str, Any]], int]:
    """The jsonl records of one real-time CLI run, and its peak RSS in kB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-m", "tolk.app.cli", "translate", str(wav), "--offline", "--asr", SPEC,
         "--from", "en", "--to", "es", "--realtime", "--format", "jsonl"],
        capture_output=True, text=True, check=True, env={**os.environ, "TOLK_MODEL_DIR": str(store)},
    )  # fmt: skip
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return [json.loads(line) for line in done.stdout.splitlines()], max(rss, before)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def measure(store: Path) -> dict[str, Any]:
    files = corpus()
    started = time.monotonic()
    baseline = offline(store, files)
    offline_s = time.monotonic() - started
    hyps, finals_delay, mt_delay, partials, speech_s, rss_kb = [], [], [], 0, 0.0, 0
    for wav, _ in files:
        records, rss_kb = streamed(store, wav)
        finals = [r for r in records if r["type"] == "final"]
        hyps.append(" ".join(r["text"] for r in finals))
        finals_delay += [r["wall_s"] - r["audio_end_s"] for r in finals]
        final_wall = {r["segment"]: r["wall_s"] for r in finals}
        translations = [r for r in records if r["type"] == "translation" and r.get("is_final")]
        mt_delay += [r["wall_s"] - final_wall.get(r["segment"], r["wall_s"]) for r in translations]
        partials += sum(r["type"] == "partial" for r in records)
        speech_s += sum(r["audio_end_s"] - r["audio_start_s"] for r in finals)
    truth = [t for _, t in files]
    base_wer = wer(list(zip(truth, baseline, strict=True)))
    tolk_wer = wer(list(zip(truth, hyps, strict=True)))
    return {
        "load_average": os.getloadavg()[0],
        "faster_whisper_offline": {"wer": base_wer, "seconds": offline_s},
        "tolk_realtime": {
            "wer": tolk_wer,
            "final_delay_median_s": statistics.median(finals_delay),
            "final_delay_p95_s": pct(finals_delay, 0.95),
            "translation_after_final_median_s": statistics.median(mt_delay) if mt_delay else None,
            "partials_per_speech_s": partials / speech_s if speech_s else 0.0,
            "peak_rss_mb": rss_kb / 1024,
            "finals": len(finals_delay),
        },
        "ratio_wer_tolk_over_offline": tolk_wer / base_wer if base_wer else None,
        "hypotheses": {"offline": baseline, "tolk": hyps},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="model store holding whisper-base")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.store)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    t, b = result["tolk_realtime"], result["faster_whisper_offline"]
    print(f"load average {result['load_average']:.1f}")
    print("| system | WER | final after end of speech (median / p95) |")
    print("|---|---|---|")
    print(f"| faster-whisper offline, int8 | {b['wer']:.3f} | - |")
    print(f"| Tolk Whisper base, int8, `--realtime` | {t['wer']:.3f} | "
          f"{t['final_delay_median_s']:.2f} s / {t['final_delay_p95_s']:.2f} s |")  # fmt: skip
    print(f"WER ratio tolk/offline: {result['ratio_wer_tolk_over_offline']}")
    print(f"translation after final (median): {t['translation_after_final_median_s']}")
    print(f"partials per second of speech: {t['partials_per_speech_s']:.2f}")
    print(f"peak RSS of the tolk process: {t['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
