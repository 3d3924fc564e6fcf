"""`tolk listen`: follow a live-event room's captions in one language (what attendees' phones show).

    tolk listen --server HOST:PORT --room demo --lang es [--format text|jsonl|srt|vtt]

Recent finals come first, then live captions; the command ends with status 0 when the speaker ends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from tolk.app.commands import EXIT_CODES_HELP, EXIT_OK, _guarded, _Printer

FORMATS = ("text", "jsonl", "srt", "vtt")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    env = os.environ
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "listen",
        help="follow a live-event room's captions in one language",
        description=__doc__,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--server",
        metavar="HOST:PORT",
        default=env.get("TOLK_SERVER") or None,
        required=not env.get("TOLK_SERVER"),
        help="the `tolk serve` hosting the room [TOLK_SERVER]",
    )
    parser.add_argument("--room", required=True, help="room name (as the speaker's --room)")
    parser.add_argument("--lang", default="en", metavar="LANG", help="caption language (default en)")
    parser.add_argument(
        "--room-token",
        default=env.get("TOLK_ROOM_TOKEN", ""),
        help="the room's listener token [TOLK_ROOM_TOKEN]",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="text, jsonl; srt/vtt at the end")
    parser.add_argument("--tls", action="store_true", help="connect with TLS (system CA roots or --tls-ca)")
    parser.add_argument(
        "--tls-ca", metavar="PEM", default=env.get("TOLK_TLS_CA") or None, help="CA bundle [TOLK_TLS_CA]"
    )
    parser.add_argument("--verbose", action="store_true", help="show warnings and errors with details")
    return parser


async def _listen(args: argparse.Namespace) -> int:
    import grpc

    from tolk.app.transport.events import Final
    from tolk.app.transport.rooms import RoomClient, RoomEnd

    credentials = None
    if args.tls or args.tls_ca:
        # None: the system's roots
        roots = await asyncio.to_thread(Path(args.tls_ca).read_bytes) if args.tls_ca else None
        credentials = grpc.ssl_channel_credentials(root_certificates=roots)
    printer = _Printer(args.format, None, sys.stdout)
    shown: set[int] = set()
    async with RoomClient(args.server, credentials=credentials) as client:
        try:
            async for item in client.listen(args.room, args.lang.strip().lower(), args.room_token):
                if isinstance(item, RoomEnd):
                    print(f"tolk: room {args.room} ended ({item.reason})", file=sys.stderr)
                    break
                event, _info = item
                if event.segment_id in shown:
                    continue  # a replayed final already shown
                if isinstance(event, Final):
                    shown.add(event.segment_id)
                printer.show(event)
        except BaseException:
            printer.abort()
            raise
    printer.finish()
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return _guarded("listen", args.verbose, lambda: _listen(args))
