"""Both sides of a call: two captures at once ("me": the microphone, "them": the call's audio), each its
own Interpret stream with its own languages, their events merged into one conversation.

Each stream carries its channel label, which the server echoes in every final and translation, so
captions, subtitle exports (speaker tags) and the overlay know who spoke. Segment ids stay apart: the
"them" stream counts from THEM_FIRST_SEGMENT_ID. While Tolk speaks where the microphone hears it, the
microphone's segments that overlap its speech are dropped (`SpeechQueue.overlaps_speech`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Protocol

from tolk.app.core.events import Final, SessionEvent, Translation
from tolk.app.core.speech_queue import SpeechQueue
from tolk.app.pipeline import PipelineOptions, run_pipeline
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import StreamOptions
from tolk.common.dsp import Samples

ME, THEM = "me", "them"
THEM_FIRST_SEGMENT_ID = 1_000_000
READ_TIMEOUT_S = 0.1


class BlockCapture(Protocol):
    """What a meeting needs from a capture (AudioCapture, PulseCapture)."""

    def read_available(self, timeout_s: float) -> list[Samples]: ...


@dataclass(frozen=True)
class Channel:
    """One side of the call.

    Attributes:
        label: "me" or "them".
        capture: a started capture of 16 kHz mono float32 blocks.
        options: the stream's languages and engines (its channel is set from the label).
    """

    label: str
    capture: BlockCapture
    options: StreamOptions


async def capture_blocks(capture: BlockCapture, stop: asyncio.Event) -> AsyncIterator[Samples]:
    """Blocks of a capture until `stop` is set or the capture ends."""
    while not stop.is_set():
        try:
            blocks = await asyncio.to_thread(capture.read_available, READ_TIMEOUT_S)
        except EOFError:
            return
        for block in blocks:
            yield block


class _MuteFilter:
    """Drops the microphone's segments that overlap Tolk's own speech (and their translations)."""

    def __init__(self, speech: SpeechQueue | None, mic_label: str) -> None:
        self._speech, self._mic = speech, mic_label
        self._dropped: set[int] = set()

    def keep(self, event: SessionEvent) -> bool:
        if self._speech is None:
            return True
        overlaps = isinstance(event, Final) and self._speech.overlaps_speech(
            event.audio_start_s, event.audio_end_s
        )
        if overlaps and isinstance(event, Final) and event.channel == self._mic:
            self._dropped.add(event.segment_id)
        return not (isinstance(event, Final | Translation) and event.segment_id in self._dropped)


async def run_meeting(
    client: InterpreterClient,
    channels: list[Channel],
    stop: asyncio.Event,
    options: PipelineOptions | None = None,
    speech: SpeechQueue | None = None,
) -> AsyncIterator[SessionEvent]:
    """Runs one stream per channel until `stop` is set; yields their events as they arrive."""
    merged: asyncio.Queue[SessionEvent | BaseException | None] = asyncio.Queue()
    mute = _MuteFilter(speech, ME)

    async def pump(index: int, channel: Channel) -> None:
        first_id = channel.options.first_segment_id + index * THEM_FIRST_SEGMENT_ID
        stream = replace(channel.options, channel=channel.label, first_segment_id=first_id)
        try:
            async for event in run_pipeline(client, stream, capture_blocks(channel.capture, stop), options):
                await merged.put(event)
        except BaseException as exc:
            await merged.put(exc)
            raise
        finally:
            await merged.put(None)

    tasks = [asyncio.create_task(pump(i, ch), name=f"meeting-{ch.label}") for i, ch in enumerate(channels)]
    try:
        running = len(tasks)
        while running:
            item = await merged.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            elif mute.keep(item):
                yield item
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
