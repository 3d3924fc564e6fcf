"""Rooms end to end on a real server (pocketsphinx + Apertium) with the LibriVox sample."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
import pytest_asyncio
from events_helpers import launch, listen, sample_audio, speak, until

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import Registry
from tolk.backend.server import TolkServer
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    reg = Registry()
    try:
        yield reg
    finally:
        reg.close()


@pytest_asyncio.fixture
async def server(registry: Registry) -> AsyncIterator[TolkServer]:
    handle = await launch(ServerConfig(), registry)
    try:
        yield handle
    finally:
        await handle.stop(None)


def captions(events: list[pb.ListenEvent]) -> list[pb.RoomCaption]:
    return [e.caption for e in events if e.WhichOneof("event") == "caption" and e.caption.is_final]


async def test_three_listeners_get_every_final_once_in_order_in_their_language(server: TolkServer) -> None:
    assert server.rooms is not None
    hub = server.rooms.hub
    listeners = {lang: asyncio.create_task(listen(server.port, "demo", lang)) for lang in ("es", "en", "ca")}
    await until(lambda: hub.listeners_of("demo") == 3)

    speech = await speak(server.port, "demo", sample_audio(), ["es"])
    got = {lang: await asyncio.wait_for(task, 60) for lang, task in listeners.items()}

    segments = [f.segment_id for f in speech.finals]
    assert len(segments) >= 4, "the sample has several sentences"
    for lang, events in got.items():
        assert events[-1].WhichOneof("event") == "ended" and events[-1].ended.reason == "speaker ended"
        finals = captions(events)
        assert [c.segment_id for c in finals] == segments, lang  # every final, once, in order
        assert all(c.language == lang and not c.replay for c in finals)
    assert [c.text for c in captions(got["en"])] == [f.text for f in speech.finals]
    assert [c.text for c in captions(got["es"])] == [speech.translations[(s, "es")] for s in segments]
    catalan = " ".join(c.text for c in captions(got["ca"])).lower()
    spanish = " ".join(c.text for c in captions(got["es"])).lower()
    assert catalan != spanish and any(w in catalan.split() for w in ("i", "va", "fet", "seu", "més"))


async def test_late_joiner_gets_recent_finals_and_the_room_survives_a_speaker_reconnect(
    server: TolkServer,
) -> None:
    assert server.rooms is not None
    hub = server.rooms.hub
    clip = sample_audio(9.0)
    await speak_without_ending(server.port, "late", clip)  # the speaker's connection drops
    assert await hub.room_info("late") is not None, "a dropped speaker does not end the room"

    late = asyncio.create_task(listen(server.port, "late", "es"))
    await until(lambda: hub.listeners_of("late") == 1)
    speech = await speak(server.port, "late", clip, ["es"])  # the speaker reconnects, then ends
    events = await asyncio.wait_for(late, 60)

    finals = captions(events)
    assert finals[0].replay, "a late joiner gets the recent finals first"
    live = [c for c in finals if not c.replay]
    assert [c.text for c in live] == [speech.translations[(f.segment_id, "es")] for f in speech.finals]
    assert events[-1].ended.reason == "speaker ended"
    assert await hub.room_info("late") is None


async def speak_without_ending(port: int, room: str, samples: object) -> list[pb.InterpretResponse]:
    """A speaker whose connection drops (cancelled) after its first final."""
    from events_helpers import speaker_requests

    out: list[pb.InterpretResponse] = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = pb_grpc.InterpreterStub(channel).Interpret(speaker_requests(room, samples, ["es"]))  # type: ignore[arg-type]
        async for response in call:
            out.append(response)
            if response.WhichOneof("event") == "translation":
                call.cancel()
                break
    await asyncio.sleep(0.3)
    return out


async def first_events(port: int, room: str, language: str, count: int) -> list[pb.ListenEvent]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = pb_grpc.InterpreterStub(channel).Listen(pb.ListenRequest(room=room, language=language))
        out = []
        async for event in call:
            out.append(event)
            if len(out) == count:
                call.cancel()
                break
        return out


async def test_refusals_are_clear_statuses(server: TolkServer) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            [e async for e in stub.Listen(pb.ListenRequest(room="no spaces", language="es"))]
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "room" in (bad.value.details() or "")


async def test_listener_token_is_checked(server: TolkServer) -> None:
    clip = sample_audio(9.0)
    speaker = asyncio.create_task(speak(server.port, "private", clip, ["es"], token="s3cret"))
    assert server.rooms is not None
    await until(lambda: server.rooms is not None and server.rooms.hub._speakers.get("private"))
    await until_room_live(server, "private")
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await listen(server.port, "private", "es", token="wrong")
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    events = await asyncio.wait_for(listen(server.port, "private", "es", token="s3cret"), 60)
    assert events[-1].ended.reason == "speaker ended"
    await speaker


async def until_room_live(server: TolkServer, room: str) -> None:
    assert server.rooms is not None
    for _ in range(500):
        if await server.rooms.hub.room_info(room) is not None:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("room never went live")


async def test_1000_listener_cycles_leave_no_tasks_or_memory(server: TolkServer) -> None:
    assert server.rooms is not None
    hub = server.rooms.hub
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)

        async def cycle(n: int) -> None:
            for _ in range(n):
                call = stub.Listen(pb.ListenRequest(room="churn", language="es"))
                await until(lambda: hub.listeners_of("churn") == 1, 10, poll_s=0.001)
                call.cancel()
                await until(lambda: hub.listener_count == 0, 10, poll_s=0.001)

        await cycle(50)  # warm-up: grpc and the room's first allocations
        gc.collect()
        tasks_before = len(asyncio.all_tasks())
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        await cycle(1000)
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert hub.listener_count == 0 and hub.listeners_of("churn") == 0 and not hub._fanouts
    assert len(asyncio.all_tasks()) <= tasks_before
    assert grown < 256 * 1024, f"{grown} bytes kept after 1000 listeners came and went"
