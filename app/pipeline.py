"""The client pipeline shared by the CLI and the desktop app: audio source -> segmentation -> transport.

A source yields 16 kHz mono float32 blocks (a file decoded block by block, paced at real time or as fast
as possible; the app plugs a microphone source in the same way). With CLIENT_VAD the blocks go through
tolk.common.vad.VadSegmenter and only speech is sent, framed by start/end Boundary marks; with SERVER_VAD the
audio is sent continuously. Either way the transport gets LINEAR16 chunks of at most `chunk_ms`.
`run_pipeline` ties it to a (reconnecting) session and yields events stamped with `wall_s`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import assert_never

import numpy as np

from tolk.app.audio.files import iter_audio
from tolk.app.core.push_to_talk import PushToTalk
from tolk.app.core.timing import WallClock
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import (
    AudioChunk,
    Boundary,
    Outgoing,
    Segmentation,
    SessionEvent,
    StreamOptions,
)
from tolk.app.transport.resilient import ResilientSession, RetryPolicy
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, float32_to_pcm16
from tolk.common.vad import SpeechAudio, SpeechEnd, SpeechStart, VadEvent, VadOptions, VadSegmenter

CHUNK_MS = 100
"""Largest audio chunk sent (a chunk never spans a speech boundary)."""
REALTIME_BLOCK_MS = 20
"""Block size of a paced source: what a microphone callback delivers."""
FAST_BLOCK_MS = 100
CLIENT_HANGOVER_MS = 300
"""Silence that ends a segment on the client: pocketsphinx's own live endpointer waits 0.3 s too. Shorter
than the server's 450 ms default so finals come sooner; on the LibriVox and sample recordings it splits
no utterance (same segments and WER as 450 ms)."""


def client_vad_options() -> VadOptions:
    return VadOptions(hangover_ms=CLIENT_HANGOVER_MS)


@dataclass(frozen=True)
class PipelineOptions:
    """How audio is turned into a stream.

    Attributes:
        segmentation: "client_vad" (segment here, send speech only) or "server_vad".
        vad: client-side VAD settings (CLIENT_VAD).
        chunk_ms: largest audio chunk sent.
        retry: reconnect policy; None sends one stream and fails on the first error.
    """

    segmentation: Segmentation = "client_vad"
    vad: VadOptions = field(default_factory=client_vad_options)
    chunk_ms: int = CHUNK_MS
    retry: RetryPolicy | None = field(default_factory=RetryPolicy)


async def file_source(
    path: str | Path,
    realtime: bool,
    clock: Callable[[], float] = time.monotonic,
    wall: WallClock | None = None,
) -> AsyncIterator[Samples]:
    """Blocks of a decoded file; `realtime` releases each block when a microphone would have.

    `wall` is marked at audio position 0, so `wall_s` counts from the start of the input, not from the
    first chunk sent (with client VAD that leaves only once speech is detected)."""
    block_ms = REALTIME_BLOCK_MS if realtime else FAST_BLOCK_MS
    start = clock()
    if wall is not None:
        wall.mark()
    position_s = 0.0
    for block in iter_audio(path, block_ms=block_ms):
        position_s += len(block) / SAMPLE_RATE_HZ
        if realtime:
            await asyncio.sleep(max(0.0, start + position_s - clock()))
        else:
            await asyncio.sleep(0)  # let the transport run between blocks
        yield block


async def array_source(
    samples: Samples, realtime: bool, block_ms: int = REALTIME_BLOCK_MS, speed: float = 1.0
) -> AsyncIterator[Samples]:
    """Blocks of an in-memory signal (tests, benches); paced like `file_source`, `speed` times faster."""
    step = SAMPLE_RATE_HZ * block_ms // 1000
    start = time.monotonic()
    for offset in range(0, len(samples), step):
        block = samples[offset : offset + step]
        if realtime:
            due = start + (offset + len(block)) / SAMPLE_RATE_HZ / speed
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        else:
            await asyncio.sleep(0)
        yield block


def _chunks(samples: Samples, t_s: float, chunk_ms: int) -> Iterable[AudioChunk]:
    step = SAMPLE_RATE_HZ * chunk_ms // 1000
    for offset in range(0, len(samples), step):
        piece = samples[offset : offset + step]
        yield AudioChunk(float32_to_pcm16(piece), t_s + offset / SAMPLE_RATE_HZ)


class TalkSegmenter:
    """Client VAD framing, with push-to-talk: a segment's start carries the language held when it opens.

    `talk.held` is read once per block. When it changes while a segment is open (a side pressed,
    released, or the other side pressed), the segment ends there and the VAD starts afresh, so speech
    that goes on opens a new segment in the new language (pre-roll from the cut on) and held and unheld
    speech never share a segment. While `talk.muted` (Tolk speaks), blocks are heard as silence.
    """

    def __init__(
        self, new_vad: Callable[[], VadSegmenter], chunk_ms: int, talk: PushToTalk | None = None
    ) -> None:
        self._new_vad, self._chunk_ms, self._talk = new_vad, chunk_ms, talk or PushToTalk()
        self._vad = new_vad()
        self._open: str | None = None  # the open segment's language ("" = identified), None = no segment
        self._offset_s = 0.0  # where the current VAD's timeline starts
        self._fed_s = 0.0  # audio fed so far
        self._position_s = 0.0  # end of the audio sent so far

    def feed(self, block: Samples) -> list[Outgoing]:
        language = self._talk.held
        if self._talk.muted:
            block = np.zeros(len(block), np.float32)
        out: list[Outgoing] = []
        if self._open is not None and self._open != language:
            out.append(Boundary("end", self._position_s))
            self._open, self._vad, self._offset_s = None, self._new_vad(), self._fed_s
        out += self._items(self._vad.feed(block), language)
        self._fed_s += len(block) / SAMPLE_RATE_HZ
        return out

    def flush(self) -> list[Outgoing]:
        return self._items(self._vad.flush(), self._talk.held)

    def _items(self, events: Iterable[VadEvent], language: str) -> list[Outgoing]:
        out: list[Outgoing] = []
        for event in events:
            t_s = self._offset_s + event.t_s
            if isinstance(event, SpeechStart):
                self._open, self._position_s = language, t_s
                out.append(Boundary("start", t_s, language))
            elif isinstance(event, SpeechAudio):
                out += _chunks(event.samples, t_s, self._chunk_ms)
                self._position_s = t_s + len(event.samples) / SAMPLE_RATE_HZ
            elif isinstance(event, SpeechEnd):
                self._open = None
                out.append(Boundary("end", t_s))
            else:
                assert_never(event)
        return out


async def segment(
    blocks: AsyncIterable[Samples], options: PipelineOptions, talk: PushToTalk | None = None
) -> AsyncIterator[Outgoing]:
    """What the transport sends for a source: VAD-framed speech (with push-to-talk languages and the
    mute while Tolk speaks from `talk`), or continuous chunks."""
    if options.segmentation == "server_vad":
        position = 0
        async for block in blocks:
            for chunk in _chunks(np.asarray(block, np.float32), position / SAMPLE_RATE_HZ, options.chunk_ms):
                yield chunk
            position += len(block)
        return
    framing = TalkSegmenter(lambda: VadSegmenter(options.vad), options.chunk_ms, talk)
    async for block in blocks:
        for item in framing.feed(block):
            yield item
    for item in framing.flush():
        yield item


async def run_pipeline(
    client: InterpreterClient,
    stream_options: StreamOptions,
    blocks: AsyncIterable[Samples],
    options: PipelineOptions | None = None,
    clock: WallClock | None = None,
    talk: PushToTalk | None = None,
) -> AsyncIterator[SessionEvent]:
    """Streams `blocks` to the server; yields its events (and connection changes when reconnecting).

    `talk`: push-to-talk and the mute while Tolk speaks (conversation mode, client VAD)."""
    options = options or PipelineOptions()
    clock = clock or WallClock()
    stream_options = replace(stream_options, sample_rate_hz=SAMPLE_RATE_HZ, segmentation=options.segmentation)
    items = segment(blocks, options, talk)
    if options.retry is None:
        async for event in client.stream(stream_options, items, clock):
            yield event
        return
    session = ResilientSession(client, stream_options, options.retry, clock)
    async for session_event in session.run(items):
        yield session_event
