"""SIGHUP reloads the token file of a running `tolk serve` without dropping its streams."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

from .conftest import config_request

TOKEN_A = "a" * 32
TOKEN_B = "b" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"alice {TOKEN_A}\n")
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    argv = ["serve", "--host", "127.0.0.1", "--port", str(port), "--auth-tokens", str(tokens)]
    argv += ["--model-dir", str(tmp_path / "store")]  # an empty store of its own, not the shared one
    process = subprocess.Popen([sys.executable, "-m", "tolk.app.cli", *argv], stdout=log, stderr=log)
    try:
        _wait_serving(process, port)
        yield process, port, tokens
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_serving(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 120
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == 1:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise RuntimeError("tolk serve did not become SERVING")


def _capabilities_code(stub: pb_grpc.InterpreterStub, token: str) -> grpc.StatusCode:
    try:
        stub.GetCapabilities(
            pb.GetCapabilitiesRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=30
        )
    except grpc.RpcError as exc:
        return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_sighup_reloads_tokens_and_keeps_streams(
    served: tuple[subprocess.Popen[bytes], int, Path], chunks: list[bytes]
) -> None:
    process, port, tokens = served
    outgoing: queue.Queue[pb.InterpretRequest | None] = queue.Queue()

    def requests() -> Iterator[pb.InterpretRequest]:
        while (item := outgoing.get()) is not None:
            yield item

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)
        call = stub.Interpret(requests(), metadata=[("authorization", f"Bearer {TOKEN_A}")], timeout=120)
        outgoing.put(config_request())
        responses: list[pb.InterpretResponse] = []
        reader = threading.Thread(target=lambda: responses.extend(call))
        reader.start()
        while not responses:  # the stream is admitted (SessionStarted) before the reload
            time.sleep(0.05)

        tokens.write_text(f"bob {TOKEN_B}\n")
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while _capabilities_code(stub, TOKEN_A) == grpc.StatusCode.OK and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _capabilities_code(stub, TOKEN_A) == grpc.StatusCode.UNAUTHENTICATED
        assert _capabilities_code(stub, TOKEN_B) == grpc.StatusCode.OK

        tokens.write_text("too-short\n")  # a broken file keeps the tokens loaded before it
        process.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert _capabilities_code(stub, TOKEN_B) == grpc.StatusCode.OK

        for chunk in chunks[:30]:
            outgoing.put(pb.InterpretRequest(audio=pb.AudioChunk(data=chunk)))
        outgoing.put(None)
        reader.join(timeout=120)
    assert call.code() == grpc.StatusCode.OK  # the stream opened with the old token ran to its end
    assert any(r.WhichOneof("event") == "final" for r in responses)
    assert process.poll() is None
