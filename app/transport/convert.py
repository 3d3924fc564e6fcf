"""The only place protobuf meets app types: requests out, events and capabilities in."""

from __future__ import annotations

import grpc

from tolk.app.core import errors
from tolk.app.transport.events import (
    AudioChunk,
    Capabilities,
    EngineDescription,
    Event,
    Final,
    Outgoing,
    Partial,
    Started,
    StreamOptions,
    Translation,
)
from tolk.v1 import interpreter_pb2 as pb

_SEGMENTATION = {"client_vad": pb.CLIENT_VAD, "server_vad": pb.SERVER_VAD}
_TASK = {"transcribe": pb.TRANSCRIBE, "translate": pb.TRANSLATE_TO_ENGLISH}
_BOUNDARY = {"start": pb.SpeechBoundary.SPEECH_START, "end": pb.SpeechBoundary.SPEECH_END}
_ERRORS: dict[grpc.StatusCode, type[errors.ServerError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgumentError,
    grpc.StatusCode.OUT_OF_RANGE: errors.InvalidArgumentError,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPreconditionError,
    grpc.StatusCode.NOT_FOUND: errors.NotFoundError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhaustedError,
    grpc.StatusCode.UNAUTHENTICATED: errors.UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDeniedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: errors.DeadlineExceededError,
    grpc.StatusCode.UNAVAILABLE: errors.UnavailableError,
    grpc.StatusCode.CANCELLED: errors.CancelledError,
}


def config_request(options: StreamOptions) -> pb.InterpretRequest:
    config = pb.SessionConfig(
        source_language=options.source_language,
        target_languages=list(options.target_languages),
        audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=options.sample_rate_hz, channels=1),
        engines=pb.EnginePreference(asr=options.asr, mt=options.mt),
        segmentation=_SEGMENTATION[options.segmentation],
        task=_TASK[options.task],
        disable_partials=options.disable_partials,
        first_segment_id=options.first_segment_id,
        audio_offset_s=options.audio_offset_s,
        conversation_languages=list(options.conversation),
        channel=options.channel,
        glossary=[
            pb.GlossaryTerm(source=t.source, targets=t.targets, pronunciation=t.pronunciation)
            for t in options.glossary
        ],
        room=options.room,
        room_listener_token=options.room_listener_token,
    )
    return pb.InterpretRequest(config=config)


def outgoing_request(item: Outgoing, audio_offset_s: float) -> pb.InterpretRequest:
    """Audio as is; a boundary's time is put on the stream's timeline (conversation time - offset)."""
    if isinstance(item, AudioChunk):
        return pb.InterpretRequest(audio=pb.AudioChunk(data=item.pcm16))
    time_s = max(0.0, item.t_s - audio_offset_s)
    boundary = pb.SpeechBoundary(kind=_BOUNDARY[item.kind], audio_time_s=time_s, language=item.language)
    return pb.InterpretRequest(boundary=boundary)


def event_from_response(response: pb.InterpretResponse, wall_s: float | None) -> Event | None:
    """The app event of one server message (None for a message this client does not know)."""
    kind = response.WhichOneof("event")
    if kind == "partial":
        p = response.partial
        return Partial(
            p.segment_id, p.stable_text, p.unstable_text, p.language, p.audio_start_s, p.audio_end_s, wall_s
        )
    if kind == "final":
        f = response.final
        return Final(f.segment_id, f.text, f.language, f.audio_start_s, f.audio_end_s, wall_s, f.channel)
    if kind == "translation":
        t = response.translation
        return Translation(
            t.segment_id, t.source_language, t.target_language, t.text, t.is_final, wall_s,
            channel=t.channel, pivot_language=t.pivot_language, glossary_terms=tuple(t.glossary_terms),
        )  # fmt: skip
    if kind == "started":
        s = response.started
        return Started(s.session_id, s.asr_engine, s.mt_engine, wall_s)
    return None


def capabilities_from_proto(caps: pb.Capabilities) -> Capabilities:
    engines = tuple(
        EngineDescription(
            name=e.name,
            kind="asr" if e.kind == pb.Engine.ASR else "mt",
            languages=tuple(e.languages),
            pairs=tuple((p.source, p.target) for p in e.pairs),
            is_default=e.is_default,
            description=e.description,
        )
        for e in caps.engines
    )
    return Capabilities(
        engines=engines,
        sample_rates_hz=tuple(caps.sample_rates_hz),
        max_chunk_bytes=caps.max_chunk_bytes,
        max_segment_s=caps.max_segment_s,
        max_stream_s=caps.max_stream_s,
    )


def error_from_rpc(exc: grpc.aio.AioRpcError, target: str) -> errors.ServerError:
    """The client error for a failed call, keeping the server's message."""
    code = exc.code()
    cls = _ERRORS.get(code, errors.ServerError)
    details = exc.details() or code.name.lower().replace("_", " ")
    if code == grpc.StatusCode.UNAVAILABLE and "connect" in details.lower():
        details = f"cannot reach the server at {target}: {details}"
    error = cls(details)
    if cls is errors.ServerError:
        error.code = code.name
    return error
