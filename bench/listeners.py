"""Listeners per machine: N gRPC or SSE listeners on one room, fan-out delay and memory per listener.

    .venv/bin/python -m bench.listeners                          # gRPC, N = 1 (baseline), 10, 100, 500, 1000
    .venv/bin/python -m bench.listeners --transport sse --levels 1,10,100,500,1000
    .venv/bin/python -m bench.listeners --json out.json

A real server (rooms on the in-process bus, the caption page on a free port) runs in this process; the
listeners run in a child process (one asyncio loop, 100 Listen streams per gRPC channel, or one HTTP
connection per SSE listener), as phones would on other machines. Finals and their Spanish translations
are published at the speaker's pace (`--interval-s`, default 0.5 s, faster than speech) into the room
through the same publisher an Interpret stream uses; every listener follows in Spanish. Per level it
reports the delay from the speaker's server publishing a translation to a listener receiving it
(median / p95 / max), the added delay over the 1-listener baseline measured in the same run, and the
server's memory per listener (RSS growth with N listeners connected, divided by N).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import grpc

from tolk.backend.config import ServerConfig
from tolk.backend.server import start_server
from tolk.common.events import Final, Translation
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parent.parent
STREAMS_PER_CHANNEL = 100


@dataclass
class Level:
    listeners: int
    transport: str
    received: int
    expected: int
    median_ms: float
    p95_ms: float
    max_ms: float
    added_median_ms: float = 0.0
    added_p95_ms: float = 0.0
    rss_per_listener_kib: float = 0.0


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---- the listeners' process ----


async def grpc_listener(stub: pb_grpc.InterpreterStub, room: str, delays: list[float]) -> None:
    async for event in stub.Listen(pb.ListenRequest(room=room, language="es")):
        if event.WhichOneof("event") == "caption" and event.caption.is_final and not event.caption.replay:
            delays.append(time.time() - event.caption.published_unix_s)


async def sse_listener(port: int, room: str, delays: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /rooms/{room}/events?lang=es HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    await writer.drain()
    event = ""
    while line := await reader.readline():
        text = line.decode().rstrip("\r\n")
        if text.startswith("event: "):
            event = text[7:]
        elif text.startswith("data: ") and event == "caption":
            caption = json.loads(text[6:])
            if caption["is_final"] and not caption["replay"]:
                delays.append(time.time() - caption["published_s"])
        elif text.startswith("data: ") and event == "end":
            break
    writer.close()


async def run_listeners(args: argparse.Namespace) -> None:
    delays: list[float] = []
    channels = []
    tasks = []
    for index in range(args.n):
        if args.transport == "grpc":
            if index % STREAMS_PER_CHANNEL == 0:
                channels.append(grpc.aio.insecure_channel(f"127.0.0.1:{args.port}"))
            stub = pb_grpc.InterpreterStub(channels[-1])
            tasks.append(asyncio.create_task(grpc_listener(stub, args.room, delays)))
        else:
            tasks.append(asyncio.create_task(sse_listener(args.http_port, args.room, delays)))
    await asyncio.gather(*tasks)
    for channel in channels:
        await channel.close()
    print(json.dumps(delays))


# ---- the server's process ----


async def measure(n: int, transport: str, finals: int, interval_s: float) -> tuple[list[float], float]:
    handle = await start_server(ServerConfig(port=0, http_port=0, max_listeners_per_room=5000,
                                             max_listeners=5000))  # fmt: skip
    await handle.ready
    assert handle.rooms is not None and handle.rooms.http_port is not None
    hub, room = handle.rooms.hub, f"bench-{n}"
    rss_before = rss_kib()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.listeners", "--child", "--n", str(n), "--transport", transport,
        "--port", str(handle.port), "--http-port", str(handle.rooms.http_port), "--room", room,
        cwd=ROOT, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        while hub.listeners_of(room) < n:  # noqa: ASYNC110 (the server's count is the signal)
            await asyncio.sleep(0.05)
        rss_per_listener = max(0, rss_kib() - rss_before) / n
        publisher = hub.publisher(room, "en", ("es",), "")
        for segment in range(finals):
            await asyncio.sleep(interval_s)
            publisher.offer(Final(segment, f"sentence number {segment}", "en", segment, segment + 1.0))
            publisher.offer(Translation(segment, "en", "es", f"frase número {segment}", True))
        publisher.finish(ended=True)
        out, _ = await child.communicate()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await handle.stop(1.0)
    return json.loads(out), rss_per_listener


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run(args: argparse.Namespace) -> list[Level]:
    levels: list[Level] = []
    for n in [int(x) for x in args.levels.split(",")]:
        delays, rss = await measure(n, args.transport, args.finals, args.interval_s)
        ms = [d * 1000 for d in delays]
        level = Level(n, args.transport, len(ms), n * args.finals, statistics.median(ms),
                      percentile(ms, 0.95), max(ms), rss_per_listener_kib=rss)  # fmt: skip
        if levels:
            level.added_median_ms = level.median_ms - levels[0].median_ms
            level.added_p95_ms = level.p95_ms - levels[0].p95_ms
        levels.append(level)
        print(
            f"{n:>5} {args.transport:<4} received {level.received}/{level.expected}  "
            f"delay median {level.median_ms:7.1f} ms  p95 {level.p95_ms:7.1f} ms  "
            f"added median {level.added_median_ms:+7.1f} ms  p95 {level.added_p95_ms:+7.1f} ms  "
            f"server RSS/listener {rss:6.1f} KiB",
            flush=True,
        )
    return levels


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--levels", default="1,10,100,500,1000", help="listener counts; the first is the baseline"
    )
    parser.add_argument("--transport", choices=("grpc", "sse"), default="grpc")
    parser.add_argument("--finals", type=int, default=20, help="finals published per level")
    parser.add_argument("--interval-s", type=float, default=0.5, help="time between finals")
    parser.add_argument("--json", type=Path, help="write the levels as JSON here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--http-port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--room", default="bench", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(run_listeners(args))
        return 0
    levels = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps([asdict(level) for level in levels], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
