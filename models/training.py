"""The training loop both `tolk train asr` and `tolk train mt` run: AdamW, warmup, accumulation, fp16 on
CUDA, a validation metric each epoch, early stopping, and resumable checkpoints.

Checkpoints: WORK/last.pt (weights, optimizer, scheduler, epoch, best score) after every epoch, and
WORK/best/ (save_pretrained) whenever validation improves. `resume=True` continues from WORK/last.pt.
"""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Batch = dict[str, Any]
Report = Callable[[str], None]


@dataclass(frozen=True)
class TrainOptions:
    """Knobs of a training run (recorded in the new version's lineage).

    Attributes:
        epochs: passes over the training data (at most).
        learning_rate: peak AdamW learning rate; warmup_steps: linear warmup, then linear decay to 0.
        batch_size: examples per forward pass; grad_accum: passes per optimizer step.
        patience: stop after this many epochs without a better validation score.
        max_steps: stop after this many optimizer steps (None: no limit).
        weight_decay: AdamW weight decay; max_grad_norm: gradient clipping.
        seed: shuffling and initialization seed.
        device: "cpu" or "cuda"; fp16: mixed precision (CUDA only).
        threads: torch CPU threads (None: torch's default).
        freeze_encoder: train the decoder only (speech models).
        augment: SpecAugment-style time and frequency masks (speech models).
    """

    epochs: int = 3
    learning_rate: float = 5e-5
    batch_size: int = 8
    grad_accum: int = 1
    warmup_steps: int = 0
    patience: int = 2
    max_steps: int | None = None
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 0
    device: str = "cpu"
    fp16: bool = False
    threads: int | None = None
    freeze_encoder: bool = False
    augment: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainResult:
    """What a run produced.

    Attributes:
        best_dir: save_pretrained directory of the best epoch.
        best_score: its validation score; higher_is_better says which way is better.
        history: per-epoch {"epoch", "loss", "score", "seconds"}.
        steps: optimizer steps taken; samples: training examples seen.
        samples_per_s: training throughput over the whole run.
        stopped_early: patience ran out before the last epoch.
    """

    best_dir: Path
    best_score: float
    higher_is_better: bool
    history: list[dict[str, float]] = field(default_factory=list)
    steps: int = 0
    samples: int = 0
    samples_per_s: float = 0.0
    stopped_early: bool = False


@dataclass
class Task:
    """What the loop trains: the model, its batches per epoch, and how to score it.

    Attributes:
        model: a transformers model (its forward returns `.loss`).
        batches: epoch -> batches of tensors for the forward pass (already shuffled).
        batches_per_epoch: their number (for progress and the schedule).
        validate: model -> score (e.g. chrF, or -WER... see higher_is_better).
        save: (model, directory) -> writes a loadable checkpoint there (model + tokenizer).
    """

    model: Any
    batches: Callable[[int], Iterator[Batch]]
    batches_per_epoch: int
    validate: Callable[[Any], float]
    save: Callable[[Any, Path], None]
    higher_is_better: bool = True


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    torch.manual_seed(seed)


def _schedule(options: TrainOptions, total_steps: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < options.warmup_steps:
            return (step + 1) / options.warmup_steps
        remaining = max(1, total_steps - options.warmup_steps)
        return max(0.05, 1.0 - (step - options.warmup_steps) / remaining)

    return factor


def _eta(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def train(
    task: Task, options: TrainOptions, work: Path, resume: bool = False, report: Report = print
) -> TrainResult:
    """Runs the loop; see the module docstring for checkpoints and resuming."""
    import torch

    if options.threads:
        torch.set_num_threads(options.threads)
    model = task.model.to(options.device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=options.learning_rate, weight_decay=options.weight_decay)
    steps_per_epoch = math.ceil(task.batches_per_epoch / options.grad_accum)
    total = min(options.max_steps or 1 << 62, steps_per_epoch * options.epochs)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(options, total))
    scaler = torch.amp.GradScaler("cuda", enabled=options.fp16 and options.device.startswith("cuda"))
    work.mkdir(parents=True, exist_ok=True)
    sign = 1.0 if task.higher_is_better else -1.0
    state: dict[str, Any] = {"epoch": 0, "step": 0, "best": -math.inf, "bad": 0, "history": [], "samples": 0}
    if resume and (work / "last.pt").is_file():
        saved = torch.load(work / "last.pt", map_location=options.device, weights_only=False)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = saved["state"]
        report(f"resumed from {work / 'last.pt'} after epoch {state['epoch']} (step {state['step']})")
    started, done_before = time.perf_counter(), state["step"]
    stopped = False
    for epoch in range(state["epoch"] + 1, options.epochs + 1):
        model.train()
        epoch_start, losses = time.perf_counter(), []
        for index, batch in enumerate(task.batches(epoch)):
            with torch.autocast("cuda", dtype=torch.float16, enabled=scaler.is_enabled()):
                loss = model(**{k: v.to(options.device) for k, v in batch.items()}).loss / options.grad_accum
            scaler.scale(loss).backward()
            losses.append(loss.detach().item() * options.grad_accum)
            state["samples"] += len(next(iter(batch.values())))
            if (index + 1) % options.grad_accum and index + 1 < task.batches_per_epoch:
                continue
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(params, options.max_grad_norm)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()
            state["step"] += 1
            done = state["step"] - done_before
            eta = (time.perf_counter() - started) / done * (total - state["step"])
            if state["step"] % 10 == 0 or state["step"] == total:
                report(f"epoch {epoch}/{options.epochs}  step {state['step']}/{total}  "
                       f"loss {sum(losses[-10:]) / len(losses[-10:]):.3f}  ETA {_eta(eta)}")  # fmt: skip
            if state["step"] >= total:
                break
        model.eval()
        score = float(task.validate(model))
        loss_mean = sum(losses) / max(1, len(losses))
        seconds = time.perf_counter() - epoch_start
        state["history"].append({"epoch": epoch, "loss": round(loss_mean, 4), "score": score,
                                 "seconds": round(seconds, 1)})  # fmt: skip
        improved = sign * score > state["best"]
        report(f"epoch {epoch}: loss {loss_mean:.3f}  validation {score:.4g}{'  (best)' if improved else ''}")
        if improved:
            state["best"], state["bad"] = sign * score, 0
            task.save(model, work / "best")
        else:
            state["bad"] += 1
        state["epoch"] = epoch
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "state": state}, work / "last.pt")  # fmt: skip
        if state["step"] >= total:
            break
        if state["bad"] >= options.patience:
            stopped = True
            report(f"stopping early: no better validation score for {options.patience} epoch(s)")
            break
    elapsed = time.perf_counter() - started
    return TrainResult(
        work / "best", sign * state["best"], task.higher_is_better, state["history"], state["step"],
        state["samples"], round(state["samples"] / max(elapsed, 1e-9), 2), stopped,
    )  # fmt: skip


def code_version() -> str:
    """The installed Tolk version, plus the git commit when running from a checkout."""
    import subprocess
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("tolk-interpreter")
    except PackageNotFoundError:
        release = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
            text=True, timeout=5, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return f"{release}+{commit}" if commit else release


def publish(
    store: Any, result: TrainResult, base: Any, name: str, data_hash: str, options: TrainOptions,
    eval_name: str, eval_metrics: dict[str, float],
) -> Any:  # fmt: skip
    """Imports the best checkpoint as a new version of NAME (active only if NAME is new), with lineage
    and its validation metrics; the existing default stays until `tolk models promote`."""
    lineage = {
        "base": f"{base.manifest.name}@v{base.manifest.version}",
        "base_revision": base.manifest.revision,
        "base_digest": base.manifest.digest,
        "data_sha256": data_hash,
        "options": options.as_dict(),
        "code_version": code_version(),
        "history": result.history,
        "steps": result.steps,
        "samples_per_s": result.samples_per_s,
        "stopped_early": result.stopped_early,
    }
    model = store.import_dir(
        result.best_dir, name, source=f"trained from {lineage['base']}", arch=base.manifest.arch,
        parent=base.manifest.name, action="train", lineage=lineage, activate=False,
    )  # fmt: skip
    return store.set_metrics(model, eval_name, eval_metrics)
