"""The gRPC client of the Interpreter service (grpc.aio): capabilities, text translation, streaming.

Where and how to connect (TLS, bearer token) is a `ChannelSpec` (app/transport/channel.py, the one place
that builds channels); a bare "host:port" is a plaintext channel without a token. `metadata` adds call
metadata, `channel_options` extra channel arguments. Failed calls raise app.core.errors.ServerError
subclasses carrying the server's message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Any, NoReturn

import grpc

from tolk.app.core.errors import ServerError, UnavailableError
from tolk.app.core.timing import WallClock
from tolk.app.transport.channel import ChannelSpec, call_metadata, open_channel
from tolk.app.transport.convert import (
    capabilities_from_proto,
    config_request,
    error_from_rpc,
    event_from_response,
    outgoing_request,
)
from tolk.app.transport.events import AudioChunk, Capabilities, Event, Outgoing, StreamOptions
from tolk.app.transport.pronounce import pronunciation_from_proto
from tolk.common.pronunciation import PronunciationResult
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

UNARY_TIMEOUT_S = 30.0
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
RECONNECT_BACKOFF_MS = 250
"""The channel's own reconnect backoff after a lost connection (gRPC's default starts at 1 s)."""
MAX_RECONNECT_BACKOFF_MS = 2000
KEEPALIVE_TIME_MS = 30_000
KEEPALIVE_TIMEOUT_MS = 10_000
DEFAULT_CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.initial_reconnect_backoff_ms", RECONNECT_BACKOFF_MS),
    ("grpc.min_reconnect_backoff_ms", RECONNECT_BACKOFF_MS),
    ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
    # keepalive during calls: a server that stops answering is noticed within 40 s (servers accept
    # pings every 10 s or slower; see backend/limits.py)
    ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
    ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    ("grpc.http2.ping_timeout_ms", KEEPALIVE_TIMEOUT_MS),
    ("grpc.keepalive_permit_without_calls", 0),
)


WRITER_SETTLE_S = 0.5
CUT_WHILE_SENDING = (
    "the server ended the stream while audio was being sent (maximum stream duration, draining or restart)"
)
"""A server that ends a stream while the client writes: grpc then reports a local INTERNAL error
instead of the server's status, so the real reason is unknown; reconnecting is the right answer."""
REFUSED_BEFORE_START = (
    "the server refused the stream before it started (at capacity, over a quota or draining); try again later"
)
"""The same grpc race on the config write: not an auth refusal (GetCapabilities passed), so a limit."""


def _write_failed(writer: asyncio.Task[bool]) -> bool:
    return writer.done() and not writer.cancelled() and writer.exception() is None and writer.result()


class InterpreterClient:
    """One channel to a Tolk server; cheap to keep open, `close()` when done."""

    def __init__(
        self,
        target: str | ChannelSpec,
        *,
        metadata: Sequence[tuple[str, str]] = (),
        channel_options: Sequence[tuple[str, Any]] = (),
        unary_timeout_s: float = UNARY_TIMEOUT_S,
    ) -> None:
        spec = target if isinstance(target, ChannelSpec) else ChannelSpec(target)
        self.target = spec.target
        self._channel = open_channel(spec, [*DEFAULT_CHANNEL_OPTIONS, *channel_options])
        self._stub = pb_grpc.InterpreterStub(self._channel)
        self._metadata = (*call_metadata(spec.token), *metadata)
        self._unary_timeout_s = unary_timeout_s

    async def capabilities(self) -> Capabilities:
        """Installed engines, languages, pairs and stream limits."""
        try:
            caps = await self._stub.GetCapabilities(
                pb.GetCapabilitiesRequest(), metadata=self._metadata, timeout=self._unary_timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc, self.target) from None
        return capabilities_from_proto(caps)

    async def translate_text(
        self, texts: Sequence[str], source: str, target: str, engine: str = ""
    ) -> list[str]:
        """Translates a batch of sentences; one output per input."""
        request = pb.TranslateTextRequest(
            source_language=source, target_language=target, texts=list(texts), engine=engine
        )
        try:
            response = await self._stub.TranslateText(
                request, metadata=self._metadata, timeout=self._unary_timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc, self.target) from None
        return list(response.translations)

    async def pronounce(
        self, text: str, pcm16: bytes, sample_rate_hz: int, language: str = "en"
    ) -> PronunciationResult:
        """Scores a reading (LINEAR16 mono) of `text` per word and per phone."""
        request = pb.PronounceRequest(
            text=text, audio=pcm16, sample_rate_hz=sample_rate_hz, language=language
        )
        try:
            response = await self._stub.Pronounce(
                request, metadata=self._metadata, timeout=self._unary_timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc, self.target) from None
        try:
            return pronunciation_from_proto(response)
        except ValueError as exc:  # a newer server's word status
            raise ServerError(f"{self.target}: unreadable pronunciation result: {exc}") from None

    async def stream(
        self,
        options: StreamOptions,
        audio: AsyncIterable[Outgoing],
        clock: WallClock | None = None,
    ) -> AsyncIterator[Event]:
        """Opens an Interpret stream: sends the config, then `audio`, then half-closes; yields events.

        `wall_s` of each event is read from `clock`, which this stream marks when it sends its first
        audio (a clock already marked, e.g. shared across reconnects, is left as it is). An exception
        raised by `audio` cancels the call and is re-raised here.
        """
        clock = clock or WallClock()
        call = self._stub.Interpret(metadata=self._metadata)
        accepted = asyncio.Event()
        writer = asyncio.create_task(self._write(call, options, audio, clock, accepted))
        try:
            async for event in self._read(call, writer, clock, accepted):
                accepted.set()
                yield event
        finally:
            if not call.done():
                call.cancel()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    @staticmethod
    async def _write(
        call: Any,
        options: StreamOptions,
        audio: AsyncIterable[Outgoing],
        clock: WallClock,
        accepted: asyncio.Event,
    ) -> bool:
        """Sends the config, waits for the server's first answer, then the audio.

        Waiting matters: audio written after the server rejected the config makes grpc report a
        local INTERNAL error instead of the server's status and message. Returns True when a write
        failed because the call had ended (the reader then reports it).
        """
        try:
            await call.write(config_request(options))
            await accepted.wait()
            async for item in audio:
                if isinstance(item, AudioChunk):
                    clock.mark()
                await call.write(outgoing_request(item, options.audio_offset_s))
            await call.done_writing()
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError, grpc.aio.UsageError):
            return True
        return False

    async def _read(
        self, call: Any, writer: asyncio.Task[bool], clock: WallClock, accepted: asyncio.Event
    ) -> AsyncIterator[Event]:
        while True:
            read = asyncio.ensure_future(call.read())
            await asyncio.wait({read, writer}, return_when=asyncio.FIRST_COMPLETED)
            if not read.done():
                self._raise_writer_failure(writer, read)
            try:
                response = await read
            except grpc.aio.AioRpcError as exc:
                await asyncio.wait({writer}, timeout=WRITER_SETTLE_S)
                self._raise_writer_failure(writer, None)
                if exc.code() == grpc.StatusCode.INTERNAL and _write_failed(writer):
                    if not accepted.is_set():
                        await self._raise_refusal()  # refused before it answered: ask why
                    raise UnavailableError(CUT_WHILE_SENDING) from None
                raise error_from_rpc(exc, self.target) from None
            if response is grpc.aio.EOF:
                await self._check_status(call)
                if not writer.done():
                    raise UnavailableError("the server ended the stream before all audio was sent")
                return
            event = event_from_response(response, clock.elapsed())
            if event is not None:
                yield event

    @staticmethod
    def _raise_writer_failure(writer: asyncio.Task[bool], read: asyncio.Future[Any] | None) -> None:
        if writer.done() and not writer.cancelled() and writer.exception() is not None:
            if read is not None:
                read.cancel()
            error = writer.exception()
            assert error is not None
            raise error

    async def _raise_refusal(self) -> NoReturn:
        """Raises the reason a server refused a stream before it started.

        A stream refused by a server interceptor while the client was still writing its config ends
        with grpc's local INTERNAL error, which hides the server's status; GetCapabilities passes the
        same interceptors and reports an auth refusal (e.g. UNAUTHENTICATED). When it passes, the
        refusal was a limit (capacity, quota, draining).
        """
        await self.capabilities()
        raise UnavailableError(REFUSED_BEFORE_START) from None

    async def _check_status(self, call: Any) -> None:
        code = await call.code()
        if code != grpc.StatusCode.OK:
            details = await call.details()
            raise error_from_rpc(
                grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details), self.target
            )

    async def wait_ready(self, timeout_s: float) -> None:
        """Waits until the channel connects; raises UnavailableError after `timeout_s`."""
        try:
            await asyncio.wait_for(self._channel.channel_ready(), timeout_s)
        except TimeoutError:
            raise UnavailableError(f"cannot reach the server at {self.target}") from None

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> InterpreterClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["InterpreterClient", "ServerError"]
