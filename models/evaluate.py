# mypy: disable-error-code="no-untyped-call"
"""`tolk models evaluate`: measure a stored model on an evaluation set and record the numbers.

Speech recognition: WER and CER (jiwer) after the same normalization of reference and hypothesis:
lowercase, Unicode punctuation removed (so "don't" and "dont" match), whitespace collapsed; corpus-level
(total edits / total reference words or characters, not a mean of per-utterance rates); RTF = decoding
seconds / audio seconds. Translation: corpus BLEU and chrF (sacrebleu defaults: 13a tokenization,
chrF with character 6-grams, beta 2), both on a 0-100 scale. Both: latency_ms, mean seconds per item.
The metrics land in the version's manifest under the set's name (`Manifest.metrics`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tolk.common.errors import InvalidArgument
from tolk.models.evalsets import EvalSet
from tolk.models.inference import SAMPLE_RATE_HZ, read_audio, recognizer, translator
from tolk.models.store import ModelStore, StoredModel

LOWER_IS_BETTER = ("wer", "cer")
HIGHER_IS_BETTER = ("bleu", "chrf")
"""Quality metrics compared by promotion; rtf and latency depend on the machine and are not compared."""
MT_BATCH = 8
"""Sentences translated per call (latency_ms is the batch time over its sentences)."""


def _transform(chars: bool) -> Any:
    import jiwer

    return jiwer.Compose([
        jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
        jiwer.ReduceToListOfListOfChars() if chars else jiwer.ReduceToListOfListOfWords(),
    ])  # fmt: skip


def asr_scores(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    """Corpus WER and CER (fractions, may exceed 1.0) after the normalization above."""
    import jiwer

    if len(references) != len(hypotheses) or not references:
        raise InvalidArgument("WER needs one hypothesis per reference, and at least one reference")
    if any(not str(ref).strip(" .,;:!?'\"-") for ref in references):
        raise InvalidArgument("a reference transcript is empty")
    hyps = [h if h.strip() else "<empty>" for h in hypotheses]  # jiwer rejects empty strings
    hyps = [h if any(c.isalnum() for c in h) else "<empty>" for h in hyps]
    word, char = _transform(False), _transform(True)
    wer = jiwer.wer(list(references), hyps, reference_transform=word, hypothesis_transform=word)
    cer = jiwer.cer(list(references), hyps, reference_transform=char, hypothesis_transform=char)
    return {"wer": round(float(wer), 4), "cer": round(float(cer), 4)}


def mt_scores(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU and chrF (0-100, sacrebleu defaults)."""
    import sacrebleu

    if len(references) != len(hypotheses) or not references:
        raise InvalidArgument("BLEU needs one hypothesis per reference, and at least one reference")
    bleu = sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score
    chrf = sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score
    return {"bleu": round(float(bleu), 2), "chrf": round(float(chrf), 2)}


@dataclass(frozen=True)
class EvalReport:
    """What one evaluation measured.

    Attributes:
        model: store name; version: its version.
        dataset: the evaluation set's name.
        items: utterances or sentence pairs evaluated.
        metrics: wer/cer/rtf (asr) or bleu/chrf (mt), and latency_ms.
        hypotheses: the outputs, in set order (for tests; never logged).
    """

    model: str
    version: int
    dataset: str
    items: int
    metrics: dict[str, float]
    hypotheses: tuple[str, ...] = field(default=(), repr=False)

    def as_json(self) -> dict[str, object]:
        return {"model": self.model, "version": self.version, "dataset": self.dataset,
                "items": self.items, **self.metrics}  # fmt: skip


def run_asr(model: StoredModel, data: EvalSet, device: str = "cpu") -> EvalReport:
    recognize = recognizer(model, device)
    hypotheses, audio_s, busy_s = [], 0.0, 0.0
    for item in data.speech:
        audio = read_audio(item.audio)
        started = time.perf_counter()
        hypotheses.append(recognize(audio, item.language))
        busy_s += time.perf_counter() - started
        audio_s += len(audio) / SAMPLE_RATE_HZ
    scores = asr_scores([item.text for item in data.speech], hypotheses)
    metrics = {**scores, "rtf": round(busy_s / max(audio_s, 1e-9), 4),
               "latency_ms": round(1000 * busy_s / len(hypotheses), 1)}  # fmt: skip
    m = model.manifest
    return EvalReport(m.name, m.version, data.name, len(hypotheses), metrics, tuple(hypotheses))


def run_mt(model: StoredModel, data: EvalSet, device: str = "cpu") -> EvalReport:
    translate = translator(model, device)
    sources = [pair.source for pair in data.pairs]
    started, hypotheses = time.perf_counter(), []
    for start in range(0, len(sources), MT_BATCH):
        hypotheses += translate(sources[start : start + MT_BATCH], data.source_language, data.target_language)
    busy_s = time.perf_counter() - started
    scores = mt_scores([pair.target for pair in data.pairs], hypotheses)
    metrics = {**scores, "latency_ms": round(1000 * busy_s / len(sources), 1)}
    m = model.manifest
    return EvalReport(m.name, m.version, data.name, len(hypotheses), metrics, tuple(hypotheses))


def evaluate(store: ModelStore, model: StoredModel, data: EvalSet, device: str = "cpu") -> EvalReport:
    """Runs the model over the set and records the metrics in its manifest (and the audit log)."""
    if data.kind != model.manifest.kind:
        kind = model.manifest.kind
        raise InvalidArgument(f"{model.name} is a {kind} model; {data.name} is {data.kind} data")
    store.verify(model)
    report = run_asr(model, data, device) if data.kind == "asr" else run_mt(model, data, device)
    store.set_metrics(model, report.dataset, report.metrics)
    return report
