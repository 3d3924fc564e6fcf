"""The Listen RPC and the speaker hook of Interpret: protobuf <-> rooms (the only room code that sees pb)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tolk.backend.room_listener import Caption, Ended
from tolk.backend.rooms import RoomHub, RoomPublisher, check_room
from tolk.common.errors import InvalidArgument
from tolk.common.langcodes import language_code
from tolk.v1 import interpreter_pb2 as pb


def language_of(code: str) -> str:
    return language_code(code, example="es")


def caption_to_proto(caption: Caption) -> pb.ListenEvent:
    return pb.ListenEvent(
        caption=pb.RoomCaption(
            seq=caption.seq,
            segment_id=caption.segment_id,
            text=caption.text,
            language=caption.language,
            is_final=caption.is_final,
            audio_start_s=caption.audio_start_s,
            audio_end_s=caption.audio_end_s,
            published_unix_s=caption.published_s,
            replay=caption.replay,
        )
    )


async def listen_events(hub: RoomHub, request: pb.ListenRequest) -> AsyncIterator[pb.ListenEvent]:
    """The room's events for one Listen call, ending with RoomEnded (raises TolkError on refusal)."""
    room = check_room(request.room.strip())
    language = language_of(request.language)
    async with hub.listen(room, language, request.token) as listener:
        while True:
            item = await listener.next()
            if isinstance(item, Ended):
                yield pb.ListenEvent(ended=pb.RoomEnded(reason=item.reason))
                return
            hub.sent(item)
            yield caption_to_proto(item)


def room_publisher(
    hub: RoomHub | None, config: pb.SessionConfig, source: str | None, targets: tuple[str, ...]
) -> RoomPublisher | None:
    """A publisher when the stream's config names a room (raises InvalidArgument for a bad name)."""
    room = config.room.strip()
    if not room:
        return None
    check_room(room)
    if hub is None:
        raise InvalidArgument("this server does not host rooms")
    return hub.publisher(room, source or "en", targets, config.room_listener_token)
