"""`tolk models evaluate | promote | history | show`: the life-cycle subcommands of `tolk models`.

models/cli.py registers these through `add_lifecycle_parsers` and hands them over in `dispatch_lifecycle`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from tolk.models.store import Manifest, ModelStore, StoredModel


def add_lifecycle_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluator = commands.add_parser(
        "evaluate", help="measure WER/CER (speech) or BLEU/chrF (text) and record them in the manifest",
        description="Without --data: the built-in set (LibriVox speech, or the en-es sentence pairs).",
    )  # fmt: skip
    evaluator.add_argument("name", metavar="NAME[@vN]")
    evaluator.add_argument(
        "--data", type=Path, help="JSONL manifest, LibriSpeech or Common Voice folder, or TSV of pairs"
    )
    evaluator.add_argument("--from", dest="source", default="en", metavar="LANG", help="source language")
    evaluator.add_argument("--to", dest="target", default="es", metavar="LANG", help="target language (mt)")
    evaluator.add_argument("--device", default="cpu", help="cpu or cuda")
    evaluator.add_argument("--format", choices=("text", "json"), default="text")
    promoter = commands.add_parser("promote", help="make NAME@vN the default (refuses worse metrics)")
    promoter.add_argument("spec", metavar="NAME@vN")
    promoter.add_argument("--force", action="store_true", help="promote even if its metrics are worse")
    history = commands.add_parser("history", help="the audit log of a model (every store change)")
    history.add_argument("name", metavar="NAME")
    history.add_argument("--format", choices=("text", "json"), default="text")
    shower = commands.add_parser("show", help="a version's manifest: metrics, lineage, files")
    shower.add_argument("name", metavar="NAME[@vN]")


def metrics_summary(manifest: Manifest) -> str:
    """'librivox wer=0.05' style, the first set's quality numbers; '-' when never evaluated."""
    for dataset, values in manifest.metrics.items():
        shown = " ".join(f"{k}={values[k]:g}" for k in ("wer", "cer", "bleu", "chrf") if k in values)
        return f"{dataset.split('@')[0]} {shown}"
    return "-"


def _resolve(store: ModelStore, spec: str) -> StoredModel:
    if "@" in spec:
        from tolk.models.promote import parse_spec

        name, version = parse_spec(spec)
        return store.get(name, version)
    return store.get(spec)


def _evaluate(args: argparse.Namespace, store: ModelStore) -> int:
    from tolk.models.evalsets import load_set
    from tolk.models.evaluate import evaluate

    model = _resolve(store, args.name)
    data = load_set(model.manifest.kind, args.data, args.source, args.target)
    report = evaluate(store, model, data, args.device)
    if args.format == "json":
        print(json.dumps(report.as_json()))
    else:
        shown = "  ".join(f"{k} {v:g}" for k, v in report.metrics.items())
        print(f"{report.model}@v{report.version} on {report.dataset} ({report.items} items): {shown}")
    return 0


def _history(args: argparse.Namespace, store: ModelStore) -> int:
    entries = store.audit.entries(args.name)
    broken = store.audit.verify_chain()
    if args.format == "json":
        print(json.dumps([asdict(e) for e in entries]))
    else:
        for e in entries:
            version = f"v{e.version}" if e.version is not None else "-"
            facts = ", ".join(f"{k}={v}" for k, v in e.details.items() if v not in (None, "", [], {}))
            print(f"{e.time}  {e.action:<9} {version:<4} {e.actor:<12} {(e.digest or '-')[:12]}  {facts}")
        if not entries:
            print(f"no history for {args.name}")
    if broken is not None:
        print(f"warning: the audit log's hash chain breaks at line {broken} ({store.audit.path})")
        return 1
    return 0


def dispatch_lifecycle(args: argparse.Namespace, store: ModelStore) -> int:
    command = args.models_command
    if command == "evaluate":
        return _evaluate(args, store)
    if command == "history":
        return _history(args, store)
    if command == "promote":
        from tolk.models.promote import promote

        model = promote(store, args.spec, args.force)
        print(f"{model.name}@v{model.manifest.version} is now the default")
        return 0
    model = _resolve(store, args.name)
    data = asdict(model.manifest)
    data.pop("files")
    data["current"] = store.current_version(model.name) == model.manifest.version
    print(json.dumps(data, indent=2, sort_keys=True))
    return 0
