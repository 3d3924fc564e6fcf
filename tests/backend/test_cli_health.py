"""`tolk serve` settings (defaults < env < flags), health, reflection and graceful stop."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from backend_fakes import FakeRegistry
from backend_helpers import launch
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.backend.cli import add_parser, build_config, run
from tolk.backend.config import ServerConfig
from tolk.backend.server import SERVICE_NAME, TolkServer, create_server, serve
from tolk.models.store import default_store_dir


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_defaults_env_flags_precedence() -> None:
    defaults = build_config(parse([]), {})
    assert replace(defaults, engine_context=ServerConfig().engine_context) == ServerConfig()
    assert defaults.engine_context.model_dir == default_store_dir()  # the store `tolk models` manages
    env = {"TOLK_PORT": "6000", "TOLK_ASR": "whisper:base", "TOLK_REFLECTION": "1", "TOLK_DEVICE": "cpu"}
    config = build_config(parse(["--port", "7000", "--model-dir", "/m"]), env)
    assert (config.port, config.asr, config.reflection) == (7000, "whisper:base", True)
    assert config.engine_context.device == "cpu" and config.engine_context.model_dir == Path("/m")
    assert build_config(parse(["--no-reflection"]), env).reflection is False


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--port", "x"], {}, "--port"),
        ([], {"TOLK_PORT": "abc"}, "TOLK_PORT"),
        (["--port", "70000"], {}, "--port"),
        (["--max-sessions", "0"], {}, "--max-sessions"),
    ],
)
def test_bad_settings_name_the_setting(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_config(parse(argv), env)


async def _health(port: int, service: str) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        return int(reply.status)


async def _reflection_code(port: int) -> grpc.StatusCode:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        try:
            async for reply in call:
                names = {s.name for s in reply.list_services_response.service}
                assert SERVICE_NAME in names
            return grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            return exc.code()


@pytest.mark.parametrize("reflection", [False, True])
async def test_health_serving_then_not_serving_and_reflection_opt_in(reflection: bool) -> None:
    handle = await launch(ServerConfig(asr="fake-asr", mt="fake-mt", reflection=reflection), FakeRegistry())
    try:
        for service in ("", SERVICE_NAME):
            assert await _health(handle.port, service) == health_pb2.HealthCheckResponse.SERVING
        expected = grpc.StatusCode.OK if reflection else grpc.StatusCode.UNIMPLEMENTED
        assert await _reflection_code(handle.port) == expected
        await handle.set_serving(False)
        assert await _health(handle.port, "") == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        await handle.stop(0.5)


async def test_create_server_contract_binds_port_zero() -> None:
    server, port = await create_server(ServerConfig(port=0, asr="fake-asr", mt="fake-mt"), FakeRegistry())
    try:
        assert port > 0
    finally:
        await server.stop(None)


async def test_serve_runs_until_sigterm_then_stops_gracefully() -> None:
    handles: list[TolkServer] = []
    task = asyncio.create_task(serve(ServerConfig(port=0, grace_s=0.5), handles.append))
    for _ in range(3000):
        if handles or task.done():
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(asyncio.shield(handles[0].ready), 60)
    assert await _health(handles[0].port, "") == health_pb2.HealthCheckResponse.SERVING
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 30)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _health(handles[0].port, "")
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_run_reports_bad_setting_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parse(["--port", "nope"])) == 2
    assert capsys.readouterr().err.strip() == "tolk serve: --port: invalid value 'nope'"
