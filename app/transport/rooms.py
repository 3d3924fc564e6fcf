"""Following a live-event room over gRPC (`Listen`): captions in one language as app events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from tolk.app.transport.client import DEFAULT_CHANNEL_OPTIONS
from tolk.app.transport.convert import error_from_rpc
from tolk.app.transport.events import Final, Partial
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc


@dataclass(frozen=True)
class RoomEnd:
    """The room ended (the speaker finished, the server stopped, or this listener fell behind)."""

    reason: str


@dataclass(frozen=True)
class RoomCaptionInfo:
    """What a room caption adds to its Final/Partial: position, publish time, replay flag."""

    seq: int
    published_unix_s: float
    replay: bool


RoomEvent = tuple[Final | Partial, RoomCaptionInfo] | RoomEnd


class RoomClient:
    """One channel for Listen calls; `close()` when done."""

    def __init__(self, target: str, *, credentials: grpc.ChannelCredentials | None = None,
                 channel_options: Sequence[tuple[str, Any]] = ()) -> None:  # fmt: skip
        self.target = target
        options = [*DEFAULT_CHANNEL_OPTIONS, *channel_options]
        if credentials is None:
            self._channel = grpc.aio.insecure_channel(target, options=options)
        else:
            self._channel = grpc.aio.secure_channel(target, credentials, options=options)
        self._stub = pb_grpc.InterpreterStub(self._channel)

    async def listen(self, room: str, language: str, token: str = "") -> AsyncIterator[RoomEvent]:
        """Recent finals first, then live captions, then a RoomEnd; raises ServerError on refusal."""
        call = self._stub.Listen(pb.ListenRequest(room=room, language=language, token=token))
        try:
            async for event in call:
                if event.WhichOneof("event") == "ended":
                    yield RoomEnd(event.ended.reason)
                    return
                yield caption_from_proto(event.caption)
        except grpc.aio.AioRpcError as exc:
            raise error_from_rpc(exc, self.target) from None
        finally:
            call.cancel()

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> RoomClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def caption_from_proto(c: pb.RoomCaption) -> tuple[Final | Partial, RoomCaptionInfo]:
    info = RoomCaptionInfo(c.seq, c.published_unix_s, c.replay)
    if c.is_final:
        return Final(c.segment_id, c.text, c.language, c.audio_start_s, c.audio_end_s), info
    return Partial(c.segment_id, c.text, "", c.language, c.audio_start_s, c.audio_end_s), info
