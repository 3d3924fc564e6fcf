"""Container health probe: asks a Tolk server's grpc.health.v1 service whether it is SERVING.

    python -m tolk.backend.healthcheck [--target HOST:PORT] [--service NAME] [--timeout-s S]

Exit status 0 when SERVING, 1 otherwise (NOT_SERVING while draining, unreachable, timeout), with one
line on stderr saying why. The target defaults to 127.0.0.1 on $TOLK_PORT (50051): this module is an
entry point (docker HEALTHCHECK), so it is allowed to read the environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

DEFAULT_PORT = 50051
DEFAULT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class HealthResult:
    """Attributes:
    serving: True when the server answered SERVING.
    detail: the status name, or the error that prevented an answer.
    """

    serving: bool
    detail: str


def check(target: str, service: str = "", timeout_s: float = DEFAULT_TIMEOUT_S) -> HealthResult:
    """One Health.Check call on an insecure channel."""
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout_s)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else None
            name = code.name if code is not None else "ERROR"
            return HealthResult(False, f"{name}: {exc.details() if isinstance(exc, grpc.Call) else exc}")
    status_name = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return HealthResult(reply.status == health_pb2.HealthCheckResponse.SERVING, status_name)


def _default_target() -> str:
    port = os.environ.get("TOLK_PORT", str(DEFAULT_PORT)) or str(DEFAULT_PORT)
    return f"127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tolk.backend.healthcheck", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--target", default=None, help="HOST:PORT (default 127.0.0.1:$TOLK_PORT)")
    parser.add_argument("--service", default="", help="health service name (default: whole server)")
    parser.add_argument("--timeout-s", type=float, default=DEFAULT_TIMEOUT_S)
    args = parser.parse_args(argv)
    target = args.target or _default_target()
    result = check(target, args.service, args.timeout_s)
    if not result.serving:
        print(f"tolk health: {target} {result.detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
