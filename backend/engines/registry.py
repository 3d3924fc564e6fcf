"""Which engines are installed, and loading them by spec: "family" or "family:model".

Each engine family is one module that exposes three functions:

    probe() -> str | None                          # None when usable, else why not (one line)
    describe(context) -> list[EngineInfo]          # installed variants, without loading models
    load(model: str | None, context) -> AsrEngine | MtEngine

Modules are imported only when asked for, so a missing optional dependency (torch) never breaks the rest.
"""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal, cast

from tolk.backend.engines.base import AsrEngine, MtEngine
from tolk.common.errors import FailedPrecondition, NotFound, ResourceExhausted, TolkError
from tolk.common.langcodes import LanguagePair

Kind = Literal["asr", "mt"]

FAMILIES: dict[str, tuple[Kind, str]] = {
    "pocketsphinx": ("asr", "tolk.backend.engines.pocketsphinx_asr"),
    "whisper": ("asr", "tolk.backend.engines.whisper_asr"),
    "apertium": ("mt", "tolk.backend.engines.apertium_mt"),
    "seq2seq": ("mt", "tolk.backend.engines.seq2seq_mt"),
}
DEFAULT_ASR = "pocketsphinx"
DEFAULT_MT = "apertium"
MAX_LOADED_ENGINES = 16
"""Most engines one registry keeps loaded; loading another raises ResourceExhausted."""
OFFERED_TTL_S = 10.0
"""How long the list of offered engines is reused before `installed()` is asked again."""
MAX_SPEC_ECHO_CHARS = 48


@dataclass(frozen=True)
class EngineContext:
    """What engines need from the entry point's configuration.

    Attributes:
        model_dir: root of the local model store, or None when no store is configured.
        device: "auto", "cpu" or "cuda[:N]".
        precision: "auto", "fp32", "fp16", "bf16" or "int8".
        beam_size: beam width for neural decoders.
        max_batch_size: most calls one batched neural model call serves (batching scheduler).
        max_wait_ms: longest a neural call waits for others to batch with.
    """

    model_dir: Path | None = None
    device: str = "auto"
    precision: str = "auto"
    beam_size: int = 1
    max_batch_size: int = 8
    max_wait_ms: float = 5.0


@dataclass(frozen=True)
class EngineInfo:
    """An installed engine variant, as listed by `tolk engines` and GetCapabilities."""

    name: str
    kind: Kind
    languages: tuple[str, ...] = ()
    pairs: tuple[LanguagePair, ...] = ()
    description: str = ""


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Splits "family:model" into its parts; a bare family has no model."""
    family, _, model = spec.strip().partition(":")
    return family, (model or None)


def canonical_spec(spec: str, context: EngineContext | None = None) -> str:
    """The form GetCapabilities lists: "family" or "family:model", stripped, with a store model named by
    hub id resolved to its store name ("whisper:openai/whisper-base" -> "whisper:whisper-base").

    Raises NotFound (naming `tolk models pull ID`) when the hub id has no store entry.
    """
    family, model = parse_spec(spec)
    model = model.strip() if model else None
    if not model:
        return family
    if context is None or family not in FAMILIES or "/" not in model:
        return f"{family}:{model}"
    from tolk.backend.engines.neural_common import canonical_name

    return f"{family}:{canonical_name(context, family, model)}"


def echo_spec(spec: str) -> str:
    """A client's spec made safe to quote in an error message (short, printable)."""
    shown = "".join(c if c.isprintable() else "?" for c in spec[:MAX_SPEC_ECHO_CHARS])
    return repr(shown + ("..." if len(spec) > MAX_SPEC_ECHO_CHARS else ""))


def _module(family: str) -> ModuleType:
    return importlib.import_module(FAMILIES[family][1])


@dataclass
class Registry:
    """Loads engines on first use and keeps them for every session that asks again."""

    context: EngineContext = field(default_factory=EngineContext)
    default_asr: str = DEFAULT_ASR
    default_mt: str = DEFAULT_MT
    _loaded: dict[str, AsrEngine | MtEngine] = field(default_factory=dict, init=False)
    _unlisted: dict[str, str] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _offered: dict[Kind, frozenset[str]] = field(default_factory=dict, init=False)
    _offered_at: float = field(default=-1e18, init=False)

    def asr(self, spec: str | None = None) -> AsrEngine:
        return cast(AsrEngine, self._get(spec or self.default_asr, "asr"))

    def mt(self, spec: str | None = None) -> MtEngine:
        return cast(MtEngine, self._get(spec or self.default_mt, "mt"))

    def _get(self, spec: str, kind: Kind) -> AsrEngine | MtEngine:
        family, model = parse_spec(spec)
        if FAMILIES.get(family, (None, ""))[0] != kind:
            known = ", ".join(name for name, (k, _) in FAMILIES.items() if k == kind)
            raise NotFound(f"unknown {kind.upper()} engine {echo_spec(spec)} (known: {known})")
        key = canonical_spec(spec, self.context)
        with self._lock:
            if key not in self._loaded:
                if len(self._loaded) >= MAX_LOADED_ENGINES:
                    raise ResourceExhausted(f"this server keeps at most {MAX_LOADED_ENGINES} engines loaded")
                module = _module(family)
                reason = module.probe()
                if reason:
                    raise FailedPrecondition(f"engine {family} is not usable: {reason}")
                self._loaded[key] = module.load(model, self.context)
            return self._loaded[key]

    def require_offered(self, kind: Kind, spec: str) -> None:
        """Raises NotFound unless a client may pick `spec`: a default, or an engine GetCapabilities lists.

        Engines exist by the operator's choice only; a client's spec never creates a new variant.
        """
        if canonical_spec(spec, self.context) not in self.offered(kind):
            offered = ", ".join(sorted(self.offered(kind))) or "none"
            raise NotFound(
                f"{kind.upper()} engine {echo_spec(spec)} is not offered here (offered: {offered})"
            )

    def offered(self, kind: Kind) -> frozenset[str]:
        """Canonical specs a client may pick: the defaults and what `installed()` lists (cached)."""
        now = time.monotonic()
        if now - self._offered_at >= OFFERED_TTL_S:
            infos = self.installed()
            defaults = {"asr": self.default_asr, "mt": self.default_mt}
            self._offered = {
                k: frozenset(
                    {canonical_spec(defaults[k], self.context)}
                    | {canonical_spec(i.name, self.context) for i in infos if i.kind == k}
                )
                for k in ("asr", "mt")
            }
            self._offered_at = now
        return self._offered[kind]

    def installed(self) -> list[EngineInfo]:
        """Every usable engine variant, without loading any model."""
        infos: list[EngineInfo] = []
        for family in FAMILIES:
            try:
                module = _module(family)
            except ImportError:
                continue
            if module.probe() is None:
                try:
                    infos.extend(module.describe(self.context))
                except TolkError as exc:  # one unreadable store entry must not hide every other engine
                    self._unlisted[family] = f"cannot list its models: {exc}"
        return infos

    def unavailable(self) -> dict[str, str]:
        """Families that cannot be used here, with the reason."""
        reasons: dict[str, str] = {}
        for family in FAMILIES:
            try:
                reason = _module(family).probe()
            except ImportError as exc:
                reason = f"not installed ({exc.name})"
            reason = reason or self._unlisted.get(family)
            if reason:
                reasons[family] = reason
        return reasons

    def close(self) -> None:
        with self._lock:
            for engine in self._loaded.values():
                engine.close()
            self._loaded.clear()
