# mypy: disable-error-code="no-untyped-call"
"""Random-weight checkpoints with the exact on-disk layout of real ones (tests and bench).

Compute does not depend on weight values, so a full-size architecture with random weights measures
speed and memory like the real model; tiny sizes make tests fast. Tokenizers are trained on a few
sentences, then everything is written with `save_pretrained`, so loading goes through exactly the code
path a downloaded checkpoint takes. Nothing here touches the network.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = (
    "the quick brown fox jumps over the lazy dog",
    "hello world this is a test of the speech interpreter",
    "she sells sea shells by the sea shore",
    "good morning how are you today my friend",
    "el perro come la comida en la casa grande",
    "der hund isst das essen im grossen haus",
    "le chien mange la nourriture dans la maison",
    "one two three four five six seven eight nine ten",
)
WHISPER_LANGUAGES = ("en", "de", "es", "fr")
WHISPER_SPECIALS = ("<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>")


@dataclass(frozen=True)
class WhisperSize:
    """Transformer sizes of a Whisper checkpoint (tiny test size by default)."""

    d_model: int = 64
    layers: int = 2
    heads: int = 2
    ffn: int = 128
    vocab_size: int = 51865  # CTranslate2 treats smaller vocabularies as English-only models
    n_mels: int = 80
    window_positions: int = 1500  # encoder positions: 2 mel frames each, 1500 = Whisper's 30 s window


WHISPER_SIZES = {
    "tiny": WhisperSize(384, 4, 6, 1536, 51865),
    "base": WhisperSize(512, 6, 8, 2048, 51865),
    "small": WhisperSize(768, 12, 12, 3072, 51865),
}


def _bpe_vocab(
    extra: tuple[str, ...], size: int, all_bytes: bool = False
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A small byte-level BPE vocabulary; `all_bytes` keeps every byte symbol, so any text encodes
    (faster-whisper's tokenizer encodes punctuation and music symbols to suppress them)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    alphabet = pre_tokenizers.ByteLevel.alphabet() if all_bytes else []
    trainer = trainers.BpeTrainer(vocab_size=size, show_progress=False, initial_alphabet=alphabet)
    tok.train_from_iterator(list(CORPUS) + [" " + s for s in CORPUS], trainer)
    data = json.loads(tok.to_str())
    vocab: dict[str, int] = data["model"]["vocab"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]
    for token in extra:
        vocab[token] = len(vocab)
    return vocab, merges  # type: ignore[return-value]


def build_whisper(
    out: Path, size: WhisperSize | None = None, seed: int = 0, suppress_eot: bool = False
) -> Path:
    """Writes a random-weight Whisper checkpoint (model + processor + generation config) to `out`.

    `suppress_eot` forbids the end token, so every decode runs to its token limit (bench timing).
    """
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    size = size or WhisperSize()
    langs = tuple(f"<|{code}|>" for code in WHISPER_LANGUAGES)
    specials = ("<|endoftext|>", "<|startoftranscript|>", *langs, *WHISPER_SPECIALS, "<|notimestamps|>")
    vocab, merges = _bpe_vocab((), 400, all_bytes=True)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = WhisperTokenizer(vocab=vocab, merges=merges)
    tokenizer.add_special_tokens({"additional_special_tokens": list(specials[1:])})
    tokenizer.add_tokens(["<|endoftext|>"], special_tokens=True)
    ids = {tok: int(tokenizer.convert_tokens_to_ids(tok)) for tok in specials}  # type: ignore[arg-type]
    processor = WhisperProcessor(WhisperFeatureExtractor(feature_size=size.n_mels), tokenizer)
    vocab_size = max(size.vocab_size, len(tokenizer))
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=vocab_size,
        num_mel_bins=size.n_mels,
        d_model=size.d_model,
        encoder_layers=size.layers,
        decoder_layers=size.layers,
        encoder_attention_heads=size.heads,
        decoder_attention_heads=size.heads,
        encoder_ffn_dim=size.ffn,
        decoder_ffn_dim=size.ffn,
        max_target_positions=448,
        max_source_positions=size.window_positions,
        pad_token_id=eot,
        bos_token_id=eot,
        eos_token_id=eot,
        decoder_start_token_id=sot,
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    with torch.no_grad():  # ids past the tokenizer (timestamp slots) get zero logits: text stays readable
        model.model.decoder.embed_tokens.weight[len(tokenizer) :] = 0.0
    model.generation_config = GenerationConfig(
        decoder_start_token_id=sot,
        eos_token_id=eot,
        pad_token_id=eot,
        bos_token_id=eot,
        max_length=448,
        is_multilingual=True,
        lang_to_id={tok: ids[tok] for tok in langs},
        task_to_id={"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
        no_timestamps_token_id=ids["<|notimestamps|>"],
        prev_sot_token_id=ids["<|startofprev|>"],
        suppress_tokens=[eot] if suppress_eot else [],
        begin_suppress_tokens=[eot],
    )
    model.save_pretrained(out)
    processor.save_pretrained(out)
    return out


def _train_spm(
    out: Path, vocab_size: int, user_symbols: tuple[str, ...] = (), corpus: Sequence[str] = CORPUS
) -> Path:
    import sentencepiece as spm

    stream = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(corpus) * 4),
        model_writer=stream,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        user_defined_symbols=list(user_symbols),
    )
    out.write_bytes(stream.getvalue())
    return out


def _spm_pieces(path: Path) -> list[str]:
    import sentencepiece as spm

    proc = spm.SentencePieceProcessor(model_file=str(path))
    return [proc.id_to_piece(i) for i in range(proc.get_piece_size())]


def build_marian(
    out: Path,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 2,
    ffn: int = 64,
    seed: int = 0,
    corpus: Sequence[str] = CORPUS,
    spm_vocab_size: int = 120,
    **extra: Any,
) -> Path:
    """Writes a random-weight Marian (opus-mt layout) checkpoint to `out` (its SentencePiece model is
    trained on `corpus`: pass the training text when the model is to be trained from scratch)."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    work = out / ".spm"
    work.mkdir(exist_ok=True)
    spm_path = _train_spm(work / "source.spm", spm_vocab_size, corpus=corpus)
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in _spm_pieces(spm_path):
        vocab.setdefault(piece, len(vocab))
    for index in range(len(vocab), extra.pop("vocab_size", 0) - 1):  # full-size vocabulary (bench)
        vocab[f"<extra_{index}>"] = index
    vocab["<pad>"] = len(vocab)
    (work / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = MarianTokenizer(str(spm_path), str(spm_path), str(work / "vocab.json"))
    vocab_size = len(vocab)
    config = MarianConfig(
        vocab_size=vocab_size,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=512,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        **extra,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    return _save(model, tokenizer, out, work)


def build_m2m100(out: Path, d_model: int = 32, layers: int = 2, heads: int = 2, seed: int = 0) -> Path:
    """Writes a random-weight M2M100 checkpoint (multilingual, language tokens) to `out`."""
    from transformers import M2M100Tokenizer

    out.mkdir(parents=True, exist_ok=True)
    work = out / ".spm"
    work.mkdir(exist_ok=True)
    spm_path = _train_spm(work / "sentencepiece.bpe.model", 120)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _spm_pieces(spm_path):
        vocab.setdefault(piece, len(vocab))
    (work / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = M2M100Tokenizer(str(work / "vocab.json"), str(spm_path))
    lang_ids = [tokenizer.get_lang_id(code) for code in tokenizer.lang_code_to_id]
    model = _m2m100_model(max(lang_ids) + 1 + 8, d_model, layers, heads, seed)
    return _save(model, tokenizer, out, work)


def build_nllb(out: Path, d_model: int = 32, layers: int = 2, heads: int = 2, seed: int = 0) -> Path:
    """Writes a random-weight NLLB-200 checkpoint (M2M100 architecture, NllbTokenizer with FLORES-200
    language tokens such as eng_Latn) to `out`."""
    from transformers import NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    out.mkdir(parents=True, exist_ok=True)
    work = out / ".spm"
    work.mkdir(exist_ok=True)
    _train_spm(work / "sentencepiece.bpe.model", 120)
    tokenizer = NllbTokenizer.from_pretrained(str(work))  # converts the SentencePiece model
    tokenizer.add_special_tokens({"additional_special_tokens": list(FAIRSEQ_LANGUAGE_CODES)})
    model = _m2m100_model(len(tokenizer), d_model, layers, heads, seed)
    return _save(model, tokenizer, out, work)


def _m2m100_model(vocab_size: int, d_model: int, layers: int, heads: int, seed: int) -> Any:
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    config = M2M100Config(
        vocab_size=vocab_size,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=d_model * 2,
        decoder_ffn_dim=d_model * 2,
        max_position_embeddings=512,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(seed)
    return M2M100ForConditionalGeneration(config)


def _save(model: Any, tokenizer: Any, out: Path, work: Path) -> Path:
    """Saves model and tokenizer as a hub checkpoint is laid out; drops the work files."""
    model.generation_config.max_length = 64
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    shutil.rmtree(work)
    return out


def build_marian_hub_layout(out: Path, source: str = "en", target: str = "de", **size: Any) -> Path:
    """A Marian checkpoint as Helsinki-NLP/opus-mt-SRC-TGT serves it on the hub: the same files as
    `build_marian`, but tokenizer_config.json holds only the language pair (no `tokenizer_class`), as
    the opus-mt repositories' do, and a README.md model card sits beside them."""
    build_marian(out, **size)
    (out / "tokenizer_config.json").write_text(json.dumps({"target_lang": target, "source_lang": source}))
    (out / "special_tokens_map.json").unlink(missing_ok=True)
    (out / "README.md").write_text(
        f"---\ntags: [translation]\n---\n# opus-mt-{source}-{target} (random weights)\n"
    )
    return out
