"""Which engines `tolk translate --offline` (and the app's offline mode) use by default.

Rule (issue 3, item 6): int8 neural engines when the store has them, else the zero-download engines
(pocketsphinx + Apertium). Among int8 entries CTranslate2 is preferred over torch int8: it needs neither
torch nor its 750 MB install, uses 3-4x less memory and its latency is within the noise of torch int8 on
2 cores (see bench/neural.py and the README numbers).
"""

from __future__ import annotations

from backend.engines.base import LanguagePair
from models.store import ModelStore, StoredModel

FALLBACK_ASR = "pocketsphinx"
FALLBACK_MT = "apertium"
RUNTIME_PREFERENCE = ("ctranslate2", "torch")


def _rank(model: StoredModel) -> tuple[int, bool, str]:
    """CTranslate2 first; a bilingual Marian model (small, fast) before a multilingual one."""
    return (RUNTIME_PREFERENCE.index(model.manifest.runtime), model.manifest.arch != "marian", model.name)


def _int8(store: ModelStore, family: str) -> list[StoredModel]:
    found = [m for m in store.find(family) if m.manifest.precision == "int8"]
    return sorted(found, key=_rank)


def _translates(model: StoredModel, source: str | None, target: str | None) -> bool:
    if source is None or target is None:
        return True
    from backend.engines.seq2seq_mt import model_pairs

    return LanguagePair(source, target) in model_pairs(model)


def offline_engine_specs(
    store: ModelStore | None, source: str | None = None, target: str | None = None
) -> tuple[str, str, str]:
    """(asr_spec, mt_spec, reason): the int8 neural engines in the store, else pocketsphinx/apertium."""
    if store is None:
        return FALLBACK_ASR, FALLBACK_MT, "no model store; using the zero-download engines"
    asr = next(iter(_int8(store, "whisper")), None)
    mt = next((m for m in _int8(store, "seq2seq") if _translates(m, source, target)), None)
    asr_spec = f"whisper:{asr.name}" if asr else FALLBACK_ASR
    mt_spec = f"seq2seq:{mt.name}" if mt else FALLBACK_MT
    parts = [
        f"ASR {asr_spec} ({asr.manifest.runtime} int8 from the store)"
        if asr
        else f"ASR {FALLBACK_ASR} "
        "(no int8 Whisper in the store; `tolk models pull openai/whisper-base` + `tolk models quantize`)",
        f"MT {mt_spec} ({mt.manifest.runtime} int8 from the store)"
        if mt
        else f"MT {FALLBACK_MT} (no int8 seq2seq model for this pair in the store)",
    ]
    return asr_spec, mt_spec, "; ".join(parts)
