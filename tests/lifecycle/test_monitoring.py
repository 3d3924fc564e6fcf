"""Accuracy monitoring: the canary against a live server, the alert rules (promtool) and the dashboard."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tolk.backend.engines.base import SegmentSignals
from tolk.backend.metrics import Metrics
from tolk.models.evalsets import librivox

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "docker" / "monitoring"
CANARY_GAUGES = {
    "wer",
    "cer",
    "chrf",
    "bleu",
    "latency_p50_seconds",
    "latency_p95_seconds",
    "real_time_factor",
    "failures",
    "items",
    "last_run_timestamp_seconds",
}


def _tolk(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tolk.app.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TOLK_SERVER": ""},
    )


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tolk.app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as attempt:
            if attempt.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)


def test_canary_exports_accuracy_gauges_of_the_live_service(server: str, tmp_path: Path) -> None:
    first = librivox().speech[0]
    (tmp_path / "one.jsonl").write_text(json.dumps({"audio": str(first.audio), "text": first.text}) + "\n")
    (tmp_path / "pairs.tsv").write_text(
        "Good morning, everyone.\tBuenos días a todos.\nThe water is cold.\tEl agua está fría.\n"
    )
    done = _tolk(
        "canary",
        "--server",
        server,
        "--data",
        str(tmp_path / "one.jsonl"),
        "--pairs",
        str(tmp_path / "pairs.tsv"),
        "--version",
        "test",
        "--textfile",
        str(tmp_path / "canary.prom"),
    )
    assert done.returncode == 0, done.stderr
    samples = {
        (s.name, s.labels["kind"]): s
        for f in text_string_to_metric_families((tmp_path / "canary.prom").read_text())
        for s in f.samples
    }
    wer, chrf = samples[("tolk_canary_wer", "asr")], samples[("tolk_canary_chrf", "mt")]
    print(f"\ncanary (pocketsphinx + apertium): WER {wer.value:.3f}, end-to-end chrF {chrf.value:.1f}")
    assert wer.labels["asr_engine"] == "pocketsphinx" and wer.labels["version"] == "test"
    # pocketsphinx on one LibriVox utterance: WER 0.45; on espeak-ng speech it hears few words (chrF ~6)
    assert wer.value < 0.6 and chrf.value > 0
    assert samples[("tolk_canary_items", "mt")].value == 2
    assert samples[("tolk_canary_failures", "asr")].value == 0


def test_canary_reports_an_unreachable_server_in_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _tolk("canary", "--server", f"127.0.0.1:{port}", "--textfile", os.devnull, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def test_engines_have_a_confidence_hook() -> None:
    metrics = Metrics()
    metrics.observe_segment("whisper:whisper-base", SegmentSignals(-0.3, 0.02, 1.4))
    labels = {"engine": "whisper", "model": "whisper-base"}
    assert metrics.value("tolk_asr_avg_logprob_count", labels) == 1
    assert metrics.value("tolk_asr_compression_ratio_bucket", {**labels, "le": "1.4"}) == 1


def _metric_names(expression: str) -> set[str]:
    return {n for n in re.findall(r"\b(tolk_[a-z0-9_]+)", expression)}


def test_dashboard_and_alerts_use_metrics_that_exist() -> None:
    server = {m.name for m in Metrics().registry.collect()}
    known = server | {f"{n}_bucket" for n in server} | {f"{n}_total" for n in server}
    known |= {f"tolk_canary_{name}" for name in CANARY_GAUGES}
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    used = set().union(*(_metric_names(t["expr"]) for p in dashboard["panels"] for t in p["targets"]))
    used |= _metric_names((MONITORING / "alerts.yml").read_text())
    assert used and used <= known, used - known


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool missing (Debian package prometheus)")
def test_alert_rules_pass_promtool() -> None:
    check = subprocess.run(
        ["promtool", "check", "rules", "alerts.yml"],
        cwd=MONITORING,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    unit = subprocess.run(
        ["promtool", "test", "rules", "alerts_test.yml"],
        cwd=MONITORING,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unit.returncode == 0, unit.stdout + unit.stderr
