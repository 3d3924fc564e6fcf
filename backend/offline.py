"""The one offline builder: which engines run on this computer, and the in-process backend that runs them.

`tolk translate --offline`, the desktop app's Offline mode, `./dev demo` and the benches all start the
embedded backend through `embedded_backend`, so they pick the same engines and report them the same way.
It is the real server on a loopback port, spoken to over gRPC: the protocol and the client pipeline are
the same as with a remote server, only the engines load in this process.

Engine rule: neural engines when the store has them, else the zero-download engines (pocketsphinx +
Apertium), with the reason said. ASR: a CTranslate2 Whisper in any stored precision (it runs int8 on the
CPU; `./dev setup` installs the embedded Whisper base), else a torch int8 Whisper. MT: an int8 seq2seq
model for the pair. CTranslate2 is preferred over torch int8: it needs neither torch nor its 750 MB
install, uses 3-4x less memory and its latency is within the noise of torch int8 on 2 cores.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import DEFAULT_ASR, DEFAULT_MT, EngineContext, Registry
from tolk.backend.server import start_server
from tolk.common.langcodes import LanguagePair
from tolk.models.store import ModelStore, StoredModel

LOOPBACK = "127.0.0.1"
STOP_GRACE_S = 1.0
RUNTIME_PREFERENCE = ("ctranslate2", "torch")


@dataclass(frozen=True)
class OfflineEngines:
    """The engines an embedded backend runs by default.

    Attributes:
        asr: ASR engine spec, e.g. "whisper:whisper-base-ct2-int8" or "pocketsphinx".
        mt: MT engine spec, e.g. "apertium".
        reason: one line for people: where each engine comes from, or what to install for a better one.
    """

    asr: str = DEFAULT_ASR
    mt: str = DEFAULT_MT
    reason: str = "zero-download engines"

    def describe(self) -> str:
        """Short form for a status bar: "whisper:base-int8 + apertium"."""
        return f"{self.asr} + {self.mt}"


def _rank(model: StoredModel) -> tuple[int, bool, str]:
    """CTranslate2 first; a bilingual Marian model (small, fast) before a multilingual one."""
    return (RUNTIME_PREFERENCE.index(model.manifest.runtime), model.manifest.arch != "marian", model.name)


def _int8(store: ModelStore, family: str) -> list[StoredModel]:
    found = [m for m in store.find(family) if m.manifest.precision == "int8"]
    return sorted(found, key=_rank)


def _whisper(store: ModelStore) -> StoredModel | None:
    """A CTranslate2 Whisper (any precision: it loads as int8 on the CPU), else a torch int8 one."""
    found = [
        m
        for m in store.find("whisper")
        if m.manifest.runtime == "ctranslate2" or m.manifest.precision == "int8"
    ]
    return min(found, key=_rank, default=None)


def _translates(model: StoredModel, source: str | None, target: str | None) -> bool:
    if source is None or target is None:
        return True
    from tolk.backend.engines.seq2seq_mt import model_pairs

    return LanguagePair(source, target) in model_pairs(model)


def offline_engines(
    store: ModelStore | None, source: str | None = None, target: str | None = None
) -> OfflineEngines:
    """The store's neural engines (see the module docstring), else pocketsphinx/apertium, with the reason."""
    if store is None:
        return OfflineEngines(reason="no model store; using the zero-download engines")
    asr = _whisper(store)
    mt = next((m for m in _int8(store, "seq2seq") if _translates(m, source, target)), None)
    asr_spec = f"whisper:{asr.name}" if asr else DEFAULT_ASR
    mt_spec = f"seq2seq:{mt.name}" if mt else DEFAULT_MT
    parts = [
        f"ASR {asr_spec} ({asr.manifest.runtime} from the store)"
        if asr
        else f"ASR {DEFAULT_ASR} (no Whisper in the store {store.root}; "
        "`tolk models install-embedded` adds Whisper base)",
        f"MT {mt_spec} ({mt.manifest.runtime} int8 from the store)"
        if mt
        else f"MT {DEFAULT_MT} (no int8 seq2seq model for this pair in the store)",
    ]
    return OfflineEngines(asr=asr_spec, mt=mt_spec, reason="; ".join(parts))


@dataclass(frozen=True)
class EmbeddedOptions:
    """Settings of the in-process backend.

    Attributes:
        model_dir: the model store to take engines from; None runs the zero-download engines.
        source: the spoken language, for choosing an MT model that translates it (None: any).
        target: the first target language, likewise.
        asr: ASR engine spec that overrides the store's choice.
        mt: MT engine spec that overrides the store's choice.
        engine_context: device, precision and batching for neural engines (its model_dir is replaced by
            `model_dir` when that is given).
        max_stream_s: advertised maximum stream duration (0 = unlimited).
    """

    model_dir: Path | None = None
    source: str | None = None
    target: str | None = None
    asr: str | None = None
    mt: str | None = None
    engine_context: EngineContext = field(default_factory=EngineContext)
    max_stream_s: float = 0.0


@dataclass(frozen=True)
class EmbeddedBackend:
    """A running in-process backend.

    Attributes:
        target: "127.0.0.1:PORT", for the gRPC client.
        engines: the default engines it runs, and why.
    """

    target: str
    engines: OfflineEngines


def choose_engines(options: EmbeddedOptions) -> OfflineEngines:
    """The store's choice for `options`, with the explicit overrides applied."""
    store = ModelStore(options.model_dir) if options.model_dir is not None else None
    chosen = offline_engines(store, options.source, options.target)
    if options.asr is None and options.mt is None:
        return chosen
    asr, mt = options.asr or chosen.asr, options.mt or chosen.mt
    return OfflineEngines(asr=asr, mt=mt, reason=f"ASR {asr}, MT {mt} (chosen on the command line)")


@contextlib.asynccontextmanager
async def embedded_backend(options: EmbeddedOptions | None = None) -> AsyncIterator[EmbeddedBackend]:
    """Starts the real server on 127.0.0.1 port 0 with the chosen engines; stops it on exit.

    Waits until the default engines are loaded, so their errors (a missing model, an engine that cannot
    start) surface before any audio is sent.
    """
    options = options or EmbeddedOptions()
    engines = choose_engines(options)
    context = options.engine_context
    if options.model_dir is not None:
        context = dataclasses.replace(context, model_dir=options.model_dir)
    config = ServerConfig(
        host=LOOPBACK,
        port=0,
        asr=engines.asr,
        mt=engines.mt,
        engine_context=context,
        max_stream_s=options.max_stream_s,
        grace_s=STOP_GRACE_S,
    )
    registry = Registry(config.engine_context, default_asr=config.asr, default_mt=config.mt)
    handle = await start_server(config, registry)
    try:
        await handle.ready
        yield EmbeddedBackend(target=f"{LOOPBACK}:{handle.port}", engines=engines)
    finally:
        await handle.stop(STOP_GRACE_S)
        registry.close()
