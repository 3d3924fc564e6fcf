"""`tolk models ...`: list, import, pull, quantize, evaluate, promote, remove and roll back store models.

app/cli.py imports this lazily and calls `add_parser(subparsers)` and `run(args)`. This is an entry point:
the store directory is resolved here (--store > TOLK_MODEL_DIR > platform default).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tolk.common.errors import TolkError
from tolk.models.store import ModelStore, StoredModel, resolve_store_dir


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("models", help="manage local neural models (Whisper, Marian, NLLB...)")
    parser.add_argument(
        "--store", help="model store directory (default: $TOLK_MODEL_DIR or the user data dir)"
    )
    commands = parser.add_subparsers(dest="models_command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="list the models in the store")
    importer = commands.add_parser("import", help="import a checkpoint directory (save_pretrained layout)")
    importer.add_argument("directory", type=Path)
    importer.add_argument("--name", required=True)
    puller = commands.add_parser("pull", help="download a checkpoint from the Hugging Face Hub")
    puller.add_argument("hub_id", metavar="HUB_ID")
    puller.add_argument("--name")
    puller.add_argument("--revision")
    quantizer = commands.add_parser("quantize", help="add int8 variants (torch and CTranslate2)")
    quantizer.add_argument("name", metavar="NAME")
    for command, text in (("remove", "delete a model (all versions)"), ("rollback", "activate the previous "
                          "version"), ("verify", "check a model's files against its manifest")):  # fmt: skip
        commands.add_parser(command, help=text).add_argument("name", metavar="NAME")
    from tolk.models.lifecycle_cli import add_lifecycle_parsers

    add_lifecycle_parsers(commands)
    return parser


def _row(model: StoredModel) -> str:
    from tolk.models.lifecycle_cli import metrics_summary

    m = model.manifest
    return (
        f"{m.name:<28} v{m.version:<3} {m.kind:<4} {m.arch:<8} {m.precision:<5} {m.runtime:<12} "
        f"{m.size_bytes / 1e6:>8.1f} MB  {metrics_summary(m):<28} {m.source}"
    )


def _list(store: ModelStore) -> int:
    models = store.models()
    if not models:
        print(f"no models in {store.root}; try `tolk models pull openai/whisper-base`")
        return 0
    print(
        f"{'NAME':<28} {'VER':<4} {'KIND':<4} {'ARCH':<8} {'PREC':<5} {'RUNTIME':<12} {'SIZE':>11}  "
        f"{'METRICS':<28} SOURCE"
    )
    for model in models:
        print(_row(model))
    return 0


def _dispatch(args: argparse.Namespace, store: ModelStore) -> int:
    command = args.models_command
    if command == "list":
        return _list(store)
    if command == "import":
        print(_row(store.import_dir(args.directory, args.name)))
    elif command == "pull":
        from tolk.models.hub import pull

        print(_row(pull(store, args.hub_id, args.name, args.revision)))
    elif command == "quantize":
        from tolk.models.quantize import quantize

        for model in quantize(store, args.name):
            print(_row(model))
    elif command == "remove":
        store.remove(args.name)
        print(f"removed {args.name}")
    elif command == "rollback":
        print(_row(store.rollback(args.name)))
    elif command == "verify":
        print(f"ok: {_row(store.verify(store.get(args.name)))}")
    else:
        from tolk.models.lifecycle_cli import dispatch_lifecycle

        return dispatch_lifecycle(args, store)
    return 0


def run(args: argparse.Namespace) -> int:
    store = ModelStore(resolve_store_dir(args.store, os.environ))
    try:
        return _dispatch(args, store)
    except TolkError as exc:
        print(f"tolk models: error: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """`python -m tolk.models.cli ...` (the same as `tolk models ...`)."""
    parser = argparse.ArgumentParser(prog="tolk")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["models", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
