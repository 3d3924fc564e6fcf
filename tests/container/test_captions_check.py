"""The caption checks docker/test.sh relies on pass good runs and catch lost, duplicated or bad captions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import captions_check

SEGMENTS = [
    (0.0, 2.0, "and mister john dashwood had then leisure", "y señor john dashwood tuvo entonces ocio"),
    (2.5, 4.0, "he was not an ill disposed young man", "no era un hombre joven mal dispuesto"),
    (4.5, 7.0, "unless to be rather cold hearted", "a no ser que ser bastante frío de corazón"),
    (7.5, 9.0, "he might even have been made amiable himself", "él incluso podría haber sido hecho amable"),
]


def _run(segments: list[tuple[float, float, str, str]], first_id: int = 0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for seg, (start, end, text, spanish) in enumerate(segments, start=first_id):
        times = {"audio_start_s": start, "audio_end_s": end}
        events.append({"type": "final", "segment": seg, "lang": "en", "text": text} | times)
        events.append(
            {"type": "translation", "segment": seg, "lang": "es", "text": spanish, "is_final": True}
        )
    return events


def _write(tmp_path: Path, name: str, events: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")
    return path


def _reconnected(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    states = [{"type": "connection", "status": s} for s in ("connected", "reconnecting", "connected")]
    return states[:1] + events[:4] + states[1:] + events[4:]


def test_a_good_run_passes(tmp_path: Path) -> None:
    reference = _write(tmp_path, "ref.txt", [])
    reference.write_text(" ".join(text for _, _, text, _ in SEGMENTS))
    out = _write(tmp_path, "run.jsonl", _run(SEGMENTS))
    assert captions_check.main(["single", str(out), "--transcript", str(reference)]) == 0


def test_missing_translation_duplicate_final_and_english_output_fail(tmp_path: Path) -> None:
    events = _run(SEGMENTS)
    assert captions_check.main(["single", str(_write(tmp_path, "a.jsonl", events[:-1]))]) == 1
    assert captions_check.main(["single", str(_write(tmp_path, "b.jsonl", events + events[:2]))]) == 1
    english = [e | {"text": "the cat sat"} if e["type"] == "translation" else e for e in events]
    assert captions_check.main(["single", str(_write(tmp_path, "c.jsonl", english))]) == 1


def test_structure_ignores_the_words_but_not_a_missing_translation(tmp_path: Path) -> None:
    events = _run(SEGMENTS)
    gibberish = [e | {"text": "jujuju"} for e in events]
    assert captions_check.main(["structure", str(_write(tmp_path, "a.jsonl", gibberish))]) == 0
    assert captions_check.main(["single", str(_write(tmp_path, "b.jsonl", gibberish))]) == 1
    assert captions_check.main(["structure", str(_write(tmp_path, "c.jsonl", gibberish[:-1]))]) == 1


def test_failover_passes_when_every_final_survives(tmp_path: Path) -> None:
    baseline = _write(tmp_path, "base.jsonl", _run(SEGMENTS))
    interrupted = _write(tmp_path, "int.jsonl", _reconnected(_run(SEGMENTS)))
    assert captions_check.main(["failover", str(baseline), str(interrupted)]) == 0


def test_failover_fails_on_a_lost_final_or_no_reconnect(tmp_path: Path) -> None:
    baseline = _write(tmp_path, "base.jsonl", _run(SEGMENTS))
    lost = _write(tmp_path, "lost.jsonl", _reconnected(_run(SEGMENTS[:2] + SEGMENTS[3:])))
    assert captions_check.main(["failover", str(baseline), str(lost)]) == 1
    no_reconnect = _write(tmp_path, "same.jsonl", _run(SEGMENTS))
    assert captions_check.main(["failover", str(baseline), str(no_reconnect)]) == 1


def test_a_reconnect_reported_on_the_client_log_counts(tmp_path: Path) -> None:
    baseline = _write(tmp_path, "base.jsonl", _run(SEGMENTS))
    interrupted = _write(tmp_path, "int.jsonl", _run(SEGMENTS))
    log = tmp_path / "client.err"
    log.write_text("tolk: reconnecting (UNAVAILABLE: server draining)\n", encoding="utf-8")
    assert captions_check.main(["failover", str(baseline), str(interrupted), "--client-log", str(log)]) == 0
