# PYTHON_ARGCOMPLETE_OK  (shell completion: see _complete; README "Shell completion")
"""The `tolk` command: translate audio files, list engines, and the subcommands other areas add.

`translate` and `engines` live here; `serve` (backend/cli.py), `models` (models/cli.py) and `app`
(app/ui/launch.py) are imported only when used, and skipped when their module is not installed.
Settings: defaults < TOLK_* environment < flags; nothing below this module reads the environment.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from tolk import __version__
from tolk.app import travel_cli
from tolk.app.commands import EXIT_CODES_HELP, EXIT_USAGE, run_engines, run_translate

HOOKS: dict[str, tuple[str, str]] = {
    "serve": ("tolk.backend.cli", "run the gRPC interpreter server"),
    "models": ("tolk.models.cli", "list, fetch and check neural models"),
    "train": ("tolk.models.train_cli", "fine-tune a speech or translation model into the store"),
    "canary": ("tolk.app.canary", "measure a live server's accuracy, export Prometheus gauges"),
    "app": ("tolk.app.ui.launch", "start the desktop app"),
    "meeting": ("tolk.app.meeting_cli", "caption both sides of a call (me/them)"),
    "pronounce": ("tolk.app.commands_pronounce", "score your pronunciation of a sentence (English)"),
    "listen": ("tolk.app.listen_cli", "follow a live-event room's captions in one language"),
    "export": ("tolk.app.export_cli", "decrypt an encrypted dictation export"),
}
FORMATS = ("text", "jsonl", "srt", "vtt")


class _Parser(argparse.ArgumentParser):
    """Usage errors: the usage line, one error line, exit status 2 (never a traceback)."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _add_connection(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--server",
        metavar="HOST:PORT",
        default=env.get("TOLK_SERVER") or None,
        help="a running `tolk serve` [TOLK_SERVER]; without it the backend runs in-process",
    )
    where.add_argument(
        "--offline",
        action="store_true",
        help="run the backend in this process (same protocol over loopback; the default)",
    )
    parser.add_argument(
        "--asr", metavar="SPEC", default=env.get("TOLK_ASR", ""), help="ASR engine spec [TOLK_ASR]"
    )
    parser.add_argument(
        "--mt", metavar="SPEC", default=env.get("TOLK_MT", ""), help="MT engine spec [TOLK_MT]"
    )
    parser.add_argument(
        "--token", default=env.get("TOLK_TOKEN") or None, help="bearer token for the server [TOLK_TOKEN]"
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        default=env.get("TOLK_TOKEN_FILE") or None,
        help="file holding the bearer token (kept out of `ps`) [TOLK_TOKEN_FILE]",
    )
    tls = parser.add_argument_group("TLS (with --server)")
    tls.add_argument("--tls", action="store_true", help="connect with TLS (system CA roots unless --tls-ca)")
    tls.add_argument(
        "--tls-ca",
        metavar="PEM",
        default=env.get("TOLK_TLS_CA") or None,
        help="CA bundle that signed the server certificate [TOLK_TLS_CA]",
    )
    tls.add_argument(
        "--tls-cert",
        metavar="PEM",
        default=env.get("TOLK_TLS_CERT") or None,
        help="client certificate (mutual TLS; needs --tls-key) [TOLK_TLS_CERT]",
    )
    tls.add_argument(
        "--tls-key",
        metavar="PEM",
        default=env.get("TOLK_TLS_KEY") or None,
        help="client private key (mutual TLS) [TOLK_TLS_KEY]",
    )
    tls.add_argument("--tls-server-name", metavar="NAME", help="name to check in the server certificate")


def _add_translate(subparsers: Any, env: Mapping[str, str]) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="caption and translate an audio file",
        description="Streams an audio file (WAV, FLAC, OGG, MP3; any rate and channel count) to the "
        "interpreter and prints captions and translations as they arrive.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("audio", metavar="AUDIO", help="audio file to translate")
    parser.add_argument(
        "--from", dest="source", default="en", metavar="LANG", help="spoken language (default en)"
    )
    parser.add_argument(
        "--to", dest="targets", action="append", default=[], metavar="LANG",
        help="target language; repeat or separate with commas for several: es,fr (default: es)",
    )  # fmt: skip
    _add_connection(parser, env)
    parser.add_argument(
        "--realtime", action="store_true", help="pace the audio at real time, as a microphone"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text",
        help="text: live captions; jsonl: one JSON object per server event; srt/vtt: subtitles at the end",
    )  # fmt: skip
    parser.add_argument(
        "--track", dest="tracks", action="append", default=None, metavar="LANG",
        help="srt/vtt lines per cue: 'original' or one of the --to languages; repeat to order them "
        "(default: original, then every target). One track gives a per-language subtitle file.",
    )  # fmt: skip
    parser.add_argument(
        "--server-vad", action="store_true", help="send continuous audio and let the server segment it"
    )
    parser.add_argument("--no-partials", action="store_true", help="finals and translations only")
    parser.add_argument(
        "--glossary", metavar="FILE", help="terms to recognize and to translate as given (TSV/CSV, see docs)"
    )
    parser.add_argument(
        "--room", default="", help="also publish into this live-event room (listeners: `tolk listen`)"
    )
    parser.add_argument("--room-token", default="", help="token the room's listeners must present")
    parser.add_argument("--verbose", action="store_true", help="show warnings and errors with details")
    travel_cli.add_arguments(parser)
    parser.set_defaults(run=run_translate)


def _add_engines(subparsers: Any, env: Mapping[str, str]) -> None:
    parser = subparsers.add_parser(
        "engines",
        help="list installed engines, languages and pairs",
        description="Lists the engines of a server (--server) or of this machine (the default).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_connection(parser, env)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run_engines)


def _add_hooks(subparsers: Any, wanted: str | None) -> None:
    """Registers the other areas' subcommands: fully for the one being run, as a help line otherwise."""
    for name, (module_name, summary) in HOOKS.items():
        try:
            present = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            present = False
        if not present:
            continue
        if name == wanted:
            module = importlib.import_module(module_name)
            module.add_parser(subparsers)
            subparsers.choices[name].set_defaults(run=module.run)
        else:
            subparsers.add_parser(name, help=summary, add_help=False)


def build_parser(argv: Sequence[str] = (), env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    env = os.environ if env is None else env
    parser = _Parser(
        prog="tolk",
        description="Tolk: live speech captions and translations over gRPC.",
        epilog=EXIT_CODES_HELP,
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, max_help_position=30),
    )
    parser.add_argument("--version", action="version", version=f"tolk {__version__} (tolk-interpreter)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_translate(subparsers, env)
    _add_engines(subparsers, env)
    wanted = next((arg for arg in argv if not arg.startswith("-")), None)
    _add_hooks(subparsers, wanted)
    return parser


def _complete(parser: argparse.ArgumentParser) -> None:
    """Shell completion when argcomplete is installed (optional): it answers and exits here."""
    try:
        import argcomplete
    except ImportError:
        return
    argcomplete.autocomplete(parser)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # before grpc loads: no core INFO lines on stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    completing = "_ARGCOMPLETE" in os.environ
    # while completing, the words typed so far pick the subcommand whose options get completed
    parser = build_parser(os.environ.get("COMP_LINE", "").split()[1:] if completing else args_list)
    if completing:
        _complete(parser)
    args = parser.parse_args(args_list)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return EXIT_USAGE
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
