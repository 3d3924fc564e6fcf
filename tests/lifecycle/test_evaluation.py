"""Evaluation: the metric definitions, the data readers, and the CI figures of real models.

The real Whisper base (CTranslate2, via faster-whisper) on the five LibriVox utterances must stay under
a WER ceiling; Apertium on the built-in en-es pairs must stay above a chrF floor. Both print their
figures (pytest -s shows them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tolk.common.errors import InvalidArgument
from tolk.models.evalsets import builtin_pairs, librivox, read_pairs, read_speech
from tolk.models.evaluate import asr_scores, mt_scores
from tolk.models.store import ModelStore

WHISPER_BASE_WER_CEILING = 0.2  # measured 0.113 (CER 0.025)
APERTIUM_CHRF_FLOOR = 60.0  # measured 68.3 (BLEU 45.3)


def test_wer_normalizes_case_and_punctuation_the_same_on_both_sides() -> None:
    assert asr_scores(["Hello, world!"], ["hello world"]) == {"wer": 0.0, "cer": 0.0}
    scores = asr_scores(["the cat sat", "on the mat"], ["the cat sat down", "on a mat"])
    assert scores["wer"] == pytest.approx(2 / 6, abs=1e-4)  # corpus WER: 2 edits over 6 words
    assert asr_scores(["one two"], [""])["wer"] == 1.0


def test_bleu_and_chrf_are_corpus_scores_on_a_0_to_100_scale() -> None:
    same = "el perro come la comida en la casa"
    assert mt_scores([same], [same]) == {"bleu": 100.0, "chrf": 100.0}
    worse = mt_scores(["el perro come la comida"], ["un gato bebe agua"])
    assert worse["chrf"] < 30 and worse["bleu"] < 10
    with pytest.raises(InvalidArgument):
        mt_scores([], [])


def test_builtin_sets_ship_with_tolk() -> None:
    pairs = builtin_pairs()
    assert (pairs.name, len(pairs)) == ("en-es", 40)
    assert all(p.source and p.target for p in pairs.pairs)
    speech = librivox()
    assert len(speech) == 5 and all(item.audio.is_file() and item.text for item in speech.speech)


def test_readers_take_jsonl_librispeech_and_tsv(tmp_path: Path) -> None:
    wav = next(iter(librivox().speech)).audio
    (tmp_path / "set.jsonl").write_text(
        json.dumps({"audio": str(wav), "text": "hi", "language": "en"}) + "\n"
    )
    assert read_speech(tmp_path / "set.jsonl").speech[0].audio == wav
    chapter = tmp_path / "ls" / "19" / "198"
    chapter.mkdir(parents=True)
    (chapter / "19-198-0001.wav").write_bytes(wav.read_bytes())
    (chapter / "19-198.trans.txt").write_text("19-198-0001 NORTHANGER ABBEY\n")
    assert read_speech(tmp_path / "ls").speech[0].text == "northanger abbey"
    (tmp_path / "bad.tsv").write_text("no tab here\n")
    with pytest.raises(InvalidArgument, match=r"bad.tsv:1"):
        read_pairs(tmp_path / "bad.tsv")
    (tmp_path / "ok.tsv").write_text("# comment\nhello\thola\n")
    first, second = read_pairs(tmp_path / "ok.tsv"), read_pairs(tmp_path / "ok.tsv")
    assert first.name == second.name and first.name.startswith("ok.tsv@")


@pytest.mark.neural
def test_whisper_base_on_librivox_stays_under_the_wer_ceiling(
    whisper_base_store: ModelStore, capsys: pytest.CaptureFixture[str]
) -> None:
    from tolk.models.cli import main as models_main

    assert (
        models_main(["--store", str(whisper_base_store.root), "evaluate", "whisper-base", "--format", "json"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    with capsys.disabled():
        print(
            f"\nwhisper-base on librivox: WER {report['wer']:.3f} CER {report['cer']:.3f} "
            f"RTF {report['rtf']:.2f}"
        )
    assert set(report) >= {"wer", "cer", "rtf", "latency_ms"} and report["items"] == 5
    assert report["wer"] <= WHISPER_BASE_WER_CEILING
    recorded = whisper_base_store.get("whisper-base").manifest.metrics["librivox"]
    assert recorded["wer"] == report["wer"]


def test_apertium_on_the_builtin_pairs_stays_above_the_chrf_floor(capsys: pytest.CaptureFixture[str]) -> None:
    from tolk.backend.engines.apertium_mt import load, probe
    from tolk.backend.engines.registry import EngineContext

    if probe() is not None:
        pytest.skip(f"Apertium unusable: {probe()}")
    data = builtin_pairs()
    engine = load(None, EngineContext())
    try:
        hypotheses = engine.translate([pair.source for pair in data.pairs], "en", "es")
    finally:
        engine.close()
    scores = mt_scores([pair.target for pair in data.pairs], hypotheses)
    with capsys.disabled():
        print(f"\napertium en-es on the built-in pairs: chrF {scores['chrf']:.1f} BLEU {scores['bleu']:.1f}")
    assert scores["chrf"] >= APERTIUM_CHRF_FLOOR
