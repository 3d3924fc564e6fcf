"""The room fan-out without a network: bounded listener buffers, slow listeners, the bus's recent finals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from events_helpers import until

from tolk.backend.bus import RECENT_MESSAGES, LocalBus, RoomMessage
from tolk.backend.engines.registry import Registry
from tolk.backend.room_listener import Caption, Ended, Listener
from tolk.backend.room_translator import RoomTranslator
from tolk.backend.rooms import RoomHub, RoomLimits
from tolk.common.events import Final, Translation


def caption(segment: int, final: bool = True) -> Caption:
    return Caption(segment, segment, f"text {segment}", "es", final, 0.0, 1.0, 0.0)


@pytest.mark.parametrize(
    ("offers", "capacity", "outcomes", "left"),
    [
        ([caption(1), caption(2)], 4, ["ok", "ok"], [1, 2]),
        (
            [caption(1, False), caption(1, False), caption(1)],
            4,
            ["ok", "ok", "ok"],
            [1, 1],
        ),  # partials coalesce
        ([caption(1), caption(2), caption(3)], 2, ["ok", "ok", "resynced"], [3]),
    ],
)
def test_listener_buffer(offers: list[Caption], capacity: int, outcomes: list[str], left: list[int]) -> None:
    listener = Listener("r", "es", capacity)
    assert [listener.offer(c) for c in offers] == outcomes
    assert listener.unsent == len(left)


def test_a_listener_that_keeps_falling_behind_is_dropped() -> None:
    listener = Listener("r", "es", capacity=1, max_resyncs=2)
    outcomes = [listener.offer(caption(n)) for n in range(5)]
    assert outcomes == ["ok", "resynced", "resynced", "dropped", "ok"]
    assert listener.ended


async def test_bus_keeps_recent_finals_from_the_last_start_and_forgets_them_at_the_end() -> None:
    bus = LocalBus()
    await bus.publish("r", RoomMessage("start", source_language="en"))
    for n in range(RECENT_MESSAGES + 10):
        await bus.publish("r", RoomMessage("final", segment_id=n, text="t", language="en"))
    await bus.publish("r", RoomMessage("partial", segment_id=99, text="p"))
    recent = await bus.recent("r")
    assert recent[0].kind == "start" and len(recent) == RECENT_MESSAGES
    assert [m.segment_id for m in recent[1:]] == list(range(11, RECENT_MESSAGES + 10))
    await bus.publish("r", RoomMessage("start", source_language="en"))  # a reconnecting speaker
    assert len(await bus.recent("r")) == RECENT_MESSAGES
    await bus.publish("r", RoomMessage("end", reason="speaker ended"))
    assert await bus.recent("r") == []


@pytest.fixture(scope="module")
def translator() -> Iterator[RoomTranslator]:
    registry = Registry()
    executor = ThreadPoolExecutor(2)
    try:
        yield RoomTranslator(registry, executor)
    finally:
        executor.shutdown()
        registry.close()


async def test_routes_reach_catalan_directly_and_portuguese_through_spanish(
    translator: RoomTranslator,
) -> None:
    await translator.load()
    assert translator.route("en", "ca") == ["en", "ca"]
    assert translator.route("en", "pt") == ["en", "es", "pt"]
    assert translator.route("en", "xx") is None
    assert (await translator.translate("The house is big.", "en", "pt")).lower().startswith("a casa")


async def test_a_listener_that_never_reads_does_not_delay_the_speaker_or_the_others(
    translator: RoomTranslator,
) -> None:
    hub = RoomHub(LocalBus(), translator, RoomLimits(listener_buffer=8))
    received: list[int] = []

    async def reader() -> None:
        async with hub.listen("talk", "es") as listener:
            while not isinstance(item := await listener.next(), Ended):
                received.append(item.segment_id)

    async def stuck(ready: asyncio.Event, done: asyncio.Event) -> None:
        async with hub.listen("talk", "es"):
            ready.set()
            await done.wait()  # connected, never reads

    ready, done = asyncio.Event(), asyncio.Event()
    stuck_task = asyncio.create_task(stuck(ready, done))
    await ready.wait()
    reading = asyncio.create_task(reader())
    await until(lambda: hub.listeners_of("talk") == 2)
    publisher = hub.publisher("talk", "en", ("es",), "")
    for n in range(100):  # offer never waits: the speaker's loop runs straight through
        publisher.offer(Final(n, f"sentence {n}", "en", n, n + 1))
        publisher.offer(Translation(n, "en", "es", f"frase {n}", True))
    publisher.finish(ended=True)
    await asyncio.wait_for(reading, 30)
    done.set()
    await stuck_task

    assert received == list(range(100))  # every final, in order, once
    assert hub.metrics.resynced._value.get() >= 1
    assert hub.metrics.dropped._value.get() == 1
    assert hub.listener_count == 0 and not hub._fanouts


async def test_listener_limits_count_per_room_and_per_server(translator: RoomTranslator) -> None:
    from tolk.common.errors import ResourceExhausted

    hub = RoomHub(LocalBus(), translator, RoomLimits(max_listeners_per_room=2, max_listeners=3))
    async with hub.listen("a", "en"), hub.listen("a", "en"):
        with pytest.raises(ResourceExhausted, match="room a"):
            async with hub.listen("a", "en"):
                pass
        async with hub.listen("b", "en"):
            with pytest.raises(ResourceExhausted, match="this server"):
                async with hub.listen("c", "en"):
                    pass
    assert hub.metrics.rejected._value.get() == 2
    assert hub.listener_count == 0


async def test_a_late_joiner_in_a_new_language_gets_the_recent_finals_translated(
    translator: RoomTranslator,
) -> None:
    hub = RoomHub(LocalBus(), translator)
    first: list[Caption] = []

    async def english_listener(ready: asyncio.Event, done: asyncio.Event) -> None:
        async with hub.listen("late", "en") as listener:
            ready.set()
            while not isinstance(item := await listener.next(), Ended):
                first.append(item)
            done.set()

    ready, done = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(english_listener(ready, done))
    await ready.wait()
    publisher = hub.publisher("late", "en", ("es",), "")
    for n, text in enumerate(["The house is big.", "The cat sleeps."]):
        publisher.offer(Final(n, text, "en", n, n + 1))
    await until(lambda: len(first) == 2)
    async with hub.listen("late", "ca") as catalan:
        replayed = [await catalan.next(), await catalan.next()]
    publisher.finish(ended=True)
    await task
    assert [c.segment_id for c in replayed if isinstance(c, Caption)] == [0, 1]
    assert all(isinstance(c, Caption) and c.replay and c.language == "ca" for c in replayed)
    assert replayed[0].text.lower().startswith("la casa")  # type: ignore[union-attr]
