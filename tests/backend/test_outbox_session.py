"""The outbox (coalescing, backpressure, failure) and a session driven directly, without gRPC."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import pytest_asyncio
from backend_fakes import FakeRegistry
from backend_helpers import speech_and_silence

from tolk.backend.events import Outbox
from tolk.backend.session import Session, open_session
from tolk.backend.session_setup import SessionLimits, SessionOptions
from tolk.common.dsp import float32_to_pcm16
from tolk.common.errors import FailedPrecondition, InvalidArgument
from tolk.common.events import Event, Final, Partial, Started, Translation
from tolk.common.vad import VadOptions


def partial(segment: int, text: str) -> Partial:
    return Partial(segment, "", text, "en", 0.0, 1.0)


def final(segment: int) -> Final:
    return Final(segment, "x", "en", 0.0, 1.0)


async def drain(box: Outbox) -> list[Event]:
    await box.close()
    return [e async for e in _until_none(box)]


async def _until_none(box: Outbox) -> AsyncIterator[Event]:
    while (event := await box.get()) is not None:
        yield event


async def test_newer_partial_replaces_unsent_one_of_same_segment_in_place() -> None:
    box = Outbox(capacity=8)
    await box.put(Started("s", "a", "m"))
    await box.put_partial(partial(0, "a"))
    await box.put_partial(partial(0, "a b"))
    await box.put(final(0))
    await box.put_partial(partial(1, "c"))
    await box.put_partial(partial(1, "c d"))
    events = await drain(box)
    assert events == [Started("s", "a", "m"), partial(0, "a b"), final(0), partial(1, "c d")]
    assert box.coalesced == 2


async def test_sent_partial_is_not_replaced() -> None:
    box = Outbox(capacity=8)
    await box.put_partial(partial(0, "a"))
    assert await box.get() == partial(0, "a")
    await box.put_partial(partial(0, "a b"))
    assert await drain(box) == [partial(0, "a b")]


async def test_finals_wait_for_room_and_are_never_dropped() -> None:
    box = Outbox(capacity=2)
    await box.put(final(0))
    await box.put(final(1))
    await box.put_partial(partial(2, "p"))  # partials never block
    third = asyncio.create_task(box.put(final(2)))
    await asyncio.sleep(0)
    assert not third.done()  # backpressure: the producer waits
    assert await box.get() == final(0)
    await third
    assert await drain(box) == [final(1), partial(2, "p"), final(2)]


async def test_fail_drops_unsent_and_raises_for_reader() -> None:
    box = Outbox(capacity=2)
    await box.put(final(0))
    await box.fail(InvalidArgument("bad"))
    with pytest.raises(InvalidArgument):
        await box.get()


LIMITS = SessionLimits(
    max_chunk_bytes=1 << 20,
    partial_interval_ms=250,
    input_queue_size=4,
    event_queue_size=64,
    vad=VadOptions(),
)


@pytest_asyncio.fixture
async def session_parts() -> AsyncIterator[tuple[FakeRegistry, ThreadPoolExecutor]]:
    executor = ThreadPoolExecutor(2)
    try:
        yield FakeRegistry(), executor
    finally:
        executor.shutdown(wait=True)


async def _push_all(session: Session, seconds: float = 3.0, repeats: int = 3) -> None:
    audio = speech_and_silence(speech_s=seconds, silence_s=1.0, repeats=repeats)
    for start in range(0, len(audio), 1600):
        await session.push_audio(float32_to_pcm16(audio[start : start + 1600]))
    await session.finish()


async def test_unread_session_coalesces_partials_and_keeps_every_final(
    session_parts: tuple[FakeRegistry, ThreadPoolExecutor],
) -> None:
    registry, executor = session_parts
    options = SessionOptions(source_language="en", target_languages=("es",))
    session = await open_session("s1", options, LIMITS, registry, executor)
    try:
        await _push_all(session)  # nobody reads while the audio goes in
        for _ in range(3000):  # the worker may lag on a loaded machine
            if session.outbox.coalesced:
                break
            await asyncio.sleep(0.01)
        events = [e async for e in _until_none(session.outbox)]
    finally:
        await session.aclose()
    finals = [e for e in events if isinstance(e, Final)]
    partials = [e for e in events if isinstance(e, Partial)]
    assert [f.segment_id for f in finals] == [0, 1, 2]
    assert len([e for e in events if isinstance(e, Translation)]) == 3
    assert session.outbox.coalesced > 0
    assert len(partials) <= 3  # at most one unsent partial per segment survived
    assert registry.fake_asr.partial_calls > len(partials)


async def test_input_order_errors_and_aclose_closes_stream(
    session_parts: tuple[FakeRegistry, ThreadPoolExecutor],
) -> None:
    registry, executor = session_parts
    options = SessionOptions(source_language="en", target_languages=(), segmentation="client_vad")
    session = await open_session("s2", options, LIMITS, registry, executor)
    with pytest.raises(FailedPrecondition):
        await session.push_boundary(False, 0.0)
    await session.push_boundary(True, 0.0)
    await session.push_audio(b"\x10\x00" * 1600)
    await session.finish()
    with pytest.raises(FailedPrecondition):
        await session.push_audio(b"\0\0")
    await session.aclose()
    await session.aclose()
    assert registry.fake_asr.open_streams == 0


async def test_cancel_while_the_stream_opens_still_closes_it(
    session_parts: tuple[FakeRegistry, ThreadPoolExecutor],
) -> None:
    registry, executor = session_parts
    asr = registry.fake_asr
    asr.slow_open.clear()
    opening = asyncio.create_task(
        open_session(
            "s3", SessionOptions(source_language="en", target_languages=()), LIMITS, registry, executor
        )
    )
    await asyncio.get_running_loop().run_in_executor(None, asr.opening.wait, 10)
    opening.cancel()
    await asyncio.sleep(0.05)
    assert not opening.done()  # waits for the open it cannot stop, so nothing is orphaned
    asr.slow_open.set()
    with pytest.raises(asyncio.CancelledError):
        await opening
    assert asr.open_streams == 0


async def test_cancel_while_aclose_runs_still_closes_the_stream_before_returning(
    session_parts: tuple[FakeRegistry, ThreadPoolExecutor],
) -> None:
    registry, executor = session_parts
    asr = registry.fake_asr
    session = await open_session(
        "s4", SessionOptions(source_language="en", target_languages=()), LIMITS, registry, executor
    )
    asr.slow_close.clear()
    closing = asyncio.create_task(session.aclose())
    await asyncio.sleep(0.05)
    closing.cancel()
    await asyncio.sleep(0.05)
    assert asr.open_streams == 1 and not closing.done()
    asr.slow_close.set()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert asr.open_streams == 0
