"""The Interpreter gRPC service: decode and validate requests, run sessions, map domain errors to codes.

This is the only backend module (with backend/capabilities.py) that touches protobuf messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncGenerator, AsyncIterator
from concurrent.futures import Executor
from typing import assert_never

import grpc

from tolk.backend.capabilities import build_capabilities
from tolk.backend.config import SUPPORTED_SAMPLE_RATES_HZ, ServerConfig
from tolk.backend.conversation import conversation_pair
from tolk.backend.engines.apertium_process import flatten
from tolk.backend.engines.registry import Registry
from tolk.backend.glossary_rpc import glossary_from_proto, translate_with_glossary
from tolk.backend.logs import SESSION_ID
from tolk.backend.metrics import Metrics
from tolk.backend.pronounce_service import PronounceService
from tolk.backend.room_service import listen_events, room_publisher
from tolk.backend.rooms import PermissionDenied, RoomHub, RoomPublisher
from tolk.backend.session import Session, open_session
from tolk.backend.session_setup import SessionLimits, SessionOptions, SessionTracker, validate_options
from tolk.backend.unary_limits import check_texts
from tolk.common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    TolkError,
    Unavailable,
)
from tolk.common.events import Event, Final, Partial, Started, Translation
from tolk.common.langcodes import language_code, require_pair
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)

STATUS_CODES: dict[type[TolkError], grpc.StatusCode] = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    NotFound: grpc.StatusCode.NOT_FOUND,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
    PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
}
_ENCODINGS = {pb.AudioEncoding.LINEAR16: "linear16", pb.AudioEncoding.FLOAT32: "float32"}
MAX_SEGMENT_ID = 2**53
"""Largest first_segment_id (ids then count up within uint64, and stay exact in JSON)."""


def status_of(exc: BaseException) -> tuple[grpc.StatusCode, str]:
    """The status code and message a client sees for `exc` (internal errors never leak details)."""
    for kind, code in STATUS_CODES.items():
        if isinstance(exc, kind):
            return code, str(exc)
    return grpc.StatusCode.INTERNAL, "internal server error (see server log)"


def _language(code: str, what: str) -> str:
    return language_code(code, what)


def options_from_proto(config: pb.SessionConfig) -> SessionOptions:
    """Validates a SessionConfig and turns it into SessionOptions (raises InvalidArgument)."""
    if not config.HasField("audio_format"):
        raise InvalidArgument("config.audio_format is required")
    fmt = config.audio_format
    if fmt.encoding not in _ENCODINGS:
        raise InvalidArgument("audio_format.encoding must be LINEAR16 or FLOAT32")
    if fmt.channels not in (0, 1):
        raise InvalidArgument(f"only mono audio is accepted (channels=1), got channels={fmt.channels}")
    if not math.isfinite(config.audio_offset_s):
        raise InvalidArgument("audio_offset_s must be a finite number")
    source = config.source_language.strip().lower()
    targets = [_language(t, "target language") for t in config.target_languages]
    return SessionOptions(
        source_language=None if source in ("", "auto") else _language(source, "source language"),
        target_languages=tuple(dict.fromkeys(targets)),
        encoding="linear16" if fmt.encoding == pb.AudioEncoding.LINEAR16 else "float32",
        sample_rate_hz=fmt.sample_rate_hz,
        segmentation="client_vad" if config.segmentation == pb.Segmentation.CLIENT_VAD else "server_vad",
        translate_to_english=config.task == pb.Task.TRANSLATE_TO_ENGLISH,
        disable_partials=config.disable_partials,
        first_segment_id=_segment_id(config.first_segment_id),
        audio_offset_s=config.audio_offset_s,
        asr=config.engines.asr.strip(),
        mt=config.engines.mt.strip(),
        conversation=conversation_pair([_language(c, "language") for c in config.conversation_languages]),
        channel=config.channel.strip()[:32],
        glossary=glossary_from_proto(config.glossary) if config.glossary else None,
    )


def _segment_id(value: int) -> int:
    if value > MAX_SEGMENT_ID:
        raise InvalidArgument(f"first_segment_id must be <= {MAX_SEGMENT_ID}")
    return value


def event_to_proto(event: Event) -> pb.InterpretResponse:
    if isinstance(event, Started):
        return pb.InterpretResponse(
            started=pb.SessionStarted(
                session_id=event.session_id, asr_engine=event.asr_engine, mt_engine=event.mt_engine
            )
        )
    if isinstance(event, Partial):
        return pb.InterpretResponse(
            partial=pb.Partial(
                segment_id=event.segment_id,
                stable_text=event.stable,
                unstable_text=event.unstable,
                language=event.language,
                audio_start_s=event.audio_start_s,
                audio_end_s=event.audio_end_s,
            )
        )
    if isinstance(event, Final):
        return pb.InterpretResponse(
            final=pb.Final(
                segment_id=event.segment_id,
                text=event.text,
                language=event.language,
                audio_start_s=event.audio_start_s,
                audio_end_s=event.audio_end_s,
                channel=event.channel,
            )
        )
    if isinstance(event, Translation):
        return pb.InterpretResponse(
            translation=pb.Translation(
                segment_id=event.segment_id,
                source_language=event.source_language,
                target_language=event.target_language,
                text=event.text,
                is_final=event.is_final,
                channel=event.channel,
                pivot_language=event.pivot_language,
                glossary_terms=event.glossary_terms,
            )
        )
    assert_never(event)


class InterpreterServicer(pb_grpc.InterpreterServicer):  # type: ignore[misc]
    """Interpret, TranslateText and GetCapabilities on top of sessions and the engine registry."""

    def __init__(
        self,
        config: ServerConfig,
        registry: Registry,
        sessions: SessionTracker,
        executor: Executor,
        metrics: Metrics | None = None,
        mt_executor: Executor | None = None,
        rooms: RoomHub | None = None,
    ) -> None:
        self._rooms = rooms
        self._config = config
        self._registry = registry
        self._sessions = sessions
        self._executor = executor
        self._mt_executor = mt_executor or executor  # MT apart from ASR (backend.unary_limits)
        self._live: set[Session] = set()
        self._pronounce = PronounceService(executor)
        self._metrics = metrics or Metrics()
        self._metrics.queue_depth.set_function(lambda: float(sum(s.queued for s in list(self._live))))
        self._limits = SessionLimits(
            max_chunk_bytes=config.max_chunk_bytes,
            partial_interval_ms=config.partial_interval_ms,
            input_queue_size=config.input_queue_size,
            event_queue_size=config.event_queue_size,
            vad=config.vad,
            on_segment_rtf=self._metrics.real_time_factor.observe,
            on_segment_signals=self._metrics.observe_segment,
        )

    async def Interpret(
        self, request_iterator: AsyncIterator[pb.InterpretRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.InterpretResponse]:
        requests = aiter(request_iterator)
        try:
            options, config = await self._read_config(requests)
            validate_options(options, SUPPORTED_SAMPLE_RATES_HZ)
            await self._require_offered(options.asr, options.mt if options.target_languages else "")
            if config.room and self._rooms is None:
                raise FailedPrecondition("this server does not host rooms")
            session_id = self._sessions.acquire()
        except TolkError as exc:
            await context.abort(*status_of(exc))
        SESSION_ID.set(session_id)  # this call's task (and the tasks it starts) log with the session id
        try:
            # aclosing: if this generator is closed at its yield, the session still closes before release
            run = self._run_session(session_id, options, requests, config)
            async with contextlib.aclosing(run) as responses:
                async for response in responses:
                    yield response
        except TolkError as exc:
            await context.abort(*status_of(exc))
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as exc:
            log.exception("session %s failed", session_id)
            await context.abort(*status_of(exc))
        finally:
            self._sessions.release(session_id)

    async def _require_offered(self, asr: str, mt: str) -> None:
        """NOT_FOUND for an engine spec GetCapabilities does not list (empty = the server's default)."""
        for kind, spec in (("asr", asr), ("mt", mt)):
            if spec:
                await asyncio.to_thread(self._registry.require_offered, kind, spec)  # type: ignore[arg-type]

    async def _read_config(
        self, requests: AsyncIterator[pb.InterpretRequest]
    ) -> tuple[SessionOptions, pb.SessionConfig]:
        first = await anext(requests, None)
        if first is None or first.WhichOneof("request") != "config":
            raise FailedPrecondition("the first request of an Interpret stream must be the config")
        return options_from_proto(first.config), first.config

    async def _run_session(
        self, session_id: str, options: SessionOptions, requests: AsyncIterator[pb.InterpretRequest],
        config: pb.SessionConfig,
    ) -> AsyncGenerator[pb.InterpretResponse, None]:  # fmt: skip
        session = await open_session(
            session_id, options, self._limits, self._registry, self._executor, self._mt_executor
        )
        reader = asyncio.create_task(self._read(requests, session), name=f"reader-{session_id}")
        self._live.add(session)
        publisher: RoomPublisher | None = None
        ended = False  # the stream ended with OK: a room it published into ends too
        try:
            publisher = room_publisher(self._rooms, config, options.source_language, options.target_languages)
            while (event := await session.next_event()) is not None:
                if publisher is not None:
                    publisher.offer(event)  # never waits: listeners cannot slow the speaker
                yield event_to_proto(event)
            ended = True
        finally:
            if publisher is not None:
                publisher.finish(ended)
            self._live.discard(session)
            reader.cancel()
            try:
                await asyncio.gather(reader, return_exceptions=True)
            finally:
                await session.aclose()  # runs even when the call is cancelled while the reader stops

    async def _read(self, requests: AsyncIterator[pb.InterpretRequest], session: Session) -> None:
        try:
            async for request in requests:
                await self._dispatch(request, session)
            await session.finish()
        except TolkError as exc:
            await session.outbox.fail(exc)

    async def _dispatch(self, request: pb.InterpretRequest, session: Session) -> None:
        kind = request.WhichOneof("request")
        if kind == "audio":
            await session.push_audio(request.audio.data)
        elif kind == "boundary":
            boundary = request.boundary
            if boundary.kind == pb.SpeechBoundary.Kind.KIND_UNSPECIFIED:
                raise InvalidArgument("boundary.kind must be SPEECH_START or SPEECH_END")
            if not math.isfinite(boundary.audio_time_s) or boundary.audio_time_s < 0:
                raise InvalidArgument("boundary.audio_time_s must be a finite number >= 0")
            start = boundary.kind == pb.SpeechBoundary.Kind.SPEECH_START
            await session.push_boundary(start, boundary.audio_time_s, boundary.language)
        elif kind == "config":
            raise FailedPrecondition("a second config in one Interpret stream")
        else:
            raise InvalidArgument("empty InterpretRequest (set config, audio or boundary)")

    async def TranslateText(
        self, request: pb.TranslateTextRequest, context: grpc.aio.ServicerContext
    ) -> pb.TranslateTextResponse:
        try:
            return await self._translate_text(request)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as exc:
            await _abort_unary(context, exc, "TranslateText")
            raise AssertionError("context.abort raises") from exc

    async def _translate_text(self, request: pb.TranslateTextRequest) -> pb.TranslateTextResponse:
        source = _language(request.source_language, "source_language")
        target = _language(request.target_language, "target_language")
        texts = list(request.texts)
        check_texts(texts, self._config.translate)
        spec = request.engine.strip()
        if spec:
            await asyncio.to_thread(self._registry.require_offered, "mt", spec)
        loop = asyncio.get_running_loop()
        mt = await loop.run_in_executor(self._mt_executor, self._registry.mt, spec or None)
        require_pair(mt.pairs(), source, target, mt.name)
        if source == target or not texts:  # no translation, but the same hygiene: never a NUL back
            return pb.TranslateTextResponse(translations=[flatten(t) for t in texts], engine=mt.name)
        if request.glossary:
            glossary = glossary_from_proto(request.glossary)
            return await translate_with_glossary(mt, glossary, texts, source, target, self._mt_executor)
        out = await loop.run_in_executor(self._mt_executor, mt.translate, texts, source, target)
        return pb.TranslateTextResponse(translations=out, engine=mt.name)

    async def Listen(
        self, request: pb.ListenRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ListenEvent]:
        try:
            if self._rooms is None:
                raise FailedPrecondition("this server does not host rooms")
            async for event in listen_events(self._rooms, request):
                yield event
        except TolkError as exc:
            await context.abort(*status_of(exc))

    async def GetCapabilities(
        self, request: pb.GetCapabilitiesRequest, context: grpc.aio.ServicerContext
    ) -> pb.Capabilities:
        try:
            infos = await asyncio.to_thread(self._registry.installed)
            return build_capabilities(infos, self._config)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as exc:
            await _abort_unary(context, exc, "GetCapabilities")
            raise AssertionError("context.abort raises") from exc

    async def Pronounce(
        self, request: pb.PronounceRequest, context: grpc.aio.ServicerContext
    ) -> pb.PronounceResponse:
        try:
            return await self._pronounce.pronounce(request)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception as exc:
            await _abort_unary(context, exc, "Pronounce")
            raise AssertionError("context.abort raises") from exc


async def _abort_unary(context: grpc.aio.ServicerContext, exc: Exception, method: str) -> None:
    """Ends a unary call with the status of `exc`; anything unexpected is INTERNAL, details only logged."""
    if not isinstance(exc, TolkError):
        log.error("%s failed", method, exc_info=exc)
    await context.abort(*status_of(exc))
