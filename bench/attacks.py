"""The issue-11 attacks against a real `tolk serve`, with figures for before/after notes.

    .venv/bin/python -m bench.attacks                              # this tree
    .venv/bin/python -m bench.attacks --server-python /other/tree/.venv/bin/python   # another tree

Starts `tolk serve` (pocketsphinx + Apertium) with the given interpreter on a free loopback port and runs,
in this order: a trailing `^`, 10 distinct engine specs, first_segment_id 2**64-1, an Apertium stage
killed at every final of a stream, 10 concurrent TranslateText calls beside a live stream, two 400 KB
texts then a normal call, and SIGHUP. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc

from bench.load import load_chunks
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

HOUSE = pb.TranslateTextRequest(source_language="en", target_language="es", texts=["The house is big."])


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in map(int, (task / "children").read_text().split()):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
    return found


def _rss_mib(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return round(total / 2**20, 1)


async def _call(coro: Any) -> tuple[str, float, Any]:
    started = time.monotonic()
    try:
        reply = await coro
    except grpc.aio.AioRpcError as exc:
        return exc.code().name, round(time.monotonic() - started, 3), exc.details()
    return "OK", round(time.monotonic() - started, 3), reply


async def _stream(
    stub: pb_grpc.InterpreterStub, chunks: list[bytes], pace_s: float, on_final: Any = None
) -> dict[str, Any]:
    started = time.monotonic()
    kind = pb.SpeechBoundary.Kind

    async def requests() -> AsyncIterator[pb.InterpretRequest]:
        audio_format = pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16000, channels=1)
        yield pb.InterpretRequest(config=pb.SessionConfig(
            source_language="en", target_languages=["es"], audio_format=audio_format,
            segmentation=pb.Segmentation.CLIENT_VAD))  # fmt: skip
        for i, chunk in enumerate(chunks):
            await asyncio.sleep(max(0.0, started + i * pace_s - time.monotonic()))
            if i % 20 == 0:
                for k in [kind.SPEECH_START] if i == 0 else [kind.SPEECH_END, kind.SPEECH_START]:
                    yield pb.InterpretRequest(boundary=pb.SpeechBoundary(kind=k, audio_time_s=i * 0.1))
            yield pb.InterpretRequest(audio=pb.AudioChunk(data=chunk))

    delays: list[float] = []
    finals, translations, code = 0, [], "OK"
    try:
        async for response in stub.Interpret(requests(), timeout=180):
            if response.WhichOneof("event") == "final":
                finals += 1
                end = min(response.final.audio_end_s, len(chunks) * 0.1)
                delays.append(time.monotonic() - (started + end * pace_s / 0.1))
                if on_final:
                    on_final()
            elif response.WhichOneof("event") == "translation":
                translations.append(response.translation.text)
    except grpc.aio.AioRpcError as exc:
        code = exc.code().name
    mean = sum(delays) / len(delays) if delays else None
    return {"code": code, "finals": finals, "translations": len(translations),
            "empty_translations": sum(1 for t in translations if not t),
            "mean_final_delay_s": round(mean, 3) if mean is not None else None}  # fmt: skip


async def attacks(server: subprocess.Popen[bytes], port: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    chunks = load_chunks(audio_s=8.0)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.InterpreterStub(channel)
        await stub.TranslateText(HOUSE, timeout=60)
        caret = pb.TranslateTextRequest(source_language="en", target_language="es", texts=["x ^"])
        code, seconds, _ = await _call(stub.TranslateText(caret, timeout=30))
        after = await _call(stub.TranslateText(HOUSE, timeout=30))
        out["trailing_caret"] = {"code": code, "s": seconds, "next_call": after[:2]}

        before = _descendants(server.pid)
        codes = []
        for k in range(1, 11):
            spec = pb.TranslateTextRequest(
                source_language="en", target_language="es", texts=["hi"], engine="apertium:" + "," * k
            )
            codes.append((await _call(stub.TranslateText(spec, timeout=60)))[0])
        grown = _descendants(server.pid)
        out["engine_specs"] = {
            "codes": sorted(set(codes)),
            "new_processes": len(grown - before),
            "rss_mib_before": _rss_mib(before | {server.pid}),
            "rss_mib_after": _rss_mib(grown | {server.pid}),
        }

        big_id = pb.InterpretRequest(config=pb.SessionConfig(
            source_language="en", target_languages=["es"], first_segment_id=2**64 - 1,
            audio_format=pb.AudioFormat(encoding=pb.LINEAR16, sample_rate_hz=16000, channels=1)))  # fmt: skip

        async def segs() -> AsyncIterator[pb.InterpretRequest]:
            yield big_id
            await asyncio.sleep(1.0)  # a refusal arrives before the audio (no write race)
            for chunk in chunks[:40]:
                yield pb.InterpretRequest(audio=pb.AudioChunk(data=chunk))

        code, _, _ = await _call(_drain(stub.Interpret(segs(), timeout=120)))
        out["segment_id_2**64-1"] = code

        def kill() -> None:
            for pid in _descendants(server.pid):
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{pid}/comm").read_text().strip() == "lrx-proc":
                        os.kill(pid, signal.SIGKILL)

        out["killed_stage_stream"] = await _stream(stub, chunks, 0.0, on_final=kill)

        solo = await _stream(stub, chunks, 0.1)
        text = "The house is big and the dog sleeps in the garden. " * 190
        flood = pb.TranslateTextRequest(source_language="en", target_language="es", texts=[text] * 5)
        attackers = [asyncio.create_task(_call(stub.TranslateText(flood, timeout=120))) for _ in range(10)]
        flooded = await _stream(stub, chunks, 0.1)
        flood_codes = [r[0] for r in await asyncio.gather(*attackers)]
        ratio = (flooded["mean_final_delay_s"] or 0) / max(solo["mean_final_delay_s"] or 0.05, 0.05)
        out["flood"] = {"solo": solo, "flooded": flooded, "ratio": round(ratio, 2),
                        "translate_codes": {c: flood_codes.count(c) for c in set(flood_codes)}}  # fmt: skip

        big = pb.TranslateTextRequest(
            source_language="en", target_language="es", texts=["The house is big. " * 22_000]
        )
        big_calls = await asyncio.gather(*(_call(stub.TranslateText(big, timeout=30)) for _ in range(2)))
        normal = await _call(stub.TranslateText(HOUSE, timeout=15))
        out["deadlock_2x400KB"] = {"big": [c[:2] for c in big_calls], "normal_call": normal[:2]}

    server.send_signal(signal.SIGHUP)
    await asyncio.sleep(2.0)
    out["sighup_server_alive"] = server.poll() is None
    return out


async def _drain(call: Any) -> None:
    async for _ in call:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server-python", default=sys.executable)
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    argv = [args.server_python, "-m", "tolk.app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/tmp")
    try:
        time.sleep(1.0)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                try:
                    pb_grpc.InterpreterStub(channel).GetCapabilities(pb.GetCapabilitiesRequest(), timeout=2)
                    break
                except grpc.RpcError:
                    time.sleep(0.5)
        print(json.dumps(asyncio.run(attacks(server, port)), indent=1))
    finally:
        server.kill()  # SIGKILL the group's leader; the old code may no longer stop on SIGTERM
        for pid in _descendants(server.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        server.wait()


if __name__ == "__main__":
    main()
