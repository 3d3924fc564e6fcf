"""`tolk canary --server H:P`: stream an evaluation set through the live service and export its accuracy.

Each recording of the speech set (default: the built-in LibriVox utterances) is streamed as fast as the
server takes it; the finals are scored against the transcript (WER/CER, tolk.models.evaluate's
normalization). With --pairs, the source sentences of a parallel set (default: the built-in en-es pairs)
are spoken by espeak-ng, streamed the same way, and the final translations are scored with chrF/BLEU:
an end-to-end accuracy of recognition plus translation. The gauges, labelled by the engines the server
reported for the session (and --version when given), go to a Pushgateway (--pushgateway, what the
Kubernetes CronJob uses), to a node-exporter textfile (--textfile), or to stdout in the Prometheus text
format. Exit status 1 when any utterance failed. No audio or text is logged.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tolk.app.core.events import Final, Started, Translation
from tolk.app.transport.events import StreamOptions

EXIT_OK, EXIT_FAILED = 0, 1


@dataclass
class Run:
    """What one pass over a set collected (texts stay in memory, never logged)."""

    references: list[str] = field(default_factory=list)
    hypotheses: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    audio_s: float = 0.0
    failures: int = 0
    engines: dict[str, str] = field(default_factory=dict)


def _wanted(event: object, translated: bool) -> bool:
    if isinstance(event, Translation):
        return translated and event.is_final and bool(event.text)
    return isinstance(event, Final) and not translated and bool(event.text)


async def stream_one(
    client: Any, options: StreamOptions, audio: Path, translated: bool
) -> tuple[str, str, str, float]:
    """(text, asr engine, mt engine, seconds) for one file: finals, or final translations."""
    from tolk.app.pipeline import PipelineOptions, file_source, run_pipeline

    texts, asr, mt, started = [], "", "", time.perf_counter()
    blocks = file_source(audio, realtime=False)
    async for event in run_pipeline(client, options, blocks, PipelineOptions(retry=None)):
        if isinstance(event, Started):
            asr, mt = event.asr_engine, event.mt_engine
        elif isinstance(event, (Final, Translation)) and _wanted(event, translated):
            texts.append(event.text)
    return " ".join(texts), asr, mt, time.perf_counter() - started


async def run_set(
    client: Any, options: StreamOptions, items: list[tuple[Path, str]], translated: bool
) -> Run:
    from tolk.app.audio.files import probe

    run = Run()
    for audio, reference in items:
        try:
            text, asr, mt, seconds = await stream_one(client, options, audio, translated)
        except Exception as exc:  # reported as a count and one line; the canary goes on
            run.failures += 1
            print(f"tolk canary: {audio.name}: {type(exc).__name__}: {str(exc)[:120]}", file=sys.stderr)
            continue
        run.references.append(reference)
        run.hypotheses.append(text)
        run.seconds.append(seconds)
        run.audio_s += probe(audio).duration_s
        run.engines = {"asr_engine": asr, "mt_engine": mt}
    return run


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)] if values else 0.0


def export(runs: dict[str, Run], args: argparse.Namespace) -> None:
    from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, write_to_textfile
    from prometheus_client.exposition import generate_latest

    from tolk.models.evaluate import asr_scores, mt_scores

    registry = CollectorRegistry()
    names = ["kind", "dataset", "asr_engine", "mt_engine", "version"]

    def gauge(name: str, text: str) -> Gauge:
        return Gauge(f"tolk_canary_{name}", text, names, registry=registry)

    quality = {m: gauge(m, f"Canary {m} on the evaluation set") for m in ("wer", "cer", "chrf", "bleu")}
    p50, p95 = gauge("latency_p50_seconds", "Median utterance time"), gauge("latency_p95_seconds", "p95")
    rtf = gauge("real_time_factor", "Processing seconds per audio second")
    failures, items = gauge("failures", "Utterances that failed"), gauge("items", "Utterances scored")
    success = gauge("last_run_timestamp_seconds", "When the canary last finished")
    for kind, run in runs.items():
        labels = {"kind": kind, "dataset": args.dataset_names[kind], "version": args.version or "",
                  **(run.engines or {"asr_engine": "", "mt_engine": ""})}  # fmt: skip
        if run.references:
            scores = (asr_scores if kind == "asr" else mt_scores)(run.references, run.hypotheses)
            for metric, value in scores.items():
                quality[metric].labels(**labels).set(value)
            p50.labels(**labels).set(statistics.median(run.seconds))
            p95.labels(**labels).set(_p95(run.seconds))
            rtf.labels(**labels).set(sum(run.seconds) / max(run.audio_s, 1e-9))
        failures.labels(**labels).set(run.failures)
        items.labels(**labels).set(len(run.references))
        success.labels(**labels).set(time.time())
    if args.pushgateway:
        push_to_gateway(args.pushgateway, job="tolk_canary", registry=registry)
    elif args.textfile:
        write_to_textfile(str(args.textfile), registry)
    else:
        sys.stdout.write(generate_latest(registry).decode())


def _speech_items(args: argparse.Namespace) -> list[tuple[Path, str]]:
    from tolk.models.evalsets import librivox, read_speech

    data = read_speech(args.data, args.source) if args.data else librivox()
    args.dataset_names["asr"] = data.name
    return [(item.audio, item.text) for item in data.speech]


def _pair_items(args: argparse.Namespace, work: Path) -> list[tuple[Path, str]]:
    from tolk.models.evalsets import builtin_pairs, read_pairs
    from tolk.models.toydata import speak

    data = (
        builtin_pairs() if args.pairs == "builtin" else read_pairs(Path(args.pairs), args.source, args.target)
    )
    args.dataset_names["mt"] = data.name
    return [
        (speak(p.source, args.source, 160, 50, work / f"{i}.wav"), p.target) for i, p in enumerate(data.pairs)
    ]


async def _canary(args: argparse.Namespace) -> int:
    from tolk.app.commands import _client

    args.dataset_names = {}
    speech = StreamOptions(source_language=args.source, asr=args.asr, mt=args.mt, disable_partials=True)
    spoken = StreamOptions(source_language=args.source, target_languages=(args.target,), asr=args.asr,
                           mt=args.mt, disable_partials=True)  # fmt: skip
    runs: dict[str, Run] = {}
    with tempfile.TemporaryDirectory(prefix="tolk-canary-") as work:
        async with _client(args, args.server) as client:
            runs["asr"] = await run_set(client, speech, _speech_items(args), translated=False)
            if args.pairs:
                runs["mt"] = await run_set(client, spoken, _pair_items(args, Path(work)), translated=True)
    export(runs, args)
    return EXIT_FAILED if any(run.failures for run in runs.values()) else EXIT_OK


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "canary", help="measure a live server's accuracy and export Prometheus gauges"
    )
    parser.add_argument("--server", required=True, metavar="HOST:PORT")
    parser.add_argument(
        "--data", type=Path, help="speech set (JSONL / LibriSpeech / Common Voice; default LibriVox)"
    )
    parser.add_argument(
        "--pairs", nargs="?", const="builtin", help="also score translations: TSV, or the built-in en-es"
    )
    parser.add_argument("--from", dest="source", default="en", metavar="LANG")
    parser.add_argument("--to", dest="target", default="es", metavar="LANG")
    parser.add_argument("--asr", default="", metavar="SPEC")
    parser.add_argument("--mt", default="", metavar="SPEC")
    parser.add_argument("--version", help="model version label for the gauges (e.g. whisper-base@v3)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--pushgateway", metavar="URL", help="push the gauges to this Prometheus Pushgateway")
    out.add_argument("--textfile", type=Path, help="write the gauges to this node-exporter textfile")
    for flag in ("--token", "--token-file", "--tls-ca", "--tls-cert", "--tls-key", "--tls-server-name"):
        parser.add_argument(flag, default=None)
    parser.add_argument("--tls", action="store_true")
    return parser


def run(args: argparse.Namespace) -> int:
    from tolk.common.errors import TolkError

    try:
        return asyncio.run(_canary(args))
    except (TolkError, OSError) as exc:
        print(f"tolk canary: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
