"""Whisper inference backends: faster-whisper over CTranslate2, and transformers/PyTorch.

Both take 16 kHz audio and return text; the engine above streams, batches and commits. A request is a
partial (one greedy pass, the committed words forced as its start) or a final (the reference decode:
for CTranslate2 exactly faster-whisper's `WhisperModel.transcribe` with `final_options`, i.e. the 30 s
window, temperature fallback and the compression-ratio, log-prob and no-speech guards; for torch
`generate` on the 30 s window). Nothing heavy is imported until a runtime is constructed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tolk.backend.engines.base import SegmentSignals
from tolk.backend.engines.neural_common import Placement, torch_model
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples
from tolk.common.errors import FailedPrecondition
from tolk.models.quiet import quiet_transformers

ENGLISH = "en"
UNKNOWN_LANGUAGE = "und"
WINDOW_S = 30
MAX_NEW_TOKENS = 220
PARTIAL_BUCKET_S = 5
HOP_SAMPLES = 160
"""Log-mel hop: one encoder position per two frames."""


@dataclass(frozen=True)
class DecodeRequest:
    """One decode of one stream's audio.

    Attributes:
        audio: the window, at most WINDOW_S seconds.
        language: ISO code, or None to detect it from this audio.
        task: "transcribe" or "translate".
        final: the reference decode (True) or a cheap partial (False).
        prompt: earlier text of the same speech, given as context (never forced into the output).
        prefix: committed words forced as the start of a partial (ignored for finals).
    """

    audio: Samples
    language: str | None
    task: str
    final: bool
    prompt: str = ""
    prefix: str = ""


@dataclass(frozen=True)
class Decoded:
    """What a decode produced.

    Attributes:
        text: the transcript of the whole window (a partial includes its forced prefix).
        language: the given or detected language.
        tokens: the text tokens (CTranslate2 runtime), for exact comparisons with the reference.
        signals: the confidence of each decoded segment (CTranslate2 runtime).
    """

    text: str
    language: str
    tokens: tuple[int, ...] = ()
    signals: tuple[SegmentSignals, ...] = ()


def _json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())) if path.is_file() else {}


def checkpoint_languages(model_dir: Path) -> tuple[str, ...]:
    """ISO codes the checkpoint recognizes, read from its files (English-only checkpoints: just "en").

    transformers layout: generation_config.json's lang_to_id; CTranslate2 (Systran) layout: config.json's
    lang_ids, named through tokenizer.json.
    """
    lang_to_id = _json(model_dir / "generation_config.json").get("lang_to_id") or {}
    if not lang_to_id:
        lang_ids = set(_json(model_dir / "config.json").get("lang_ids") or ())
        added = _json(model_dir / "tokenizer.json").get("added_tokens") or []
        lang_to_id = {t["content"]: t["id"] for t in added if t.get("id") in lang_ids}
    return tuple(sorted(str(tok).strip("<|>") for tok in lang_to_id)) or (ENGLISH,)


class WhisperRuntime(Protocol):
    languages: tuple[str, ...]

    def detect(self, audios: list[Samples]) -> list[str]:
        """The most likely language of each audio."""

    def language_scores(self, audios: list[Samples]) -> list[list[tuple[str, float]]]:
        """Each audio's (language, probability) for every language (restricting detection to a few)."""

    def decode(self, requests: list[DecodeRequest]) -> list[Decoded]:
        """One result per request (a batch shares `final` and `task`)."""

    def close(self) -> None: ...


def final_options(beam_size: int, prompt: str = "") -> dict[str, Any]:
    """faster-whisper `transcribe` options of a final: its defaults (the 30 s window, temperature
    fallback 0.0-1.0, compression ratio 2.4, log-prob -1.0, no-speech 0.6, timestamps), without its own
    VAD filter. The window is named because a partial's shorter one stays set on the model."""
    return {
        "beam_size": beam_size,
        "vad_filter": False,
        "initial_prompt": prompt or None,
        "chunk_length": WINDOW_S,
    }


def partial_window_s(samples: int) -> int:
    """A partial's window: the audio rounded up to PARTIAL_BUCKET_S (the encoder's cost grows with it)."""
    return min(WINDOW_S, PARTIAL_BUCKET_S * max(1, math.ceil(samples / SAMPLE_RATE_HZ / PARTIAL_BUCKET_S)))


def partial_options(samples: int, prompt: str = "", prefix: str = "") -> dict[str, Any]:
    """One greedy pass over a short window, no fallback: partials are cheap previews that the final
    replaces (the final always decodes the full 30 s window)."""
    return {
        "chunk_length": partial_window_s(samples),
        "beam_size": 1,
        "temperature": 0.0,
        "without_timestamps": True,
        "condition_on_previous_text": False,
        "vad_filter": False,
        "initial_prompt": prompt or None,
        "prefix": prefix or None,
        "max_new_tokens": MAX_NEW_TOKENS,
    }


class FasterWhisper:
    """faster-whisper's WhisperModel over a CTranslate2 checkpoint (Systran layout; no transformers)."""

    def __init__(self, model_dir: Path, placement: Placement, beam_size: int) -> None:
        from faster_whisper import WhisperModel

        if not (model_dir / "tokenizer.json").is_file():
            raise FailedPrecondition(f"{model_dir} lacks tokenizer.json (not a CTranslate2 Whisper model?)")
        device, index = placement.ct2_device
        self.beam_size = beam_size
        self.model = WhisperModel(
            str(model_dir), device=device, device_index=index, compute_type=placement.ct2_compute_type
        )
        self.languages = checkpoint_languages(model_dir)

    def detect(self, audios: list[Samples]) -> list[str]:
        if not self.model.model.is_multilingual:
            return [ENGLISH] * len(audios)
        return [str(self.model.detect_language(audio)[0]) for audio in audios]

    def language_scores(self, audios: list[Samples]) -> list[list[tuple[str, float]]]:
        if not self.model.model.is_multilingual:
            return [[(ENGLISH, 1.0)] for _ in audios]
        return [[(str(c), float(p)) for c, p in self.model.detect_language(audio)[2]] for audio in audios]

    def options(self, request: DecodeRequest) -> dict[str, Any]:
        if request.final:
            return final_options(self.beam_size, request.prompt)
        return partial_options(len(request.audio), request.prompt, request.prefix)

    def _one(self, request: DecodeRequest) -> Decoded:
        segments, info = self.model.transcribe(
            request.audio, language=request.language, task=request.task, **self.options(request)
        )
        found = list(segments)
        tokens = tuple(token for segment in found for token in segment.tokens)
        signals = tuple(SegmentSignals(s.avg_logprob, s.no_speech_prob, s.compression_ratio) for s in found)
        return Decoded("".join(s.text for s in found).strip(), str(info.language), tokens, signals)

    def decode(self, requests: list[DecodeRequest]) -> list[Decoded]:
        return [self._one(request) for request in requests]

    def close(self) -> None:
        self.model = None


class TorchWhisper:
    """transformers WhisperForConditionalGeneration; inputs always padded to the 30 s window.

    Partials and finals are the same `generate` call (no fallback, no prefix): what the checkpoint's
    own generation config does.
    """

    def __init__(self, model_dir: Path, placement: Placement, beam_size: int) -> None:
        from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperTokenizer

        quiet_transformers()
        self.placement = placement
        self.beam_size = beam_size
        self.tokenizer = WhisperTokenizer.from_pretrained(model_dir)
        self.features = WhisperFeatureExtractor.from_pretrained(model_dir)
        self.model = torch_model(WhisperForConditionalGeneration.from_pretrained(model_dir), placement)
        # the encoder's own window (30 s for real checkpoints; shorter for small trained ones)
        self.window = min(WINDOW_S * SAMPLE_RATE_HZ, self.model.config.max_source_positions * 2 * HOP_SAMPLES)
        self.languages = checkpoint_languages(model_dir)
        self._multilingual = (model_dir / "generation_config.json").is_file() and self.languages != (ENGLISH,)
        lang_to_id = _json(model_dir / "generation_config.json").get("lang_to_id") or {}
        self._token_langs = {int(i): str(tok).strip("<|>") for tok, i in lang_to_id.items()}

    def _tensor(self, audios: list[Samples]) -> Any:
        import torch

        out = self.features(
            [audio[: self.window] for audio in audios],
            sampling_rate=SAMPLE_RATE_HZ,
            padding="max_length",
            max_length=self.window,
            return_tensors="np",
        )
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.placement.precision, torch.float32)
        features = np.asarray(out["input_features"], dtype=np.float32)
        return torch.from_numpy(features).to(self.placement.device, dtype)

    def detect(self, audios: list[Samples]) -> list[str]:
        import torch

        if not self._multilingual:
            return [ENGLISH] * len(audios)
        with torch.inference_mode():
            ids = self.model.detect_language(input_features=self._tensor(audios))
        return [self._token_langs.get(int(i), UNKNOWN_LANGUAGE) for i in ids.reshape(-1).tolist()]

    def language_scores(self, audios: list[Samples]) -> list[list[tuple[str, float]]]:
        raise FailedPrecondition(
            "choosing a language among a few (conversation mode) needs a CTranslate2 Whisper model"
        )

    def _generate(self, audios: list[Samples], language: str, task: str) -> list[str]:
        import copy

        import torch

        config = copy.deepcopy(self.model.generation_config)
        config.max_length = None
        config.max_new_tokens = MAX_NEW_TOKENS
        config.num_beams = self.beam_size
        with torch.inference_mode():
            out = self.model.generate(
                self._tensor(audios),
                generation_config=config,
                language=language if self._multilingual else None,
                task=task if self._multilingual else None,
            )
        return [str(text).strip() for text in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def decode(self, requests: list[DecodeRequest]) -> list[Decoded]:
        unknown = [r.audio for r in requests if r.language is None]
        detected = iter(self.detect(unknown) if unknown else [])
        languages = [r.language if r.language is not None else next(detected) for r in requests]
        results: dict[int, Decoded] = {}
        for language in dict.fromkeys(languages):
            picked = [i for i, lang in enumerate(languages) if lang == language]
            texts = self._generate([requests[i].audio for i in picked], language, requests[0].task)
            results.update({i: Decoded(text, language) for i, text in zip(picked, texts, strict=True)})
        return [results[i] for i in range(len(requests))]

    def close(self) -> None:
        self.model = None


def open_runtime(model_dir: Path, placement: Placement, beam_size: int) -> WhisperRuntime:
    if placement.runtime == "ctranslate2":
        return FasterWhisper(model_dir, placement, beam_size)
    return TorchWhisper(model_dir, placement, beam_size)
