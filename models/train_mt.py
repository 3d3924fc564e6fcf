# mypy: disable-error-code="no-untyped-call"
"""`tolk train mt`: fine-tune a stored Marian / M2M100 / NLLB checkpoint on a TSV of sentence pairs.

Validation each epoch is corpus chrF on the --eval pairs (or on a held-out tenth of the data when no
--eval is given); the best epoch becomes a new version of --name with its lineage (see training.publish).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tolk.common.errors import FailedPrecondition
from tolk.common.langcodes import model_code
from tolk.models.evalsets import EvalSet, PairItem, data_hash, read_pairs
from tolk.models.evaluate import mt_scores
from tolk.models.store import ModelStore, StoredModel
from tolk.models.training import (
    Batch,
    Report,
    Task,
    TrainOptions,
    TrainResult,
    publish,
    seed_everything,
    train,
)

HELD_OUT_FRACTION = 0.1
MAX_NEW_TOKENS = 96


@dataclass(frozen=True)
class MtJob:
    """One `tolk train mt` run: base NAME, data TSV, optional eval TSV, new NAME, languages."""

    base: str
    data: Path
    name: str
    eval: Path | None = None
    source_language: str = "en"
    target_language: str = "es"
    work: Path | None = None
    resume: bool = False


def split(data: EvalSet, eval_set: EvalSet | None, seed: int) -> tuple[list[PairItem], EvalSet]:
    """Training pairs and the validation set (a held-out tenth when none is given)."""
    if eval_set is not None:
        return list(data.pairs), eval_set
    pairs = list(data.pairs)
    random.Random(seed).shuffle(pairs)
    held = max(1, int(len(pairs) * HELD_OUT_FRACTION))
    if len(pairs) - held < 1:
        raise FailedPrecondition(f"{data.name}: too few pairs to hold some out; pass --eval")
    validation = EvalSet(
        f"{data.name}:held-out",
        "mt",
        pairs=tuple(pairs[:held]),
        source_language=data.source_language,
        target_language=data.target_language,
    )
    return pairs[held:], validation


def open_base(store: ModelStore, name: str) -> tuple[StoredModel, Any, Any]:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from tolk.models.quiet import quiet_transformers

    base = store.verify(store.get(name))
    if base.manifest.kind != "mt" or base.manifest.runtime != "torch":
        m = base.manifest
        raise FailedPrecondition(f"{name} is a {m.kind} {m.runtime} model; training needs a transformers "
                                 "translation checkpoint (Marian, M2M100, NLLB)")  # fmt: skip
    quiet_transformers()
    return base, AutoTokenizer.from_pretrained(base.path), AutoModelForSeq2SeqLM.from_pretrained(base.path)


def _languages(tokenizer: Any, arch: str, source: str, target: str) -> dict[str, Any]:
    if arch == "marian":
        return {}
    tokenizer.src_lang, tokenizer.tgt_lang = model_code(arch, source), model_code(arch, target)
    token = (
        tokenizer.lang_code_to_token[model_code(arch, target)]
        if arch == "m2m100"
        else model_code(arch, target)
    )
    return {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(token)}


def make_task(model: Any, tokenizer: Any, arch: str, pairs: list[PairItem], validation: EvalSet,
              options: TrainOptions) -> tuple[Task, Callable[[Any], dict[str, float]]]:  # fmt: skip
    """The training task, and a function giving a model's BLEU and chrF on the validation pairs."""
    import torch

    forced = _languages(tokenizer, arch, validation.source_language, validation.target_language)
    size = options.batch_size
    for name, parameter in model.named_parameters():
        if "embed_positions" in name:  # sinusoidal in these architectures: recomputed, never saved
            parameter.requires_grad_(False)

    def batches(epoch: int) -> Iterator[Batch]:
        order = list(pairs)
        random.Random(options.seed + epoch).shuffle(order)
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            batch = tokenizer([p.source for p in chunk], text_target=[p.target for p in chunk],
                              return_tensors="pt", padding=True, truncation=True)  # fmt: skip
            labels = batch["labels"]
            labels[labels == tokenizer.pad_token_id] = -100
            yield dict(batch)

    def measure(network: Any) -> dict[str, float]:
        texts, hyps = [p.source for p in validation.pairs], []
        for start in range(0, len(texts), 16):
            batch = tokenizer(texts[start : start + 16], return_tensors="pt", padding=True).to(options.device)
            with torch.inference_mode():
                budget = min(MAX_NEW_TOKENS, 2 * int(batch["input_ids"].shape[1]) + 8)
                ids = network.generate(**batch, num_beams=1, max_new_tokens=budget, **forced)
            hyps += [str(t).strip() for t in tokenizer.batch_decode(ids, skip_special_tokens=True)]
        return mt_scores([p.target for p in validation.pairs], hyps)

    def save(network: Any, directory: Path) -> None:
        network.save_pretrained(directory)
        tokenizer.save_pretrained(directory)

    task = Task(model, batches, -(-len(pairs) // size), lambda n: measure(n)["chrf"], save)
    return task, measure


def train_mt(
    store: ModelStore, job: MtJob, options: TrainOptions, report: Report = print
) -> tuple[StoredModel, TrainResult]:
    """Fine-tunes job.base on job.data; returns the new store version and the run's result."""
    import tempfile

    from transformers import AutoModelForSeq2SeqLM

    seed_everything(options.seed)
    data = read_pairs(job.data, job.source_language, job.target_language)
    given = read_pairs(job.eval, job.source_language, job.target_language) if job.eval else None
    pairs, validation = split(data, given, options.seed)
    base, tokenizer, model = open_base(store, job.base)
    task, measure = make_task(model, tokenizer, base.manifest.arch, pairs, validation, options)
    with tempfile.TemporaryDirectory(prefix="tolk-train-") as scratch:
        work = job.work or Path(scratch)
        report(f"training {job.base} on {len(pairs)} pairs, validating chrF on {len(validation)} "
               f"({validation.name})")  # fmt: skip
        result = train(task, options, work, job.resume, report)
        if not (result.best_dir / "config.json").is_file():
            raise FailedPrecondition("training produced no checkpoint (no epoch finished)")
        metrics = measure(AutoModelForSeq2SeqLM.from_pretrained(result.best_dir).to(options.device).eval())
        new = publish(store, result, base, job.name, data_hash(job.data), options, validation.name, metrics)
    return new, result
