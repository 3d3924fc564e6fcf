"""A real `tolk serve` in a subprocess (for signals, logs and temp files), on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0
RUNNER = """
import argparse, sys
from tolk.backend import cli
parser = argparse.ArgumentParser(prog="tolk")
cli.add_parser(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def health(self, credentials: grpc.ChannelCredentials | None = None) -> int | None:
        """The health status (SERVING=1, NOT_SERVING=2), or None when it does not answer."""
        if credentials is None:
            opened = grpc.insecure_channel(self.target)
        else:
            opened = grpc.secure_channel(self.target, credentials)
        with opened as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=2.0
                )
            except grpc.RpcError:
                return None
        return int(reply.status)

    def wait_serving(self, credentials: grpc.ChannelCredentials | None = None) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}: {self.log_path.read_text()}"
                )
            if self.health(credentials) == health_pb2.HealthCheckResponse.SERVING:
                return
            time.sleep(0.2)
        raise TimeoutError("server not SERVING in time")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def spawn(args: Sequence[str], log_path: Path, env: dict[str, str] | None = None) -> ServerProcess:
    """Starts `tolk serve --host 127.0.0.1 --port P ARGS`, logging stdout+stderr to `log_path`."""
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return ServerProcess(process, port, log_path)
