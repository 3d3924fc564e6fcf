# mypy: disable-error-code="no-untyped-call"
"""Batch inference over whole utterances for evaluation: a store model as a plain function.

Evaluation measures the checkpoint, not the streaming policy: each recording is decoded in one call
(greedy), each sentence translated in one call. Whisper: CTranslate2 entries through faster-whisper,
transformers entries through `generate` (the window is the checkpoint's own, so tiny short-window models
trained by `tolk train asr` work too). Seq2seq: transformers or CTranslate2, as the entry was stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tolk.common.dsp import Samples, resample
from tolk.common.errors import InvalidArgument
from tolk.common.langcodes import model_code
from tolk.models.store import StoredModel

SAMPLE_RATE_HZ = 16_000
HOP_SAMPLES = 160
MAX_NEW_TOKENS = 128

Recognizer = Callable[[Samples, str], str]
Translator = Callable[[list[str], str, str], list[str]]


def read_audio(path: Path) -> Samples:
    """A recording as 16 kHz mono float32."""
    import soundfile

    audio, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    return resample(np.asarray(audio.mean(axis=1), dtype=np.float32), int(rate), SAMPLE_RATE_HZ)


def recognizer(model: StoredModel, device: str = "cpu") -> Recognizer:
    if model.manifest.kind != "asr":
        raise InvalidArgument(f"{model.name} is a {model.manifest.kind} model, not speech recognition")
    if model.manifest.runtime == "ctranslate2":
        return _faster_whisper(model.path, device)
    return _torch_whisper(model.path, device)


def _faster_whisper(path: Path, device: str) -> Recognizer:
    from faster_whisper import WhisperModel

    compute = "float32" if device == "cpu" else "default"  # the engine also runs fp16 entries as fp32 on CPU
    whisper = WhisperModel(str(path), device=device, compute_type=compute)

    def run(audio: Samples, language: str) -> str:
        segments, _ = whisper.transcribe(
            audio, language=language, beam_size=1, condition_on_previous_text=False, vad_filter=False
        )
        return " ".join(segment.text.strip() for segment in segments).strip()

    return run


def _torch_whisper(path: Path, device: str) -> Recognizer:
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    from tolk.models.quiet import quiet_transformers

    quiet_transformers()
    processor: Any = WhisperProcessor.from_pretrained(path)
    network: Any = WhisperForConditionalGeneration.from_pretrained(path)
    network = network.to(device).eval()
    window = int(network.config.max_source_positions) * 2 * HOP_SAMPLES
    multilingual = bool(getattr(network.generation_config, "lang_to_id", None))

    def run(audio: Samples, language: str) -> str:
        features = processor.feature_extractor(
            audio[:window], sampling_rate=SAMPLE_RATE_HZ, padding="max_length", max_length=window,
            return_tensors="pt",
        ).input_features.to(device)  # fmt: skip
        extra = {"language": language, "task": "transcribe"} if multilingual else {}
        with torch.inference_mode():
            out = network.generate(features, max_new_tokens=MAX_NEW_TOKENS, num_beams=1, **extra)
        return str(processor.tokenizer.batch_decode(out, skip_special_tokens=True)[0]).strip()

    return run


def translator(model: StoredModel, device: str = "cpu") -> Translator:
    if model.manifest.kind != "mt":
        raise InvalidArgument(f"{model.name} is a {model.manifest.kind} model, not translation")
    from transformers import AutoTokenizer

    from tolk.models.quiet import quiet_transformers

    quiet_transformers()
    arch = model.manifest.arch
    tokenizer: Any = AutoTokenizer.from_pretrained(model.path)
    if model.manifest.runtime == "ctranslate2":
        return _ct2_translator(model.path, arch, tokenizer, device)
    import torch
    from transformers import AutoModelForSeq2SeqLM

    network = AutoModelForSeq2SeqLM.from_pretrained(model.path).to(device).eval()

    def run(texts: list[str], source: str, target: str) -> list[str]:
        if arch != "marian":
            tokenizer.src_lang = model_code(arch, source)
        batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True).to(device)
        forced = _target_token(arch, tokenizer, target)
        extra = {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(forced)} if forced else {}
        with torch.inference_mode():
            budget = min(MAX_NEW_TOKENS, 2 * int(batch["input_ids"].shape[1]) + 8)
            out = network.generate(**batch, num_beams=1, max_new_tokens=budget, **extra)
        return [str(t).strip() for t in tokenizer.batch_decode(out, skip_special_tokens=True)]

    return run


def _target_token(arch: str, tokenizer: Any, target: str) -> str | None:
    if arch == "marian":
        return None
    code = model_code(arch, target)
    return str(tokenizer.lang_code_to_token[code]) if arch == "m2m100" else code


def _ct2_translator(path: Path, arch: str, tokenizer: Any, device: str) -> Translator:
    import ctranslate2

    engine = ctranslate2.Translator(str(path), device=device)

    def run(texts: list[str], source: str, target: str) -> list[str]:
        if arch != "marian":
            tokenizer.src_lang = model_code(arch, source)
        tokens = [tokenizer.convert_ids_to_tokens(tokenizer.encode(text)) for text in texts]
        forced = _target_token(arch, tokenizer, target)
        results = engine.translate_batch(
            tokens, target_prefix=[[forced]] * len(texts) if forced else None, beam_size=1,
            max_decoding_length=min(MAX_NEW_TOKENS, 2 * max(map(len, tokens)) + 8),
        )  # fmt: skip
        outputs = []
        for result in results:
            hypothesis = result.hypotheses[0][1:] if forced else result.hypotheses[0]
            ids = tokenizer.convert_tokens_to_ids(hypothesis)
            outputs.append(str(tokenizer.decode(ids, skip_special_tokens=True)).strip())
        return outputs

    return run
