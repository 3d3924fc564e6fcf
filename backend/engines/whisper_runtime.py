"""Whisper inference backends: transformers/PyTorch (fp32, fp16, bf16, int8) and CTranslate2 (int8...).

Both take batches of log-mel features of equal shape and return one text per item; the engine above
batches, pads and streams. Nothing is imported until a runtime is constructed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tolk.backend.engines.neural_common import Placement, torch_model
from tolk.common.errors import FailedPrecondition
from tolk.models.quiet import quiet_transformers

Features = np.ndarray[Any, np.dtype[np.float32]]
ENGLISH = "en"
MAX_DECODE_TOKENS = 440
MIN_NEW_TOKENS = 16


def _language_tokens(model_dir: Path) -> dict[str, int]:
    """Whisper language tokens ("<|en|>" -> id) from the generation config; {} for English-only models."""
    generation = model_dir / "generation_config.json"
    if not generation.is_file():
        raise FailedPrecondition(f"{model_dir} lacks generation_config.json (not a Whisper checkpoint?)")
    lang_to_id = json.loads(generation.read_text()).get("lang_to_id") or {}
    return {str(tok): int(i) for tok, i in lang_to_id.items()}


def checkpoint_languages(model_dir: Path) -> tuple[str, ...]:
    """ISO codes the checkpoint recognizes (English-only ".en" checkpoints: just "en")."""
    return tuple(sorted(tok.strip("<|>") for tok in _language_tokens(model_dir))) or (ENGLISH,)


class WhisperRuntime(Protocol):
    languages: tuple[str, ...]
    pads_to_window: bool

    def detect(self, features: list[Features]) -> list[str]: ...

    def decode(
        self, features: list[Features], language: str, task: str, max_tokens: int, prefixes: list[str]
    ) -> list[str]:
        """Full-window texts. A runtime may force each item's committed `prefix` as the start of its
        output (then only the rest is decoded); one that does not re-decodes everything."""

    def close(self) -> None: ...


class TorchWhisper:
    """transformers WhisperForConditionalGeneration; inputs always padded to the 30 s window."""

    pads_to_window = True

    def __init__(self, model_dir: Path, placement: Placement, beam_size: int) -> None:
        from transformers import WhisperForConditionalGeneration, WhisperTokenizer

        quiet_transformers()
        self.placement = placement
        self.beam_size = beam_size
        self.tokenizer = WhisperTokenizer.from_pretrained(model_dir)
        self.model = torch_model(WhisperForConditionalGeneration.from_pretrained(model_dir), placement)
        self._lang_tokens = _language_tokens(model_dir)
        self._token_langs = {i: tok.strip("<|>") for tok, i in self._lang_tokens.items()}
        self.languages = checkpoint_languages(model_dir)

    def _tensor(self, features: list[Features]) -> Any:
        import torch

        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.placement.precision, torch.float32)
        return torch.from_numpy(np.stack(features)).to(self.placement.device, dtype)

    def detect(self, features: list[Features]) -> list[str]:
        import torch

        if not self._lang_tokens:
            return [ENGLISH] * len(features)
        with torch.inference_mode():
            ids = self.model.detect_language(input_features=self._tensor(features))
        return [self._token_langs.get(int(i), "und") for i in ids.reshape(-1).tolist()]

    def decode(
        self, features: list[Features], language: str, task: str, max_tokens: int, prefixes: list[str]
    ) -> list[str]:
        import copy

        import torch

        config = copy.deepcopy(self.model.generation_config)
        config.max_length = None
        config.max_new_tokens = max_tokens
        config.num_beams = self.beam_size
        multilingual = bool(self._lang_tokens)
        with torch.inference_mode():
            out = self.model.generate(
                self._tensor(features),
                generation_config=config,
                language=language if multilingual else None,
                task=task if multilingual else None,
            )
        texts = self.tokenizer.batch_decode(out, skip_special_tokens=True)
        return [str(text).strip() for text in texts]

    def close(self) -> None:
        self.model = None


class Ct2Whisper:
    """ctranslate2.models.Whisper converted from the same checkpoint; accepts windows shorter than 30 s."""

    pads_to_window = False

    def __init__(self, model_dir: Path, placement: Placement, beam_size: int) -> None:
        import ctranslate2
        from tokenizers import Tokenizer

        device, index = placement.ct2_device
        self.beam_size = beam_size
        self.model = ctranslate2.models.Whisper(
            str(model_dir), device=device, device_index=index, compute_type=placement.ct2_compute_type
        )
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.languages = checkpoint_languages(model_dir)

    def _storage(self, features: list[Features]) -> Any:
        import ctranslate2

        return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(features)))

    def detect(self, features: list[Features]) -> list[str]:
        if not self.model.is_multilingual:
            return ["en"] * len(features)
        results = self.model.detect_language(self._storage(features))
        return [str(ranked[0][0]).strip("<|>") for ranked in results]

    def _prompt(self, language: str, task: str, prefix: str) -> list[int]:
        tokens = ["<|startoftranscript|>", f"<|{language}|>", f"<|{task}|>", "<|notimestamps|>"]
        if not self.model.is_multilingual:
            tokens = ["<|startoftranscript|>", "<|notimestamps|>"]
        ids = [self.tokenizer.token_to_id(token) for token in tokens]
        if None in ids:
            raise FailedPrecondition(f"the Whisper tokenizer lacks one of {tokens}; re-import the checkpoint")
        forced = self.tokenizer.encode(" " + prefix, add_special_tokens=False).ids if prefix else []
        return [int(i) for i in ids if i is not None] + list(forced)

    def decode(
        self, features: list[Features], language: str, task: str, max_tokens: int, prefixes: list[str]
    ) -> list[str]:
        """Forces each committed prefix (CTranslate2 returns it with the continuation)."""
        prompts = [self._prompt(language, task, prefix) for prefix in prefixes]
        longest = max(len(prompt) for prompt in prompts)
        results = self.model.generate(
            self._storage(features),
            prompts,
            beam_size=self.beam_size,
            max_length=min(MAX_DECODE_TOKENS, max(max_tokens, longest + MIN_NEW_TOKENS)),
        )
        return [self.tokenizer.decode(r.sequences_ids[0], skip_special_tokens=True).strip() for r in results]

    def close(self) -> None:
        self.model = None


def open_runtime(model_dir: Path, placement: Placement, beam_size: int) -> WhisperRuntime:
    if placement.runtime == "ctranslate2":
        return Ct2Whisper(model_dir, placement, beam_size)
    return TorchWhisper(model_dir, placement, beam_size)
