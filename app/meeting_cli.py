"""`tolk meeting`: both sides of a call on Linux (PulseAudio or PipeWire), captions labelled me/them.

    tolk meeting --sources                                   # list the sources to pick from
    tolk meeting --me SOURCE:en:es --them SOURCE:es:en [--virtual-mic] [--offline|--server H:P]

"me" is your microphone, "them" the monitor of the meeting app's output (e.g. `alsa_output....monitor`).
Each side is `SOURCE:SPOKEN:TARGET`. With `--virtual-mic` Tolk creates the "Tolk voice" microphone for
the meeting app and speaks the translation of what you say into it; it is removed when Tolk exits.
Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from tolk.app.commands import EXIT_CODES_HELP, EXIT_OK, _client, _connect, _guarded, _Printer
from tolk.app.core.events import Translation
from tolk.app.transport.events import StreamOptions


def _side(value: str) -> tuple[str, str, str]:
    source, _, langs = value.rpartition(":")
    source, _, spoken = source.rpartition(":")
    if not source or not spoken or not langs:
        raise argparse.ArgumentTypeError(f"expected SOURCE:SPOKEN:TARGET (e.g. mic:en:es), got {value!r}")
    return source, spoken.lower(), langs.lower()


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    from tolk.app.cli import _add_connection

    parser: argparse.ArgumentParser = subparsers.add_parser(
        "meeting", help="caption both sides of a call (me/them)", description=__doc__,
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--sources", action="store_true", help="list PulseAudio sources and exit")
    parser.add_argument("--me", type=_side, metavar="SOURCE:LANG:TO", help="your microphone")
    parser.add_argument("--them", type=_side, metavar="SOURCE:LANG:TO", help="the call's audio (a monitor)")
    parser.add_argument("--virtual-mic", action="store_true", help='speak my translations into "Tolk voice"')
    parser.add_argument("--pulse-server", metavar="ADDRESS", help="PulseAudio server (default: yours)")
    parser.add_argument("--verbose", action="store_true", help="show warnings and errors with details")
    _add_connection(parser, {})
    return parser


async def _meeting(args: argparse.Namespace) -> int:
    from tolk.app.audio.pulse import PulseCapture, VirtualMicrophone, list_sources
    from tolk.app.audio.tts import EspeakVoice
    from tolk.app.meeting import ME, THEM, Channel, run_meeting

    if args.sources:
        print("\n".join(await asyncio.to_thread(list_sources, args.pulse_server)))
        return EXIT_OK
    if not args.me or not args.them:
        raise SystemExit("tolk meeting: give --me and --them (or --sources)")
    printer, stop = _Printer("text", None, sys.stdout), asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    args.source, args.targets = args.me[1], [args.me[2]]  # what the in-process backend prepares for
    captures = {
        ME: PulseCapture(args.me[0], args.pulse_server),
        THEM: PulseCapture(args.them[0], args.pulse_server),
    }
    with contextlib.ExitStack() as stack:
        mic = stack.enter_context(VirtualMicrophone(args.pulse_server)) if args.virtual_mic else None
        for capture in captures.values():
            capture.start()
            stack.callback(capture.close)
        channels = [
            Channel(label, captures[label], StreamOptions(side[1], (side[2],), asr=args.asr, mt=args.mt))
            for label, side in ((ME, args.me), (THEM, args.them))
        ]
        async with _connect(args) as target, _client(args, target) as client:
            async for event in run_meeting(client, channels, stop):
                printer.show(event)
                if (
                    mic is not None
                    and isinstance(event, Translation)
                    and event.channel == ME
                    and event.is_final
                ):
                    speech = await asyncio.to_thread(
                        EspeakVoice().synthesize, event.text, event.target_language
                    )
                    await asyncio.to_thread(mic.speak, speech)
    printer.finish()
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return _guarded("meeting", args.verbose, lambda: _meeting(args))
