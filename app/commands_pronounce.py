"""`tolk pronounce --text TEXT AUDIO`: score a reading of a sentence per word and per phone.

Runs through the Pronounce RPC of a server (--server) or of the in-process backend (the default, which
needs no download: PocketSphinx's bundled en-US model).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tolk.app.audio.files import read_audio
from tolk.app.commands import EXIT_CODES_HELP, EXIT_OK, _client, _guarded
from tolk.app.core.pronunciation import to_json, to_text
from tolk.common.dsp import Samples, float32_to_pcm16
from tolk.common.pronunciation import PronunciationResult

if TYPE_CHECKING:
    from tolk.app.transport.client import InterpreterClient

SAMPLE_RATE_HZ = 16_000


def add_parser(subparsers: Any) -> None:
    from tolk.app.cli import _add_connection

    parser = subparsers.add_parser(
        "pronounce",
        help="score your pronunciation of a sentence (English)",
        description="Scores a recording of TEXT read aloud: a 0-100 score per word and per phone "
        "(goodness of pronunciation from a forced alignment and a free phone decode), with the "
        "words to work on. English, with PocketSphinx's bundled model (no download).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("audio", metavar="AUDIO", help="the recording (WAV, FLAC, OGG, MP3)")
    parser.add_argument("--text", required=True, help="the sentence that was read")
    parser.add_argument("--language", default="en", help="language of the text (default en)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text for people, json")
    _add_connection(parser, os.environ)
    parser.add_argument("--verbose", action="store_true", help="show warnings and errors with details")


async def pronounce_audio(
    client: Awaitable[InterpreterClient], text: str, audio: Path | Samples
) -> PronunciationResult:
    """Scores a file, or 16 kHz mono samples recorded in memory, as a reading of `text` (the app's
    Pronunciation tab)."""
    samples = await asyncio.to_thread(read_audio, audio) if isinstance(audio, Path) else audio
    return await (await client).pronounce(text, float32_to_pcm16(samples), SAMPLE_RATE_HZ)


async def _pronounce(args: argparse.Namespace) -> int:
    samples = read_audio(args.audio)  # a bad file fails before any server starts
    pcm = float32_to_pcm16(samples)
    async with _connect_pronounce(args) as target, _client(args, target) as client:
        result = await client.pronounce(args.text, pcm, SAMPLE_RATE_HZ, args.language)
    sys.stdout.write(to_json(result) + "\n" if args.format == "json" else to_text(result))
    return EXIT_OK


def _connect_pronounce(args: argparse.Namespace) -> Any:
    """The given server, or an in-process backend with the zero-download engines (nothing else loads)."""
    import contextlib
    from collections.abc import AsyncIterator

    @contextlib.asynccontextmanager
    async def connect() -> AsyncIterator[str]:
        if args.server:
            yield args.server
            return
        from tolk.backend.offline import EmbeddedOptions, embedded_backend

        options = EmbeddedOptions(model_dir=None, asr=args.asr or "pocketsphinx", mt=args.mt or "apertium")
        async with embedded_backend(options) as backend:
            yield backend.target

    return connect()


def run(args: argparse.Namespace) -> int:
    return _guarded("pronounce", args.verbose, lambda: _pronounce(args))
