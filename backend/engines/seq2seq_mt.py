"""The `seq2seq` MT family: Marian (opus-mt-*), M2M100 and NLLB-200 checkpoints from the model store.

All sessions' calls go through one BatchScheduler per model: sentences with the same language pair are
translated in one batched call (beam size from the engine context).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

from tolk.backend.engines import neural_common
from tolk.backend.engines.registry import EngineContext, EngineInfo
from tolk.backend.engines.seq2seq_runtime import Seq2seqRuntime, open_runtime, output_budget
from tolk.backend.scheduler import BatchScheduler
from tolk.common import langcodes
from tolk.common.errors import NotFound
from tolk.common.langcodes import LanguagePair
from tolk.models.store import StoredModel

FAMILY = "seq2seq"
OPUS_PAIR_RE = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})(?:$|[^a-zA-Z])")


def marian_pair(model: StoredModel) -> LanguagePair | None:
    """A Marian checkpoint's pair: tokenizer_config source/target_lang, else opus-mt-SRC-TGT in its name."""
    config_path = model.path / "tokenizer_config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    source, target = config.get("source_lang"), config.get("target_lang")
    if isinstance(source, str) and isinstance(target, str):
        return LanguagePair(langcodes.to_iso1(source), langcodes.to_iso1(target))
    for text in (model.manifest.source, model.manifest.name, model.manifest.parent or ""):
        match = OPUS_PAIR_RE.search(text)
        if match:
            return LanguagePair(langcodes.to_iso1(match.group(1)), langcodes.to_iso1(match.group(2)))
    return None


def model_pairs(model: StoredModel) -> tuple[LanguagePair, ...]:
    arch = model.manifest.arch
    if arch == "marian":
        pair = marian_pair(model)
        return (pair,) if pair else ()
    return tuple(LanguagePair(s, t) for s, t in permutations(langcodes.languages(arch), 2))


@dataclass
class Seq2seqEngine:
    """A loaded seq2seq translator shared by all sessions (thread-safe through its scheduler)."""

    name: str
    description: str
    runtime: Seq2seqRuntime
    scheduler: BatchScheduler
    arch: str
    _pairs: tuple[LanguagePair, ...]

    def pairs(self) -> tuple[LanguagePair, ...]:
        return self._pairs

    def _check(self, source: str, target: str) -> None:
        if self.arch == "marian":
            if LanguagePair(source, target) not in self._pairs:
                have = ", ".join(map(str, self._pairs)) or "unknown (name it opus-mt-SRC-TGT)"
                raise NotFound(f"{self.name} translates {have}, not {source}-{target}")
            return
        langcodes.model_code(self.arch, source)
        langcodes.model_code(self.arch, target)

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self._check(source, target)
        futures = [
            self.scheduler.submit(self._batch, (source, target, output_budget(text)), (text, source, target))
            for text in texts
            if text.strip()
        ]
        results = iter([future.result() for future in futures])
        return [next(results) if text.strip() else "" for text in texts]

    def _batch(self, items: list[tuple[str, str, str]]) -> list[str]:
        _, source, target = items[0]
        texts = [item[0] for item in items]
        return self.runtime.translate(texts, source, target, max(map(output_budget, texts)))

    def close(self) -> None:
        self.scheduler.close()
        self.runtime.close()


def probe() -> str | None:
    return neural_common.probe()


def describe(context: EngineContext) -> list[EngineInfo]:
    infos = []
    for model in neural_common.store_models(context, FAMILY):
        m = model.manifest
        infos.append(
            EngineInfo(
                name=f"{FAMILY}:{m.name}",
                kind="mt",
                pairs=model_pairs(model),
                description=neural_common.model_description(m.arch, model),
            )
        )
    return infos


def load(model: str | None, context: EngineContext) -> Seq2seqEngine:
    stored = neural_common.open_model(context, FAMILY, model)
    placement = neural_common.place(context, stored)
    arch = stored.manifest.arch
    runtime = open_runtime(Path(stored.path), arch, placement, context.beam_size)
    return Seq2seqEngine(
        name=f"{FAMILY}:{stored.name}",
        description=f"{arch} {stored.name} ({placement.describe()})",
        runtime=runtime,
        scheduler=BatchScheduler(neural_common.scheduler_options(context), name=f"seq2seq-{stored.name}"),
        arch=arch,
        _pairs=model_pairs(stored),
    )
