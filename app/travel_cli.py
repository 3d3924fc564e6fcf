"""`tolk translate` options for travellers: conversation mode and spoken translations.

    tolk translate AUDIO --conversation en,es [--offline|--server H:P] [--speak] [--speak-to FILE.wav]

Conversation mode asks the server to identify each segment's language between the two and translate it
into the other; the console then shows every final with its language. `--speak` plays each final
translation (espeak-ng) as it arrives; `--speak-to` writes them, placed on the recording's timeline, to
one WAV file.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tolk.app.audio.tts import EspeakVoice, SpeechRenderer, play
from tolk.app.core.events import SessionEvent
from tolk.app.core.speech_queue import DEFAULT_MAX_LAG_S, SpeechQueue
from tolk.app.transport.events import StreamOptions


def parse_pair(value: str) -> tuple[str, str]:
    """ "en,es" -> ("en", "es"); argparse type (ArgumentTypeError on anything else)."""
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    if len(codes) != 2 or codes[0] == codes[1] or not all(c.isalpha() and len(c) <= 3 for c in codes):
        raise argparse.ArgumentTypeError(f"expected two different language codes like en,es, got {value!r}")
    return codes[0], codes[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("conversation and spoken translations")
    group.add_argument(
        "--conversation", type=parse_pair, metavar="A,B", default=None,
        help="two languages (e.g. en,es): each segment's language is identified between them and "
        "translated into the other (needs a Whisper model; ignores --from/--to)",
    )  # fmt: skip
    group.add_argument("--speak", action="store_true", help="speak each final translation (espeak-ng)")
    group.add_argument("--speak-to", metavar="FILE.wav", type=Path, help="write the spoken translations")
    group.add_argument(
        "--speak-max-lag", type=float, default=DEFAULT_MAX_LAG_S, metavar="S",
        help="skip a spoken translation that would start more than S seconds late "
        f"(default {DEFAULT_MAX_LAG_S:g})",
    )  # fmt: skip


def stream_options(args: argparse.Namespace, options: StreamOptions) -> StreamOptions:
    """Conversation mode: both languages, no fixed source or targets, finals only."""
    pair = getattr(args, "conversation", None)
    if pair is None:
        return options
    return dataclasses.replace(
        options, source_language="", target_languages=(), conversation=pair, disable_partials=True
    )


class SpeechOutput:
    """Speaks final translations while the events arrive; writes the WAV file at the end."""

    def __init__(self, renderer: SpeechRenderer, play_live: bool, path: Path | None) -> None:
        self.renderer = renderer
        self._play_live = play_live
        self._path = path
        self._player = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tolk-speech")  # one voice
        self._pending: list[asyncio.Future[None]] = []

    async def on_event(self, event: SessionEvent) -> None:
        utterance = await asyncio.to_thread(self.renderer.on_event, event)
        if utterance is not None and self._play_live:
            samples = self.renderer.utterances[-1][1]
            loop = asyncio.get_running_loop()
            self._pending.append(loop.run_in_executor(self._player, play, samples, None))

    async def finish(self) -> None:
        try:
            await asyncio.gather(*self._pending)
        finally:
            self._player.shutdown(wait=False, cancel_futures=True)
        if self._path is not None:
            await asyncio.to_thread(self.renderer.write, self._path)


def speech_output(args: argparse.Namespace) -> SpeechOutput | None:
    """The speech output the flags ask for, or None."""
    if not getattr(args, "speak", False) and getattr(args, "speak_to", None) is None:
        return None
    renderer = SpeechRenderer(EspeakVoice(), SpeechQueue(max_lag_s=args.speak_max_lag))
    return SpeechOutput(renderer, args.speak, args.speak_to)
