"""Training throughput bench: samples/s of a few optimizer steps on random-weight architectures.

    .venv/bin/python bench/training.py [--device cpu|cuda] [--steps 3] [--json OUT]

Rows: the toy Whisper (1.6 s window) and toy Marian that CI trains from scratch, whisper-tiny and
whisper-base sizes (30 s window), and an opus-mt-size Marian. Inputs are random features / token ids of a
fixed length; compute does not depend on weight values. The first step is warm-up and not counted.
Ratios against the toy models of the same run matter more than absolute numbers on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ("kind", "d", "layers", "heads", "ffn", "pos", "vocab", "batch")
ROWS: dict[str, dict[str, Any]] = {
    name: dict(zip(FIELDS, values, strict=True))
    for name, values in {
        "toy-whisper (CI)": ("whisper", 64, 2, 2, 128, 80, 420, 16),
        "whisper-tiny size": ("whisper", 384, 4, 6, 1536, 1500, 51865, 4),
        "whisper-base size": ("whisper", 512, 6, 8, 2048, 1500, 51865, 4),
        "toy-marian (CI)": ("marian", 64, 2, 4, 128, 0, 160, 16),
        "opus-mt size (Marian)": ("marian", 512, 6, 8, 2048, 0, 58101, 16),
    }.items()
}
TARGET_TOKENS = 16
SOURCE_TOKENS = 16


def _model(row: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    import torch
    from transformers import MarianConfig, MarianMTModel, WhisperConfig, WhisperForConditionalGeneration

    b, layers, heads, ffn = row["batch"], row["layers"], row["heads"], row["ffn"]
    common = {
        "vocab_size": row["vocab"], "d_model": row["d"], "encoder_layers": layers, "decoder_layers": layers,
        "encoder_attention_heads": heads, "decoder_attention_heads": heads, "encoder_ffn_dim": ffn,
        "decoder_ffn_dim": ffn, "pad_token_id": 0, "decoder_start_token_id": 1, "eos_token_id": 2,
        "bos_token_id": 2,
    }  # fmt: skip
    labels = torch.randint(3, row["vocab"], (b, TARGET_TOKENS))
    if row["kind"] == "whisper":
        model = WhisperForConditionalGeneration(WhisperConfig(max_source_positions=row["pos"], **common))
        return model, {"input_features": torch.randn(b, 80, 2 * row["pos"]), "labels": labels}
    model = MarianMTModel(MarianConfig(**common))
    return model, {"input_ids": torch.randint(3, row["vocab"], (b, SOURCE_TOKENS)), "labels": labels}


def measure(row: dict[str, Any], device: str, steps: int) -> dict[str, float]:
    import torch

    torch.manual_seed(0)
    model, batch = _model(row)
    model.to(device).train()
    batch = {k: v.to(device) for k, v in batch.items()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    timings = []
    for _ in range(steps + 1):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - started)
    step_s = sum(timings[1:]) / steps
    params = sum(p.numel() for p in model.parameters()) / 1e6
    return {
        "params_m": round(params, 1),
        "step_s": round(step_s, 3),
        "samples_per_s": round(row["batch"] / step_s, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    results = {
        name: {**measure(row, args.device, args.steps), "batch": row["batch"]} for name, row in ROWS.items()
    }
    print(f"{'model':<24} {'params':>8} {'batch':>6} {'step s':>8} {'samples/s':>10}")
    for name, r in results.items():
        print(
            f"{name:<24} {r['params_m']:>7.1f}M {r['batch']:>6} {r['step_s']:>8.3f} "
            f"{r['samples_per_s']:>10.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps({"device": args.device, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
