# mypy: disable-error-code="no-untyped-call"
"""`tolk train asr`: fine-tune (or train from scratch) a stored Whisper checkpoint (transformers layout).

Inputs are log-mel features of the checkpoint's own window (30 s for real Whisper, shorter for toy
models); labels are <|startoftranscript|><|lang|><|transcribe|><|notimestamps|> text <|endoftext|>.
Optional SpecAugment-style masking (two frequency bands of up to 8 mel bins, two time spans of up to
10 % of the speech) and a frozen encoder. Validation each epoch is corpus WER on --eval (or a held-out
tenth); the best epoch becomes a new version of --name.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tolk.common.errors import FailedPrecondition
from tolk.models.evalsets import EvalSet, SpeechItem, data_hash, read_speech
from tolk.models.evaluate import asr_scores
from tolk.models.inference import HOP_SAMPLES, SAMPLE_RATE_HZ, read_audio
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
MAX_NEW_TOKENS = 64
FREQ_MASK_BINS = 8
TIME_MASK_FRACTION = 0.1


@dataclass(frozen=True)
class AsrJob:
    """One `tolk train asr` run."""

    base: str
    data: Path
    name: str
    eval: Path | None = None
    language: str = "en"
    work: Path | None = None
    resume: bool = False


def open_base(store: ModelStore, name: str) -> tuple[StoredModel, Any, Any]:
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    from tolk.models.quiet import quiet_transformers

    base = store.verify(store.get(name))
    if base.manifest.kind != "asr" or base.manifest.runtime != "torch":
        m = base.manifest
        raise FailedPrecondition(f"{name} is a {m.kind} {m.runtime} model; training needs a transformers "
                                 "Whisper checkpoint (`tolk models pull openai/whisper-base`)")  # fmt: skip
    quiet_transformers()
    processor = WhisperProcessor.from_pretrained(base.path)
    if processor.tokenizer.pad_token is None:  # labels are masked by attention, any token pads
        processor.tokenizer.pad_token = "<|endoftext|>"
    return base, processor, WhisperForConditionalGeneration.from_pretrained(base.path)


def split(data: EvalSet, given: EvalSet | None, seed: int) -> tuple[list[SpeechItem], EvalSet]:
    if given is not None:
        return list(data.speech), given
    items = list(data.speech)
    random.Random(seed).shuffle(items)
    held = max(1, int(len(items) * HELD_OUT_FRACTION))
    if len(items) - held < 1:
        raise FailedPrecondition(f"{data.name}: too few utterances to hold some out; pass --eval")
    return items[held:], EvalSet(f"{data.name}:held-out", "asr", speech=tuple(items[:held]))


class Featurizer:
    """Log-mel features of the checkpoint's window, computed once per recording and cached."""

    def __init__(self, processor: Any, model: Any) -> None:
        self.extractor = processor.feature_extractor
        self.window = int(model.config.max_source_positions) * 2 * HOP_SAMPLES
        self._cache: dict[Path, tuple[Any, int]] = {}

    def __call__(self, path: Path) -> tuple[Any, int]:
        """(features [mels, frames], frames of speech) for one file."""
        if path not in self._cache:
            audio = read_audio(path)[: self.window]
            out = self.extractor(audio, sampling_rate=SAMPLE_RATE_HZ, padding="max_length",
                                 max_length=self.window, return_tensors="np")  # fmt: skip
            self._cache[path] = (np.asarray(out["input_features"][0], np.float32), len(audio) // HOP_SAMPLES)
        return self._cache[path]


def spec_augment(features: Any, speech_frames: int, rng: random.Random) -> Any:
    """Two frequency masks and two time masks (in place on a copy; masked to the features' mean)."""
    out = features.copy()
    fill = float(out.mean())
    for _ in range(2):
        width = rng.randint(0, FREQ_MASK_BINS)
        start = rng.randint(0, out.shape[0] - width)
        out[start : start + width, :] = fill
        span = rng.randint(0, max(0, int(speech_frames * TIME_MASK_FRACTION)))
        begin = rng.randint(0, max(0, speech_frames - span))
        out[:, begin : begin + span] = fill
    return out


def _labels(processor: Any, texts: list[str], language: str, multilingual: bool) -> Any:
    tokenizer = processor.tokenizer
    if multilingual:
        tokenizer.set_prefix_tokens(language=language, task="transcribe", predict_timestamps=False)
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    start = tokenizer.convert_tokens_to_ids("<|startoftranscript|>")
    return labels[:, 1:] if bool((labels[:, 0] == start).all()) else labels  # the model prepends it


def make_task(model: Any, processor: Any, items: list[SpeechItem], validation: EvalSet, language: str,
              options: TrainOptions) -> tuple[Task, Callable[[Any], dict[str, float]]]:  # fmt: skip
    import torch

    featurize = Featurizer(processor, model)
    multilingual = bool(getattr(model.generation_config, "lang_to_id", None))
    if options.freeze_encoder:
        model.model.encoder.requires_grad_(False)

    def batches(epoch: int) -> Iterator[Batch]:
        rng = random.Random(options.seed + epoch)
        order = list(items)
        rng.shuffle(order)
        for start in range(0, len(order), options.batch_size):
            chunk = order[start : start + options.batch_size]
            feats = []
            for item in chunk:
                features, frames = featurize(item.audio)
                feats.append(spec_augment(features, frames, rng) if options.augment else features)
            labels = _labels(processor, [item.text for item in chunk], language, multilingual)
            yield {"input_features": torch.from_numpy(np.stack(feats)), "labels": labels}

    def measure(network: Any) -> dict[str, float]:
        extra = {"language": language, "task": "transcribe"} if multilingual else {}
        hyps = []
        for start in range(0, len(validation.speech), 16):
            chunk = validation.speech[start : start + 16]
            feats = torch.from_numpy(np.stack([featurize(item.audio)[0] for item in chunk])).to(
                options.device
            )
            with torch.inference_mode():
                ids = network.generate(feats, max_new_tokens=MAX_NEW_TOKENS, num_beams=1, **extra)
            hyps += [str(t).strip() for t in processor.tokenizer.batch_decode(ids, skip_special_tokens=True)]
        return asr_scores([item.text for item in validation.speech], hyps)

    def save(network: Any, directory: Path) -> None:
        network.save_pretrained(directory)
        processor.save_pretrained(directory)

    count = -(-len(items) // options.batch_size)
    return Task(model, batches, count, lambda n: measure(n)["wer"], save, higher_is_better=False), measure


def train_asr(
    store: ModelStore, job: AsrJob, options: TrainOptions, report: Report = print
) -> tuple[StoredModel, TrainResult]:
    """Trains job.base on job.data; returns the new store version and the run's result."""
    import tempfile

    from transformers import WhisperForConditionalGeneration

    seed_everything(options.seed)
    data = read_speech(job.data, job.language)
    given = read_speech(job.eval, job.language) if job.eval else None
    items, validation = split(data, given, options.seed)
    base, processor, model = open_base(store, job.base)
    task, measure = make_task(model, processor, items, validation, job.language, options)
    with tempfile.TemporaryDirectory(prefix="tolk-train-") as scratch:
        work = job.work or Path(scratch)
        report(f"training {job.base} on {len(items)} utterances, validating WER on {len(validation)} "
               f"({validation.name})")  # fmt: skip
        result = train(task, options, work, job.resume, report)
        if not (result.best_dir / "config.json").is_file():
            raise FailedPrecondition("training produced no checkpoint (no epoch finished)")
        best: Any = WhisperForConditionalGeneration.from_pretrained(result.best_dir)
        best = best.to(options.device).eval()
        metrics = measure(best)
        new = publish(store, result, base, job.name, data_hash(job.data), options, validation.name, metrics)
    return new, result
