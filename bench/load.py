"""Load tool: how many concurrent real-time streams one Tolk backend holds before finals slow down.

    .venv/bin/python -m bench.load                       # spawn a local server, ramp 1, 2, 4, 8, ... streams
    .venv/bin/python -m bench.load --target HOST:PORT    # measure a running server
    .venv/bin/python -m bench.load --levels 1,8,16 --audio-s 20 --json out.json

Every stream sends the bundled LibriVox sample (16 kHz LINEAR16, 100 ms chunks) paced in real time,
starts staggered over one chunk interval, and checks the answers: segment ids start at first_segment_id
and rise by one, no final is lost or repeated, and every final gets one final translation per target.
Per level it reports partial and final delays (arrival of the covering audio -> event) and the ratio of
the median final delay to the 1-stream baseline measured in the same run; the capacity is the largest
level whose median final delay stays under `--max-ratio` (2.0) times that baseline with no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import grpc
import soundfile as sf

from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "sense-and-sensibility.wav"
SAMPLE_RATE_HZ = 16_000
CHUNK_S = 0.1
DEFAULT_LEVELS = (1, 2, 4, 8, 16, 24, 32, 48, 64)
SERVER_START_TIMEOUT_S = 120.0
STOP_RATIO = 3.0
"""The ramp stops once the median final delay is this many times past the allowed ratio."""


def load_chunks(path: Path = SAMPLE, audio_s: float | None = None, chunk_s: float = CHUNK_S) -> list[bytes]:
    """The sample as 16 kHz LINEAR16 chunks of `chunk_s` seconds (trimmed to `audio_s`)."""
    samples, rate = sf.read(path, dtype="int16", always_2d=True)
    if rate != SAMPLE_RATE_HZ:
        raise ValueError(f"{path}: expected {SAMPLE_RATE_HZ} Hz, got {rate}")
    mono = samples[:, 0]
    if audio_s is not None:
        mono = mono[: int(audio_s * SAMPLE_RATE_HZ)]
    step = int(chunk_s * SAMPLE_RATE_HZ)
    return [mono[i : i + step].astype("<i2").tobytes() for i in range(0, len(mono), step)]


@dataclass
class StreamResult:
    """What one stream saw.

    Attributes:
        code: final status name ("OK", "RESOURCE_EXHAUSTED", ...).
        final_ids: segment ids of finals, in arrival order.
        translations: final translations received per segment id.
        partial_delays_s / final_delays_s: event arrival minus the send time of the covering audio.
        problems: sequence violations (lost, repeated or out-of-order finals, missing translations).
    """

    code: str = "OK"
    final_ids: list[int] = field(default_factory=list)
    translations: dict[int, int] = field(default_factory=dict)
    partial_delays_s: list[float] = field(default_factory=list)
    final_delays_s: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def session_config(targets: Sequence[str], first_segment_id: int = 0) -> pb.InterpretRequest:
    return pb.InterpretRequest(
        config=pb.SessionConfig(
            source_language="en",
            target_languages=list(targets),
            audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=SAMPLE_RATE_HZ, channels=1),
            first_segment_id=first_segment_id,
        )
    )


class _Pacer:
    """Sends chunks at real-time pace and remembers when each audio second went out."""

    def __init__(self, chunks: Sequence[bytes], chunk_s: float, realtime: bool) -> None:
        self.chunks = chunks
        self.chunk_s = chunk_s
        self.realtime = realtime
        self.sent_audio_s: list[float] = []
        self.sent_at: list[float] = []

    async def requests(self, config: pb.InterpretRequest) -> AsyncIterator[pb.InterpretRequest]:
        yield config
        start = time.monotonic()
        audio_s = 0.0
        for index, chunk in enumerate(self.chunks):
            if self.realtime:
                await asyncio.sleep(max(0.0, start + index * self.chunk_s - time.monotonic()))
            audio_s += len(chunk) / 2 / SAMPLE_RATE_HZ
            self.sent_audio_s.append(audio_s)
            self.sent_at.append(time.monotonic())
            yield pb.InterpretRequest(audio=pb.AudioChunk(data=chunk))

    def delay(self, audio_s: float) -> float | None:
        index = bisect.bisect_left(self.sent_audio_s, audio_s - 0.005)
        if index >= len(self.sent_at):
            return None
        return max(0.0, time.monotonic() - self.sent_at[index])


def check_sequence(result: StreamResult, first_segment_id: int, targets: int) -> list[str]:
    """Lost, repeated or out-of-order finals, and finals without their translations."""
    problems: list[str] = []
    expected = list(range(first_segment_id, first_segment_id + len(result.final_ids)))
    if result.final_ids != expected:
        problems.append(f"final ids {result.final_ids[:8]}... are not {first_segment_id}, +1, +2, ...")
    if len(set(result.final_ids)) != len(result.final_ids):
        problems.append("a final arrived twice")
    if result.code == "OK":
        missing = [i for i in result.final_ids if result.translations.get(i, 0) != targets]
        if missing:
            problems.append(f"segments {missing[:8]} lack exactly {targets} final translation(s)")
    return problems


async def run_stream(
    stub: pb_grpc.InterpreterStub,
    chunks: Sequence[bytes],
    *,
    targets: Sequence[str] = ("es",),
    first_segment_id: int = 0,
    metadata: Sequence[tuple[str, str]] = (),
    start_delay_s: float = 0.0,
    realtime: bool = True,
    chunk_s: float = CHUNK_S,
) -> StreamResult:
    """One Interpret stream from start to end; never raises for an RPC error (see `code`)."""
    await asyncio.sleep(start_delay_s)
    pacer = _Pacer(chunks, chunk_s, realtime)
    result = StreamResult()
    call = stub.Interpret(pacer.requests(session_config(targets, first_segment_id)), metadata=tuple(metadata))
    try:
        async for response in call:
            _record(response, pacer, result)
    except grpc.aio.AioRpcError as exc:
        result.code = exc.code().name
    result.problems = check_sequence(result, first_segment_id, len(targets))
    return result


def _record(response: pb.InterpretResponse, pacer: _Pacer, result: StreamResult) -> None:
    kind = response.WhichOneof("event")
    if kind == "partial":
        delay = pacer.delay(response.partial.audio_end_s)
        if delay is not None:
            result.partial_delays_s.append(delay)
    elif kind == "final":
        result.final_ids.append(response.final.segment_id)
        delay = pacer.delay(response.final.audio_end_s)
        if delay is not None:
            result.final_delays_s.append(delay)
    elif kind == "translation" and response.translation.is_final:
        segment = response.translation.segment_id
        result.translations[segment] = result.translations.get(segment, 0) + 1


@dataclass
class LevelResult:
    streams: int
    finals: int
    median_final_s: float
    p90_final_s: float
    median_partial_s: float
    codes: dict[str, int]
    problems: int
    ratio: float = 0.0


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_level(
    target: str, streams: int, chunks: Sequence[bytes], targets: Sequence[str]
) -> LevelResult:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.InterpreterStub(channel)
        rng = random.Random(streams)
        results = await asyncio.gather(
            *(
                run_stream(stub, chunks, targets=targets, start_delay_s=rng.uniform(0, CHUNK_S * 10))
                for _ in range(streams)
            )
        )
    finals = [d for r in results for d in r.final_delays_s]
    partials = [d for r in results for d in r.partial_delays_s]
    codes: dict[str, int] = {}
    for r in results:
        codes[r.code] = codes.get(r.code, 0) + 1
    return LevelResult(
        streams=streams,
        finals=sum(len(r.final_ids) for r in results),
        median_final_s=statistics.median(finals) if finals else float("nan"),
        p90_final_s=_quantile(finals, 0.9),
        median_partial_s=statistics.median(partials) if partials else float("nan"),
        codes=codes,
        problems=sum(len(r.problems) for r in results),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


SERVER_SCRIPT = """
import asyncio, sys
from tolk.backend.config import ServerConfig
from tolk.backend.server import serve
config = ServerConfig(host="127.0.0.1", port=int(sys.argv[1]), max_sessions=int(sys.argv[2]),
                      max_streams_per_client=0, audio_s_per_min=0)
asyncio.run(serve(config))
"""


async def _wait_serving(target: str) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"server at {target} not SERVING after {SERVER_START_TIMEOUT_S:g} s")


def spawn_server(max_sessions: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, str(port), str(max_sessions)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"127.0.0.1:{port}"


def print_row(level: LevelResult) -> None:
    codes = ",".join(f"{k}:{v}" for k, v in sorted(level.codes.items()))
    print(
        f"{level.streams:>7} {level.finals:>6} {level.median_partial_s:>10.3f} {level.median_final_s:>9.3f} "
        f"{level.p90_final_s:>8.3f} {level.ratio:>6.2f} {level.problems:>8}  {codes}",
        flush=True,
    )


async def ramp(args: argparse.Namespace, target: str) -> dict[str, object]:
    chunks = load_chunks(audio_s=args.audio_s)
    targets = tuple(t for t in args.targets.split(",") if t)
    levels = [int(n) for n in args.levels.split(",")]
    print(" streams finals partial_med final_med final_p90  ratio problems  codes", flush=True)
    results: list[LevelResult] = []
    capacity, knee = 0, False
    for streams in levels:
        level = await run_level(target, streams, chunks, targets)
        baseline = results[0].median_final_s if results else level.median_final_s
        level.ratio = level.median_final_s / baseline if baseline > 0 else float("nan")
        results.append(level)
        print_row(level)
        healthy = level.ratio <= args.max_ratio and level.problems == 0 and set(level.codes) == {"OK"}
        if healthy and not knee:
            capacity = streams
        knee = knee or not healthy
        if not healthy and level.ratio > STOP_RATIO * args.max_ratio:
            break  # far past the knee: more streams only take longer
    return {
        "capacity_streams": capacity,
        "baseline_final_median_s": results[0].median_final_s if results else None,
        "max_ratio": args.max_ratio,
        "audio_s": len(chunks) * CHUNK_S,
        "cpus": os.cpu_count(),
        "levels": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--target", help="HOST:PORT of a running server (default: spawn one locally)")
    parser.add_argument("--levels", default=",".join(str(n) for n in DEFAULT_LEVELS))
    parser.add_argument("--audio-s", type=float, default=20.0, help="seconds of the sample per stream")
    parser.add_argument("--targets", default="es", help="translation targets, comma-separated")
    parser.add_argument("--max-ratio", type=float, default=2.0, help="median final delay vs 1 stream")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    process = None
    target = args.target
    if target is None:
        process, target = spawn_server(max(int(n) for n in args.levels.split(",")) + 1)
    try:
        asyncio.run(_wait_serving(target))
        report = asyncio.run(ramp(args, target))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    print(
        f"capacity: {report['capacity_streams']} concurrent real-time streams "
        f"(median final delay <= {args.max_ratio:g}x the 1-stream baseline)"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
