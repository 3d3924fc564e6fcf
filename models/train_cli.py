"""`tolk train asr|mt --base NAME --data FILE [--eval FILE] --name NEW [...]`: train into the model store.

app/cli.py imports this lazily (`add_parser`, `run`). This is an entry point: the store directory and
every option are resolved here and passed down. The result is always a NEW version of --name (active only
when --name is new); `tolk models evaluate` / `promote` take it from there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tolk.common.errors import TolkError
from tolk.models.store import ModelStore, resolve_store_dir
from tolk.models.training import TrainOptions

EXIT_ERROR = 1


def _common(parser: argparse.ArgumentParser, lr: float, epochs: int) -> None:
    parser.add_argument(
        "--store", default=argparse.SUPPRESS, help="model store directory (as `tolk train --store`)"
    )
    parser.add_argument("--base", required=True, metavar="NAME", help="store model to start from")
    parser.add_argument("--data", required=True, type=Path, help="training data")
    parser.add_argument("--eval", type=Path, help="validation data (default: a held-out tenth)")
    parser.add_argument("--name", required=True, help="store name of the result (a new version)")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--lr", type=float, default=lr, help=f"peak learning rate (default {lr:g})")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--grad-accum", type=int, default=1, help="batches per optimizer step")
    parser.add_argument("--warmup", type=int, default=0, help="linear warmup steps")
    parser.add_argument("--patience", type=int, default=2, help="epochs without improvement before stopping")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--fp16", action="store_true", help="mixed precision (CUDA)")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--work", type=Path, help="checkpoint folder (kept; needed for --resume)")
    parser.add_argument("--resume", action="store_true", help="continue from --work/last.pt")
    parser.add_argument(
        "--from", dest="source", default="en", metavar="LANG", help="(spoken) source language"
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("train", help="fine-tune a speech or translation model into the store")
    parser.add_argument(
        "--store", help="model store directory (default: $TOLK_MODEL_DIR or the user data dir)"
    )
    kinds = parser.add_subparsers(dest="train_kind", metavar="KIND", required=True)
    asr = kinds.add_parser("asr", help="Whisper on a JSONL manifest or LibriSpeech / Common Voice folder")
    _common(asr, 1e-5, 3)
    asr.add_argument("--freeze-encoder", action="store_true", help="train the decoder only")
    asr.add_argument("--augment", action="store_true", help="SpecAugment-style time/frequency masks")
    mt = kinds.add_parser("mt", help="Marian / M2M100 / NLLB on a TSV of sentence pairs")
    _common(mt, 5e-5, 3)
    mt.add_argument("--to", dest="target", default="es", metavar="LANG", help="target language")
    return parser


def options_from(args: argparse.Namespace) -> TrainOptions:
    return TrainOptions(
        epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, grad_accum=args.grad_accum,
        warmup_steps=args.warmup, patience=args.patience, max_steps=args.max_steps, seed=args.seed,
        device=args.device, fp16=args.fp16, threads=args.threads,
        freeze_encoder=getattr(args, "freeze_encoder", False), augment=getattr(args, "augment", False),
    )  # fmt: skip


def _run(args: argparse.Namespace, store: ModelStore) -> int:
    options = options_from(args)
    if args.resume and args.work is None:
        print("tolk train: error: --resume needs --work (the folder of the interrupted run)", file=sys.stderr)
        return EXIT_ERROR
    if args.train_kind == "mt":
        from tolk.models.train_mt import MtJob, train_mt

        job = MtJob(
            args.base, args.data, args.name, args.eval, args.source, args.target, args.work, args.resume
        )
        model, result = train_mt(store, job, options)
    else:
        from tolk.models.train_asr import AsrJob, train_asr

        asr_job = AsrJob(args.base, args.data, args.name, args.eval, args.source, args.work, args.resume)
        model, result = train_asr(store, asr_job, options)
    m = model.manifest
    active = store.current_version(m.name) == m.version
    scores = "  ".join(f"{k} {v:g}" for values in m.metrics.values() for k, v in values.items())
    print(f"{m.name}@v{m.version}: {result.steps} steps, {result.samples_per_s:g} samples/s; {scores}")
    if not active:
        print(f"not the default yet: `tolk models evaluate {m.name}@v{m.version}`, then "
              f"`tolk models promote {m.name}@v{m.version}`")  # fmt: skip
    return 0


def run(args: argparse.Namespace) -> int:
    store = ModelStore(resolve_store_dir(args.store, os.environ))
    try:
        return _run(args, store)
    except TolkError as exc:
        print(f"tolk train: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("tolk train: interrupted (resume with --work DIR --resume)", file=sys.stderr)
        return 130


def main(kind: str, argv: list[str] | None = None) -> int:
    """`python -m tolk.models.{speech_recognition,machine_translation}.train ...` (= `tolk train KIND`)."""
    parser = argparse.ArgumentParser(prog="tolk")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["train", kind, *(sys.argv[1:] if argv is None else argv)]))
