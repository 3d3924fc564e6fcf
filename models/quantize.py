"""int8 variants of a stored checkpoint: torch dynamic quantization and CTranslate2 int8.

`tolk models quantize NAME` adds two store entries derived from NAME:
  NAME-int8      the same checkpoint files, loaded with torch dynamic int8 quantization of every Linear
                 layer (quantizing at load takes well under a second, so the weights stay in their
                 portable safetensors form);
  NAME-ct2-int8  a CTranslate2 model converted from the same checkpoint with int8 weights.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tolk.common.errors import FailedPrecondition, InvalidArgument
from tolk.models.store import ModelStore, StoredModel

TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json",
    "merges.txt", "normalizer.json", "source.spm", "target.spm", "sentencepiece.bpe.model",
    "preprocessor_config.json", "processor_config.json", "generation_config.json",
)  # fmt: skip


def _converter(source: Path, arch: str) -> Any:
    from ctranslate2.converters import TransformersConverter

    copy_files = [name for name in TOKENIZER_FILES if (source / name).is_file()]

    class Converter(TransformersConverter):  # type: ignore[misc]
        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            tokenizer = super().load_tokenizer(tokenizer_class, model_name_or_path, **kwargs)
            return _LanguageTokens(tokenizer) if arch == "m2m100" else tokenizer

    return Converter(str(source), copy_files=copy_files)


class _LanguageTokens:
    """Exposes M2M100's language tokens as `additional_special_tokens` in `special_tokens_map`, where the
    CTranslate2 converter looks for them (transformers 5 no longer lists them there)."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)

    @property
    def special_tokens_map(self) -> dict[str, Any]:
        tokens = sorted(self._tokenizer.lang_token_to_id, key=self._tokenizer.lang_token_to_id.get)
        return {**self._tokenizer.special_tokens_map, "additional_special_tokens": tokens}


def convert_ct2(source: Path, out: Path, arch: str, quantization: str = "int8") -> Path:
    """Converts a transformers checkpoint directory to CTranslate2 (tokenizer files copied alongside)."""
    from tolk.models.quiet import quiet_transformers

    quiet_transformers()
    try:
        _converter(source, arch).convert(str(out), quantization=quantization, force=True)
    except (ValueError, KeyError, OSError) as exc:
        raise FailedPrecondition(f"CTranslate2 conversion of {source} failed: {exc}") from exc
    return out


def quantize(store: ModelStore, name: str) -> list[StoredModel]:
    """Adds NAME-int8 (torch) and NAME-ct2-int8 (CTranslate2) to the store; returns the new entries."""
    model = store.verify(store.get(name))
    manifest = model.manifest
    if manifest.runtime != "torch" or manifest.precision != "fp32":
        raise InvalidArgument(f"quantize takes an fp32 torch checkpoint; {name} is {manifest.precision} "
                              f"{manifest.runtime}")  # fmt: skip
    common: dict[str, Any] = {
        "source": manifest.source, "revision": manifest.revision, "arch": manifest.arch, "parent": name,
        "action": "quantize",
    }  # fmt: skip
    created = [
        store.import_dir(model.path, f"{name}-int8", precision="int8", runtime="torch", link=True, **common)
    ]
    with tempfile.TemporaryDirectory(prefix="tolk-ct2-") as work:
        out = convert_ct2(model.path, Path(work) / "ct2", manifest.arch)
        created.append(
            store.import_dir(out, f"{name}-ct2-int8", precision="int8", runtime="ctranslate2", **common)
        )
    return created
