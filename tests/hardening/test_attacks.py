"""The issue-11 attacks from a plain gRPC client against a real server with real engines.

Each test fails on the code before the hardening: the 2x400 KB deadlock, engines created per spec,
a failed translation ending the stream, a killed Apertium stage, unary calls starving ASR, and
unexpected exceptions or huge segment ids leaking as INTERNAL/UNKNOWN.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
from collections.abc import Sequence

import grpc
import pytest

from tolk.backend.engines.apertium_mt import probe
from tolk.backend.engines.base import MtEngine
from tolk.backend.engines.registry import Registry
from tolk.common.errors import Unavailable
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import ServerFactory, command_name, config_request, descendants, run_stream

pytestmark = pytest.mark.skipif(probe() is not None, reason=f"Apertium unusable: {probe()}")
HOUSE = pb.TranslateTextRequest(source_language="en", target_language="es", texts=["The house is big."])


def _channel(port: int) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(f"127.0.0.1:{port}")


async def _code(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_two_400kb_texts_then_a_normal_call_is_answered(
    registry: Registry, make_server: ServerFactory
) -> None:
    """Finding 1: two 400 KB texts deadlocked both pipelines; every later en->es call got UNAVAILABLE."""
    handle = await make_server(registry)
    big = pb.TranslateTextRequest(
        source_language="en", target_language="es", texts=["The house is big. " * 22_000]
    )
    async with _channel(handle.port) as channel:
        stub = pb_grpc.InterpreterStub(channel)
        codes = await asyncio.gather(*(_code(stub.TranslateText(big, timeout=60)) for _ in range(2)))
        assert codes == [grpc.StatusCode.INVALID_ARGUMENT] * 2  # over max_text_chars, refused before MT
        reply = await stub.TranslateText(HOUSE, timeout=60)
    assert list(reply.translations) == ["La casa es grande."]


async def test_client_specs_create_no_engines_or_processes(
    registry: Registry, make_server: ServerFactory
) -> None:
    """Finding 2: every distinct spec string built a new engine with fresh pipelines."""
    handle = await make_server(registry)
    async with _channel(handle.port) as channel:
        stub = pb_grpc.InterpreterStub(channel)
        await stub.TranslateText(HOUSE, timeout=60)  # the default engine's pipeline is up
        before = descendants(os.getpid())
        for k in range(1, 11):
            request = pb.TranslateTextRequest(
                source_language="en", target_language="es", texts=["hi"], engine="apertium:" + "," * k
            )
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.TranslateText(request, timeout=60)
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
            assert "not offered" in (refused.value.details() or "")
        capabilities = await stub.GetCapabilities(pb.GetCapabilitiesRequest(), timeout=60)
        assert descendants(os.getpid()) <= before
        for engine in capabilities.engines:  # exactly what GetCapabilities lists is accepted
            if engine.kind == pb.Engine.Kind.MT and engine.name.startswith("apertium"):
                named = pb.TranslateTextRequest(source_language="en", target_language="es", texts=["hi"])
                named.engine = engine.name
                assert (await stub.TranslateText(named, timeout=60)).translations
    assert capabilities.max_translate_text_chars == 10_000


class _FailingOnce:
    """The real MT engine, except that its first call fails (as a dead pipeline's retry would)."""

    def __init__(self, engine: MtEngine) -> None:
        self._engine, self.failed = engine, False

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if not self.failed:
            self.failed = True
            raise Unavailable("apertium eng-spa exited twice")
        return self._engine.translate(texts, source, target)

    def __getattr__(self, name: str) -> object:
        return getattr(self._engine, name)


class _FailOnceRegistry(Registry):
    def __init__(self) -> None:
        super().__init__()
        self.failing: _FailingOnce | None = None

    def mt(self, spec: str | None = None) -> MtEngine:
        self.failing = self.failing or _FailingOnce(super().mt(spec))
        return self.failing  # type: ignore[return-value]


async def test_a_failed_translation_costs_one_caption(
    make_server: ServerFactory, chunks: list[bytes]
) -> None:
    """Finding 5: one failed translation ended the whole Interpret stream (outbox.fail)."""
    registry = _FailOnceRegistry()
    try:
        handle = await make_server(registry)
        async with _channel(handle.port) as channel:
            seen = await run_stream(
                pb_grpc.InterpreterStub(channel), chunks[:60], chunk_s=0.0, segment_chunks=20
            )
    finally:
        registry.close()
    assert seen.code == grpc.StatusCode.OK and len(seen.finals) >= 2
    assert len(seen.translations) == len(seen.finals) - 1


async def test_a_killed_apertium_stage_does_not_end_the_stream(
    registry: Registry, make_server: ServerFactory, chunks: list[bytes]
) -> None:
    """Finding 6: a killed stage gave short or empty translations with OK, or ended the stream."""
    handle = await make_server(registry)
    killed: list[int] = []

    def kill_lrx() -> None:  # at the first final: the retry of a caption is never killed again
        if killed:
            return
        for pid in descendants(os.getpid()):
            if command_name(pid) == "lrx-proc":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

    async with _channel(handle.port) as channel:
        stub = pb_grpc.InterpreterStub(channel)
        seen = await run_stream(stub, chunks[:60], chunk_s=0.0, on_final=kill_lrx, segment_chunks=20)
    assert killed and seen.code == grpc.StatusCode.OK and len(seen.finals) >= 3, seen
    assert set(seen.translations) == set(seen.finals)
    assert all(seen.translations[i] for i in seen.finals if seen.texts[i]), seen


async def test_translate_text_flood_does_not_delay_live_finals(
    registry: Registry, make_server: ServerFactory, chunks: list[bytes]
) -> None:
    """Finding 4: 10 concurrent TranslateText calls held the shared worker threads; finals took 10-15 s.

    The stream's mean final delay under the flood stays within 2x its solo value, measured here."""
    handle = await make_server(registry)
    text = "The house is big and the dog sleeps in the garden. " * 190  # ~9.7 K characters
    flood = pb.TranslateTextRequest(source_language="en", target_language="es", texts=[text] * 2)
    async with _channel(handle.port) as channel:
        stub = pb_grpc.InterpreterStub(channel)
        solo = await run_stream(stub, chunks, segment_chunks=20)
        done = asyncio.Event()
        codes: list[grpc.StatusCode] = []

        async def attacker() -> None:
            while not done.is_set():
                codes.append(await _code(stub.TranslateText(flood, timeout=120)))
                await asyncio.sleep(0.05)

        attackers = [asyncio.create_task(attacker()) for _ in range(10)]
        try:
            flooded = await run_stream(stub, chunks, segment_chunks=20)
        finally:
            done.set()
            for task in attackers:
                task.cancel()  # calls still in flight are cancelled by the client
            await asyncio.gather(*attackers, return_exceptions=True)
    assert solo.code == flooded.code == grpc.StatusCode.OK and flooded.finals
    assert grpc.StatusCode.OK in codes and grpc.StatusCode.RESOURCE_EXHAUSTED in codes
    ratio = flooded.mean_delay_s / max(solo.mean_delay_s, 0.05)
    print(
        f"final delay solo {solo.mean_delay_s:.3f} s, under flood {flooded.mean_delay_s:.3f} s, x{ratio:.2f}"
    )
    assert ratio <= 2.0


class _BrokenRegistry(Registry):
    """Loads the MT engine for the warm-up, then fails the way a corrupt checkpoint does."""

    warmed = False

    def mt(self, spec: str | None = None) -> MtEngine:
        if self.warmed:
            raise pickle.UnpicklingError("invalid load key at /home/secret/store/model.bin")
        self.warmed = True
        return super().mt(spec)


async def test_unexpected_errors_are_internal_with_a_generic_message(make_server: ServerFactory) -> None:
    """Finding 6: raw exception types and absolute paths reached clients as UNKNOWN."""
    registry = _BrokenRegistry()
    handle = await make_server(registry)
    async with _channel(handle.port) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await pb_grpc.InterpreterStub(channel).TranslateText(HOUSE, timeout=60)
    assert failed.value.code() == grpc.StatusCode.INTERNAL
    details = failed.value.details() or ""
    assert "/home" not in details and "Unpickling" not in details and "house" not in details
    registry.close()


async def test_a_huge_first_segment_id_is_invalid_argument(
    registry: Registry, make_server: ServerFactory
) -> None:
    """Finding 6: first_segment_id = 2**64-1 overflowed the next id and ended as INTERNAL."""
    handle = await make_server(registry)
    async with _channel(handle.port) as channel:
        call = pb_grpc.InterpreterStub(channel).Interpret(
            iter([config_request(first_segment_id=2**64 - 1)]), timeout=60
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _ in call:
                pass
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
