"""Health.Watch streams count against a limit per client and in all (issue 11): Health is open without a
token, so without a bound anyone could hold any number of server tasks open."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.backend.engines.registry import Registry
from tolk.backend.watch_limits import WatchAdmission, WatchLimits
from tolk.common.errors import ResourceExhausted

from .conftest import ServerFactory


async def test_a_client_over_its_watch_limit_is_refused_and_a_freed_slot_is_reused(
    registry: Registry, make_server: ServerFactory
) -> None:
    handle = await make_server(registry, watch=WatchLimits(max_streams=8, max_streams_per_client=2))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{handle.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest()
        first, second = health.Watch(request, timeout=60), health.Watch(request, timeout=60)
        for watch in (first, second):
            assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
        third = health.Watch(request, timeout=60)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await third.read()
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "Health.Watch" in (refused.value.details() or "")
        assert (await health.Check(request, timeout=10)).status == health_pb2.HealthCheckResponse.SERVING

        first.cancel()
        for _ in range(100):  # the server releases the slot when it sees the cancel
            again = health.Watch(request, timeout=60)
            try:
                await again.read()
                break
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        else:
            pytest.fail("a cancelled Watch stream never gave its slot back")
        assert handle.guard.watches.active == 2
        again.cancel()
        second.cancel()


def test_the_server_wide_bound_holds_across_clients() -> None:
    admission = WatchAdmission(WatchLimits(max_streams=3, max_streams_per_client=2))
    admission.admit("a")
    admission.admit("a")
    with pytest.raises(ResourceExhausted, match="from this client"):
        admission.admit("a")
    admission.admit("b")
    with pytest.raises(ResourceExhausted, match="on this server"):
        admission.admit("c")
    admission.release("a")
    admission.admit("c")
    assert admission.active == 3


def test_defaults_are_bounded() -> None:
    limits = WatchLimits()
    assert (limits.max_streams, limits.max_streams_per_client) == (64, 4)
