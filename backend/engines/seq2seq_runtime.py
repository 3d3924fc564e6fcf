"""Seq2seq translation backends: transformers/PyTorch and CTranslate2 for Marian, M2M100 and NLLB-200."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any, Protocol

from tolk.backend.engines.neural_common import Placement, torch_model
from tolk.common.langcodes import model_code
from tolk.models.quiet import quiet_transformers

MAX_OUTPUT_TOKENS = 256
CHARS_PER_BUCKET = 40
LANG_TOKEN_RE = re.compile(r"__[a-z]{2,3}__")
TOKENIZER_CLASSES = {"marian": "MarianTokenizer", "m2m100": "M2M100Tokenizer", "nllb": "NllbTokenizer"}


def load_tokenizer(model_dir: Path, arch: str) -> Any:
    """The checkpoint's tokenizer, also where AutoTokenizer cannot tell its class.

    AutoTokenizer reads the class from tokenizer_config.json's `tokenizer_class` or config.json's
    `model_type`. Checkpoints as the hub serves them (Helsinki-NLP/opus-mt-*: tokenizer_config.json is
    just the language pair) name no class, and a CTranslate2 conversion's config.json is CTranslate2's own,
    with no `model_type`: there the store's architecture picks the class.
    """
    import transformers

    config_path = model_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    if config.get("tokenizer_class") or arch not in TOKENIZER_CLASSES:
        return transformers.AutoTokenizer.from_pretrained(model_dir)
    return getattr(transformers, TOKENIZER_CLASSES[arch]).from_pretrained(model_dir)


def _clean(arch: str, text: str) -> str:
    """Decoded text without M2M100 language tokens (transformers 5 does not mark them special)."""
    return (LANG_TOKEN_RE.sub("", text) if arch == "m2m100" else text).strip()


class Seq2seqRuntime(Protocol):
    def translate(self, texts: list[str], source: str, target: str, max_tokens: int) -> list[str]: ...

    def close(self) -> None: ...


def _target_token(arch: str, tokenizer: Any, target: str) -> str | None:
    """The token a multilingual model must start its output with (None for Marian)."""
    if arch == "marian":
        return None
    code = model_code(arch, target)
    return str(tokenizer.lang_code_to_token[code]) if arch == "m2m100" else code


def _set_source(arch: str, tokenizer: Any, source: str) -> None:
    if arch != "marian":
        tokenizer.src_lang = model_code(arch, source)


class TorchSeq2seq:
    """transformers AutoModelForSeq2SeqLM (Marian, M2M100, NLLB)."""

    def __init__(self, model_dir: Path, arch: str, placement: Placement, beam_size: int) -> None:
        from transformers import AutoModelForSeq2SeqLM

        quiet_transformers()
        self.arch = arch
        self.placement = placement
        self.tokenizer = load_tokenizer(model_dir, arch)
        self.model = torch_model(AutoModelForSeq2SeqLM.from_pretrained(model_dir), placement)
        self.config = copy.deepcopy(self.model.generation_config)
        self.config.max_length = None
        self.config.num_beams = beam_size

    def translate(self, texts: list[str], source: str, target: str, max_tokens: int) -> list[str]:
        import torch

        _set_source(self.arch, self.tokenizer, source)
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=True)
        batch = batch.to(self.placement.device)
        token = _target_token(self.arch, self.tokenizer, target)
        extra = {"forced_bos_token_id": self.tokenizer.convert_tokens_to_ids(token)} if token else {}
        with torch.inference_mode():
            out = self.model.generate(
                **batch, generation_config=self.config, max_new_tokens=max_tokens, **extra
            )
        return [_clean(self.arch, t) for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def close(self) -> None:
        self.model = None


class Ct2Seq2seq:
    """ctranslate2.Translator converted from the same checkpoint, with the checkpoint's tokenizer."""

    def __init__(self, model_dir: Path, arch: str, placement: Placement, beam_size: int) -> None:
        import ctranslate2

        quiet_transformers()
        device, index = placement.ct2_device
        self.arch = arch
        self.beam_size = beam_size
        self.tokenizer = load_tokenizer(model_dir, arch)
        self.translator = ctranslate2.Translator(
            str(model_dir), device=device, device_index=index, compute_type=placement.ct2_compute_type
        )

    def translate(self, texts: list[str], source: str, target: str, max_tokens: int) -> list[str]:
        _set_source(self.arch, self.tokenizer, source)
        tokens = [self.tokenizer.convert_ids_to_tokens(self.tokenizer.encode(text)) for text in texts]
        token = _target_token(self.arch, self.tokenizer, target)
        results = self.translator.translate_batch(
            tokens,
            target_prefix=[[token]] * len(texts) if token else None,
            beam_size=self.beam_size,
            max_decoding_length=max_tokens + (1 if token else 0),
        )
        outputs = []
        for result in results:
            hypothesis = result.hypotheses[0][1:] if token else result.hypotheses[0]
            ids = self.tokenizer.convert_tokens_to_ids(hypothesis)
            outputs.append(_clean(self.arch, str(self.tokenizer.decode(ids, skip_special_tokens=True))))
        return outputs

    def close(self) -> None:
        self.translator = None


def output_budget(text: str) -> int:
    """Most output tokens for one input: generous for real models (they stop at EOS long before), and a
    function of the input's length bucket only, so batching same-bucket inputs changes no output."""
    return min(MAX_OUTPUT_TOKENS, 16 + 16 * math.ceil(len(text) / CHARS_PER_BUCKET))


def open_runtime(model_dir: Path, arch: str, placement: Placement, beam_size: int) -> Seq2seqRuntime:
    kind = Ct2Seq2seq if placement.runtime == "ctranslate2" else TorchSeq2seq
    return kind(model_dir, arch, placement, beam_size)
