"""What `tolk translate` and `tolk engines` do once the arguments are parsed (see app/cli.py).

Every failure the user can cause or fix ends as one line on stderr and a distinct exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tolk.app import travel_cli
from tolk.app.audio.capture import CaptureError
from tolk.app.audio.files import probe
from tolk.app.core import errors
from tolk.app.core.captions import CaptionModel
from tolk.app.core.console import ConsoleCaptions
from tolk.app.core.events import ConnectionState, SessionEvent, Started
from tolk.app.core.jsonl import JsonlEncoder
from tolk.app.core.subtitles import to_srt, to_vtt
from tolk.app.transport.events import Capabilities, EngineDescription, StreamOptions
from tolk.common.glossary import GlossaryTerm, load_glossary
from tolk.common.keyfiles import TlsFileError, TokenFileError
from tolk.common.langcodes import language_list

if TYPE_CHECKING:
    from tolk.app.transport.channel import ChannelSpec
    from tolk.app.transport.client import InterpreterClient

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_AUDIO = 3
EXIT_REQUEST = 4
EXIT_UNAVAILABLE = 5
EXIT_AUTH = 6
EXIT_BUSY = 7
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """exit status:
  0    success
  1    internal error (a bug: please report it)
  2    usage error (bad or missing arguments)
  3    the audio file is missing, unreadable, corrupt or not audio
  4    the server refused the request: unknown language, pair or engine, bad setting
  5    the server cannot be reached or went away (after retrying)
  6    authentication failed (missing or wrong token, or not allowed)
  7    the server is busy (capacity or quota reached)
  130  interrupted (Ctrl-C)"""

_SERVER_EXITS: tuple[tuple[type[errors.ServerError], int], ...] = (
    (errors.UnavailableError, EXIT_UNAVAILABLE),
    (errors.DeadlineExceededError, EXIT_UNAVAILABLE),
    (errors.UnauthenticatedError, EXIT_AUTH),
    (errors.PermissionDeniedError, EXIT_AUTH),
    (errors.ResourceExhaustedError, EXIT_BUSY),
    (errors.InvalidArgumentError, EXIT_REQUEST),
    (errors.NotFoundError, EXIT_REQUEST),
    (errors.FailedPreconditionError, EXIT_REQUEST),
)


def exit_code(exc: BaseException) -> int:
    from tolk.common.errors import TolkError  # the in-process backend's errors (engine load failures)

    if isinstance(exc, errors.AudioFileError | CaptureError):
        return EXIT_AUDIO
    if isinstance(exc, TlsFileError | TokenFileError):
        return EXIT_USAGE
    for cls, code in _SERVER_EXITS:
        if isinstance(exc, cls):
            return code
    if isinstance(exc, TolkError):
        return EXIT_REQUEST
    return EXIT_INTERNAL


class _OneLine(logging.Formatter):
    """Log records as `tolk: message`, without tracebacks (those need --verbose)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"tolk: {record.levelname.lower()}: {record.getMessage()}"


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if not verbose:
        handler.setFormatter(_OneLine())
    # Without --verbose the command's own one-line error is all the user sees (an engine that fails to
    # load, a session that fails in the in-process server): their log records would repeat it.
    logging.basicConfig(
        level=logging.WARNING if verbose else logging.CRITICAL, handlers=[handler], force=True
    )
    logging.getLogger("tolk.app.transport.channel").setLevel(logging.WARNING)  # plaintext-token warning


def _guarded(command: str, verbose: bool, work: Callable[[], Coroutine[Any, Any, int]]) -> int:
    _setup_logging(verbose)
    try:
        return asyncio.run(work())
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        code = exit_code(exc)
        if code == EXIT_INTERNAL and verbose:
            raise
        message = str(exc) or type(exc).__name__
        if code == EXIT_INTERNAL:
            message = f"internal error: {type(exc).__name__}: {message}"
        print(f"tolk {command}: {' '.join(message.split())}", file=sys.stderr)
        return code


@contextlib.asynccontextmanager
async def _connect(args: argparse.Namespace) -> AsyncIterator[str]:
    """Yields the target to talk to: the given server, or an in-process one.

    In-process, `args.offline_engines` says which engines it runs and why; `translate` shows that once the
    session starts, so a refused request stays one line.
    """
    if args.server:
        yield args.server
        return
    from tolk.backend.engines.registry import EngineContext, canonical_spec
    from tolk.backend.offline import EmbeddedOptions, embedded_backend
    from tolk.models.store import resolve_store_dir

    targets = getattr(args, "targets", None) or ["es"]
    store_dir = resolve_store_dir(None, os.environ)
    for attr in ("asr", "mt"):  # hub ids (whisper:openai/whisper-base) -> the store entry's spec
        if getattr(args, attr):
            setattr(args, attr, canonical_spec(getattr(args, attr), EngineContext(model_dir=store_dir)))
    options = EmbeddedOptions(
        model_dir=store_dir,
        source=getattr(args, "source", None),
        target=targets[0],
        asr=args.asr or None,  # conversation mode: the store's Whisper (the session asks for it)
        mt=args.mt or None,
    )
    async with embedded_backend(options) as backend:
        args.offline_engines = backend.engines  # reported once the session starts (errors come first)
        yield backend.target


def channel_spec(args: argparse.Namespace, target: str) -> ChannelSpec:
    """How to reach `target`; TLS and token apply to --server only (the in-process server is loopback)."""
    from tolk.app.transport.channel import ChannelSpec, ClientTls, read_token_file  # grpc: load on use

    if not args.server:
        return ChannelSpec(target, token=args.token)
    token_file = getattr(args, "token_file", None)
    token = args.token or (read_token_file(Path(token_file)) if token_file else None)
    paths = (args.tls_ca, args.tls_cert, args.tls_key)
    if not (args.tls or any(paths) or args.tls_server_name):
        return ChannelSpec(target, token=token)
    ca, cert, key = (Path(p) if p else None for p in paths)
    return ChannelSpec(target, token, ClientTls(ca=ca, cert=cert, key=key, server_name=args.tls_server_name))


def _client(args: argparse.Namespace, target: str) -> InterpreterClient:
    from tolk.app.transport.client import InterpreterClient

    return InterpreterClient(channel_spec(args, target))


# ---- translate ----


class _Printer:
    """Prints events in the chosen format as they arrive (text, jsonl) or as subtitles at the end."""

    def __init__(self, fmt: str, tracks: list[str] | None, out: TextIO, languages: bool = False) -> None:
        self._fmt, self._tracks, self._out = fmt, tracks, out
        width = shutil.get_terminal_size().columns
        self._console = ConsoleCaptions(out, fmt == "text" and out.isatty(), width, languages)
        self._model = CaptionModel()
        self._jsonl = JsonlEncoder()

    def show(self, event: SessionEvent) -> None:
        if isinstance(event, ConnectionState):
            if event.status == "reconnecting":
                print(f"tolk: reconnecting ({event.detail})", file=sys.stderr)
            return
        if self._fmt == "text":
            self._console.show(event)
        elif self._fmt == "jsonl":
            if not isinstance(event, Started):
                self._out.write(self._jsonl.encode(event) + "\n")
                self._out.flush()
        else:
            self._model.apply(event)

    def abort(self) -> None:
        """Leaves the terminal clean after a failure (no subtitles of a partial run)."""
        self._console.close()

    def finish(self) -> None:
        self._console.close()
        if self._fmt == "srt":
            self._out.write(to_srt(self._model.segments, self._tracks))
        elif self._fmt == "vtt":
            self._out.write(to_vtt(self._model.segments, self._tracks))
        self._out.flush()


def translate_problem(args: argparse.Namespace) -> str | None:
    """Normalizes `--to` (repeated or comma-separated) in place; a usage problem as one line, or None."""
    args.targets = list(language_list(args.targets or ["es"]))
    if not args.targets:
        return "--to: give at least one language"
    tracks = args.tracks or []
    unknown = [t for t in tracks if t != "original" and t not in args.targets]
    if unknown:
        choices = ", ".join(["original", *args.targets])
        return f"--track {unknown[0]}: not a target of this run (choose from {choices})"
    if tracks and args.format not in ("srt", "vtt"):
        return "--track applies to --format srt or vtt"
    return None


def _stream_options(args: argparse.Namespace) -> StreamOptions:
    targets = tuple(args.targets)
    return travel_cli.stream_options(args, StreamOptions(
        source_language=args.source.strip().lower(),
        target_languages=targets,
        asr=args.asr,
        mt=args.mt,
        disable_partials=args.no_partials,
        glossary=_glossary_terms(args),
        room=getattr(args, "room", ""),
        room_listener_token=getattr(args, "room_token", ""),
    ))  # fmt: skip


def _glossary_terms(args: argparse.Namespace) -> tuple[GlossaryTerm, ...]:
    if not getattr(args, "glossary", None):
        return ()
    return load_glossary(args.glossary).terms


async def _translate(args: argparse.Namespace) -> int:
    from tolk.app.core.timing import WallClock
    from tolk.app.pipeline import PipelineOptions, file_source, run_pipeline

    probe(args.audio)  # a bad file fails before any server starts
    printer = _Printer(args.format, args.tracks, sys.stdout, getattr(args, "conversation", None) is not None)
    options = PipelineOptions(segmentation="server_vad" if args.server_vad else "client_vad")
    speech = travel_cli.speech_output(args)  # --speak / --speak-to, else None
    async with _connect(args) as target, _client(args, target) as client:
        wall = WallClock()  # wall_s from audio position 0 of the file
        blocks = file_source(args.audio, realtime=args.realtime, wall=wall)
        try:
            async for event in run_pipeline(client, _stream_options(args), blocks, options, wall):
                engines = getattr(args, "offline_engines", None)
                if isinstance(event, Started) and engines is not None:
                    print(f"tolk: offline engines: {engines.reason}", file=sys.stderr)
                    args.offline_engines = None  # once, not again after a reconnect
                printer.show(event)
                if speech is not None:
                    await speech.on_event(event)
        except BaseException:
            printer.abort()
            raise
        printer.finish()
        if speech is not None:
            await speech.finish()
    return EXIT_OK


def run_translate(args: argparse.Namespace) -> int:
    problem = translate_problem(args)
    if problem is not None:
        print(f"tolk translate: {problem} (see tolk translate --help)", file=sys.stderr)
        return EXIT_USAGE
    return _guarded("translate", args.verbose, lambda: _translate(args))


# ---- engines ----


def _local_capabilities() -> tuple[Capabilities, dict[str, str]]:
    from tolk.backend.engines.registry import EngineContext, Registry
    from tolk.backend.offline import EmbeddedOptions, choose_engines
    from tolk.models.store import resolve_store_dir

    store_dir = resolve_store_dir(None, os.environ)
    registry = Registry(EngineContext(model_dir=store_dir))
    defaults = choose_engines(EmbeddedOptions(model_dir=store_dir))
    engines = tuple(
        EngineDescription(
            name=info.name,
            kind=info.kind,
            languages=info.languages,
            pairs=tuple((p.source, p.target) for p in info.pairs),
            is_default=info.name in (defaults.asr, defaults.mt),
            description=info.description,
        )
        for info in registry.installed()
    )
    return Capabilities(engines=engines), registry.unavailable()


def _engine_line(engine: EngineDescription) -> str:
    name = engine.name + (" (default)" if engine.is_default else "")
    if engine.kind == "asr":
        what = "languages: " + (", ".join(engine.languages) or "-")
    else:
        what = "pairs: " + (", ".join(f"{s}-{t}" for s, t in engine.pairs) or "-")
    line = f"{engine.kind.upper():<4}{name:<27} {what}"
    return f"{line}\n{'':<32}{engine.description}" if engine.description else line


def _print_engines(caps: Capabilities, unavailable: dict[str, str], as_json: bool) -> None:
    if as_json:
        data = {"engines": [asdict(e) for e in caps.engines], "unavailable": unavailable}
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for engine in sorted(caps.engines, key=lambda e: (e.kind, not e.is_default, e.name)):
        print(_engine_line(engine))
    for family, reason in unavailable.items():
        print(f"--  {family:<28}unavailable: {reason}")


async def _engines(args: argparse.Namespace) -> int:
    if not args.server:
        caps, unavailable = await asyncio.to_thread(_local_capabilities)
        _print_engines(caps, unavailable, args.json)
        return EXIT_OK
    async with _client(args, args.server) as client:
        caps = await client.capabilities()
    _print_engines(caps, {}, args.json)
    return EXIT_OK


def run_engines(args: argparse.Namespace) -> int:
    return _guarded("engines", getattr(args, "verbose", False), lambda: _engines(args))
