"""Checks the JSON Lines output of `tolk translate --format jsonl` for docker/test.sh.

    python tests/container/captions_check.py single OUT.jsonl --transcript samples/x.txt --to es
    python tests/container/captions_check.py failover BASELINE.jsonl INTERRUPTED.jsonl --to es

`single`: finals exist, segment ids are consecutive, each final has exactly one final translation per
target language, the transcript matches the reference well enough, and the translations look Spanish.
`structure`: the same without looking at the text (random-weight test models say nothing sensible).
`failover`: both runs pass the single checks; the interrupted run reconnected (a connection event in the
jsonl or a "tolk: reconnecting" line in --client-log, the client's stderr); no final of the baseline
is lost (every baseline final's audio span is covered by an interrupted-run final, and the words match).
Prints one summary line (JSON) and exits 1 with the failed checks on stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_FINALS = 3
MIN_REFERENCE_RECALL = 0.5
MIN_BASELINE_RECALL = 0.8
MIN_SPANISH_HITS = 3
SPAN_TOLERANCE_S = 0.05
RECONNECT_LOG = "tolk: reconnecting"
SPANISH_WORDS = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "y",
        "en",
        "un",
        "una",
        "por",
        "con",
        "para",
        "su",
        "sus",
        "se",
        "no",
        "es",
        "lo",
        "al",
        "como",
        "más",
        "pero",
        "muy",
    ]
)


@dataclass
class Run:
    """Events of one `tolk translate` run, grouped by kind."""

    finals: list[dict[str, Any]] = field(default_factory=list)
    translations: list[dict[str, Any]] = field(default_factory=list)
    connections: list[dict[str, Any]] = field(default_factory=list)
    reconnect_lines: int = 0


def load(path: Path, client_log: Path | None = None) -> Run:
    """Reads a jsonl run; `client_log` is the client's stderr, where `tolk translate` reports reconnects."""
    run = Run()
    if client_log is not None and client_log.exists():
        log_lines = client_log.read_text(encoding="utf-8").splitlines()
        run.reconnect_lines = sum(1 for line in log_lines if RECONNECT_LOG in line)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        kind = record.get("type")
        if kind == "final":
            run.finals.append(record)
        elif kind == "translation" and record.get("is_final"):
            run.translations.append(record)
        elif kind == "connection":
            run.connections.append(record)
    return run


def words(text: str) -> list[str]:
    return re.findall(r"[a-záéíóúñü']+", text.lower())


def recall(reference: list[str], hypothesis: list[str]) -> float:
    """Share of reference words (with multiplicity) that the hypothesis also has."""
    if not reference:
        return 0.0
    found = Counter(hypothesis)
    hits = 0
    for word, count in Counter(reference).items():
        hits += min(count, found[word])
    return hits / len(reference)


def single_problems(run: Run, targets: list[str], reference: str | None, text: bool = True) -> list[str]:
    problems: list[str] = []
    ids = [int(f["segment"]) for f in run.finals]
    if len(ids) < MIN_FINALS:
        problems.append(f"only {len(ids)} finals (want >= {MIN_FINALS})")
    if ids and ids != list(range(ids[0], ids[0] + len(ids))):
        problems.append(f"segment ids not consecutive and unique: {ids}")
    pairs = Counter((int(t["segment"]), t["lang"]) for t in run.translations)
    for seg in ids:
        for lang in targets:
            if pairs[(seg, lang)] != 1:
                problems.append(f"segment {seg}: {pairs[(seg, lang)]} final {lang} translations (want 1)")
    transcript = [w for f in run.finals for w in words(f["text"])]
    found = recall(words(reference), transcript) if reference is not None else 1.0
    if found < MIN_REFERENCE_RECALL:
        problems.append(f"transcript recall {found:.2f} < {MIN_REFERENCE_RECALL}")
    if text and "es" in targets:
        spanish = [w for t in run.translations if t["lang"] == "es" for w in words(t["text"])]
        hits = sum(1 for w in spanish if w in SPANISH_WORDS)
        if hits < MIN_SPANISH_HITS:
            problems.append(f"translations do not look Spanish ({hits} common Spanish words)")
    return problems


def covered(span: tuple[float, float], finals: list[dict[str, Any]]) -> bool:
    start, end = span
    return any(
        f["audio_start_s"] < end - SPAN_TOLERANCE_S and f["audio_end_s"] > start + SPAN_TOLERANCE_S
        for f in finals
    )


def failover_problems(baseline: Run, interrupted: Run, targets: list[str]) -> list[str]:
    problems = [f"baseline: {p}" for p in single_problems(baseline, targets, None)]
    problems += [f"interrupted: {p}" for p in single_problems(interrupted, targets, None)]
    statuses = [c.get("status") for c in interrupted.connections]
    if "reconnecting" not in statuses and interrupted.reconnect_lines == 0:
        problems.append("interrupted run shows no reconnect (no connection event, no client log line)")
    for f in baseline.finals:
        if not covered((f["audio_start_s"], f["audio_end_s"]), interrupted.finals):
            problems.append(
                f"baseline final {f['segment']} [{f['audio_start_s']}, {f['audio_end_s']}] s is lost"
            )
    base_words = [w for f in baseline.finals for w in words(f["text"])]
    got_words = [w for f in interrupted.finals for w in words(f["text"])]
    if recall(base_words, got_words) < MIN_BASELINE_RECALL:
        problems.append(f"words of the baseline found: {recall(base_words, got_words):.2f}")
    return problems


def summary(run: Run) -> dict[str, Any]:
    return {
        "finals": len(run.finals),
        "segments": [int(f["segment"]) for f in run.finals],
        "translations": len(run.translations),
        "connection_events": [c.get("status") for c in run.connections],
        "reconnects_logged": run.reconnect_lines,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("single", "structure", "failover"))
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--transcript", type=Path, help="reference text (single)")
    parser.add_argument("--to", default="es", help="comma-separated target languages")
    parser.add_argument("--client-log", type=Path, help="stderr of the last run's client (reconnects)")
    args = parser.parse_args(argv)
    targets = [t for t in args.to.split(",") if t]
    runs = [load(path) for path in args.files[:-1]] + [load(args.files[-1], args.client_log)]
    if args.mode in ("single", "structure"):
        reference = args.transcript.read_text(encoding="utf-8") if args.transcript else None
        problems = single_problems(runs[0], targets, reference, text=args.mode == "single")
        print(json.dumps(summary(runs[0])))
    else:
        if len(runs) != 2:
            parser.error("failover needs BASELINE and INTERRUPTED")
        problems = failover_problems(runs[0], runs[1], targets)
        print(json.dumps({"baseline": summary(runs[0]), "interrupted": summary(runs[1])}))
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
