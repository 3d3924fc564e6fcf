"""The controller's link to a backend and its session loop (runs on the controller's asyncio thread).

`BackendLink` keeps one InterpreterClient for the current connection. In offline mode it first starts the
in-process backend (tolk.backend.offline, with the store's engines) on a loopback port and connects to it
over the same protocol, so offline and server mode share one code path. `run_session` turns capture
blocks into 16 kHz audio, hands it to the client pipeline (app.pipeline: client VAD, reconnecting stream)
and yields its events.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from tolk.app.audio.capture import AudioCapture
from tolk.app.core.errors import ClientError
from tolk.app.core.events import Final, Partial, SessionEvent
from tolk.app.core.push_to_talk import PushToTalk
from tolk.app.pipeline import PipelineOptions, run_pipeline
from tolk.app.transport.channel import ChannelSpec, ClientTls
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import Capabilities, StreamOptions
from tolk.app.transport.resilient import RetryPolicy
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, StreamResampler
from tolk.common.glossary import GlossaryTerm

if TYPE_CHECKING:
    from tolk.backend.offline import OfflineEngines

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.1
APP_RETRY = RetryPolicy(max_attempts=None, retry_first_connect=True)
"""The app never gives up on its own: it shows "Reconnecting…" until the server is back or the user stops."""
SPEECH_END_HANGOVER_S = PipelineOptions().vad.hangover_ms / 1000
EMBEDDED_READY_TIMEOUT_S = 120.0
"""The embedded backend loads its default engines before the first session (pocketsphinx: seconds)."""


@dataclass(frozen=True)
class ConnectionSpec:
    """Where the backend is.

    Attributes:
        mode: "offline" (embedded backend in this process) or "server".
        address: host:port of the server (server mode).
        tls: use TLS (server mode).
        token: bearer token sent with every call, or "".
    """

    mode: Literal["offline", "server"] = "offline"
    address: str = "localhost:50051"
    tls: bool = False
    token: str = ""

    def channel(self, tls_files: ClientTls) -> ChannelSpec:
        """The server-mode channel, built by the same code as the CLI's (app/transport/channel.py)."""
        return ChannelSpec(self.address, self.token or None, tls_files if self.tls else None)

    def describe(self) -> str:
        if self.mode == "offline":
            return "offline (on this computer)"
        return f"{self.address}{' (TLS)' if self.tls else ''}"


@dataclass(frozen=True)
class SessionSpec:
    """One session's languages and where its segment ids and audio times continue from.

    Attributes:
        source_language: language spoken.
        target_languages: languages to translate into.
        first_segment_id: id of the first segment (after a restart: one past the last final shown).
        audio_offset_s: conversation time at which this session's audio starts.
        asr: ASR engine spec ("" = the backend's default).
        mt: MT engine spec ("" = the backend's default).
        room / room_token: the live-event room the session also publishes into ("" = none).
    """

    source_language: str
    target_languages: tuple[str, ...]
    first_segment_id: int = 0
    audio_offset_s: float = 0.0
    asr: str = ""
    mt: str = ""
    conversation: tuple[str, ...] = ()
    """Two languages for conversation mode (tolk.app.ui.conversation_window), else ()."""
    room: str = ""
    room_token: str = ""
    glossary: tuple[GlossaryTerm, ...] = ()
    """Terms recognition is biased towards and translation must use."""


class BackendLink:
    """The client for the current connection, and the embedded backend while in offline mode."""

    def __init__(self, model_dir: Path | None = None, tls_files: ClientTls | None = None) -> None:
        """`tls_files`: CA, client certificate and key, server name for TLS (default: the system's roots)."""
        self._model_dir = model_dir
        self._tls_files = tls_files or ClientTls()
        self.engines: OfflineEngines | None = None
        """The embedded backend's engines once it runs (offline mode), for the status bar."""
        self._spec: ConnectionSpec | None = None
        self._client: InterpreterClient | None = None
        self._embedded: contextlib.AsyncExitStack | None = None
        self._embedded_target_value: str | None = None
        self._lock = asyncio.Lock()

    async def client(self, spec: ConnectionSpec) -> InterpreterClient:
        """The client for `spec` (a capabilities query and a session may ask at the same time)."""
        async with self._lock:
            return await self._client_locked(spec)

    async def _client_locked(self, spec: ConnectionSpec) -> InterpreterClient:
        if self._client is not None and spec == self._spec:
            return self._client
        await self._close_client()
        if spec.mode == "offline":
            self._client = InterpreterClient(await self._embedded_target())
        else:
            self._client = InterpreterClient(spec.channel(self._tls_files))
        self._spec = spec
        return self._client

    async def _embedded_target(self) -> str:
        """Starts the in-process backend once (engines load here) and keeps it for later sessions."""
        if self._embedded_target_value is None:
            from tolk.backend.offline import EmbeddedOptions, embedded_backend

            stack = contextlib.AsyncExitStack()
            try:
                backend = await asyncio.wait_for(
                    stack.enter_async_context(embedded_backend(EmbeddedOptions(model_dir=self._model_dir))),
                    EMBEDDED_READY_TIMEOUT_S,
                )
                self._embedded_target_value, self.engines = backend.target, backend.engines
            except (Exception, TimeoutError) as exc:  # engine load failures are arbitrary exceptions
                await stack.aclose()
                reason = str(exc) or type(exc).__name__
                raise ClientError(f"the offline engines could not start: {reason}") from exc
            self._embedded = stack
        return self._embedded_target_value

    async def capabilities(self, spec: ConnectionSpec) -> Capabilities:
        client = await self.client(spec)
        return await client.capabilities()

    async def _close_client(self) -> None:
        client, self._client, self._spec = self._client, None, None
        if client is not None:
            await client.close()

    async def close(self) -> None:
        await self._close_client()
        embedded, self._embedded = self._embedded, None
        self._embedded_target_value = None
        if embedded is not None:
            await embedded.aclose()


class CaptureTimeline:
    """Maps conversation time to the moment its audio was captured, to measure caption delay.

    A final's `audio_end_s` is where the client VAD closed the segment, SPEECH_END_HANGOVER_S after the
    speech ended; the delay is counted from the end of speech, as a listener (and bench/latency) sees it.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic, keep: int = 4096) -> None:
        self._now = now
        self._marks: deque[tuple[float, float]] = deque(maxlen=keep)

    def mark(self, conversation_end_s: float) -> None:
        """Audio up to `conversation_end_s` has just been captured."""
        self._marks.append((conversation_end_s, self._now()))

    def delay_s(self, audio_end_s: float) -> float | None:
        """Seconds since the audio at `audio_end_s` was captured, or None when it is unknown."""
        return self._since(audio_end_s - SPEECH_END_HANGOVER_S)

    def _since(self, audio_end_s: float) -> float | None:
        if not self._marks or audio_end_s > self._marks[-1][0] + 1.0:
            return None
        index = bisect.bisect_left(self._marks, audio_end_s, key=lambda m: m[0])
        captured = self._marks[min(index, len(self._marks) - 1)][1]
        return max(0.0, self._now() - captured)


async def capture_blocks(
    capture: AudioCapture, timeline: CaptureTimeline, offset_s: float
) -> AsyncIterator[Samples]:
    """16 kHz mono float32 blocks from the capture queue until the capture closes."""
    resampler = StreamResampler(capture.sample_rate_hz, SAMPLE_RATE_HZ)
    position_s = offset_s
    while True:
        try:
            blocks = await asyncio.to_thread(capture.read_available, READ_TIMEOUT_S)
        except EOFError:
            tail = resampler.process(np.zeros(0, np.float32), last=True)
            if len(tail):
                yield tail
            return
        if blocks:
            block = np.concatenate(blocks)
            position_s += len(block) / capture.sample_rate_hz
            timeline.mark(position_s)
            out = resampler.process(block)
            if len(out):
                yield out


async def run_session(
    link: BackendLink,
    connection: ConnectionSpec,
    spec: SessionSpec,
    capture: AudioCapture,
    timeline: CaptureTimeline,
    push_to_talk: PushToTalk | None = None,
) -> AsyncIterator[SessionEvent]:
    """Events of one session, from the first connection to the flush after the capture closes.

    The client pipeline's timeline starts at 0 for every session; events are shifted by
    `spec.audio_offset_s` so a restarted session (new device or languages) continues the conversation.
    `push_to_talk` (conversation mode) gives segments the language of the side held when they start,
    and mutes the microphone while Tolk speaks.
    """
    client = await link.client(connection)
    options = StreamOptions(
        source_language=spec.source_language,
        target_languages=spec.target_languages,
        first_segment_id=spec.first_segment_id,
        asr=spec.asr,
        mt=spec.mt,
        conversation=spec.conversation,
        disable_partials=bool(spec.conversation),
        room=spec.room,
        room_listener_token=spec.room_token,
        glossary=spec.glossary,
    )
    blocks = capture_blocks(capture, timeline, spec.audio_offset_s)
    pipeline = PipelineOptions(segmentation="client_vad", retry=APP_RETRY)
    async for event in run_pipeline(client, options, blocks, pipeline, talk=push_to_talk):
        yield _shifted(event, spec.audio_offset_s)


def _shifted(event: SessionEvent, offset_s: float) -> SessionEvent:
    if offset_s and isinstance(event, Partial | Final):
        return replace(
            event, audio_start_s=event.audio_start_s + offset_s, audio_end_s=event.audio_end_s + offset_s
        )
    return event
