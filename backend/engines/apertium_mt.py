"""Rule-based translation with Apertium: every installed language pair, no download.

Each pair runs as a persistent pipeline in null-flush mode: an input chunk terminated by a NUL byte is
answered by its translation terminated by a NUL byte, so a sentence costs a millisecond or two instead
of starting a dozen processes. The pipeline is the pair's .mode file rewritten by `apertium-wblank-mode
-z` (what APy does); the `apertium -z` wrapper itself is not used because its gawk stages hold chunks
back until more input arrives. Input is escaped for the Apertium stream format and ends with a blank
(a final "." is otherwise held back as look-ahead); unknown-word marks (*, #, @) are stripped from output.

Modes are "<src>-<tgt>" (ISO 639-3 codes such as eng-spa, mapped to ISO 639-1 en-es). Variant modes
("spa-eng_US") serve their pair only when no plain mode exists, or when asked for by spec:
"apertium:spa-eng_US" uses that variant for es->en and the plain modes for the other pairs.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tolk.backend.engines.apertium_process import ApertiumProcess, ProcessOptions
from tolk.backend.engines.registry import EngineContext, EngineInfo
from tolk.common.errors import NotFound, Unavailable
from tolk.common.langcodes import LanguagePair, to_iso1

NAME = "apertium"
MODES_DIRS = (Path("/usr/share/apertium/modes"), Path("/usr/local/share/apertium/modes"))
MAX_PROCESSES_PER_PAIR = 2
TOOLS = ("bash", "apertium-wblank-mode", "lt-proc")

_MODE_NAME = re.compile(r"^([a-z]{2,3})(_[A-Za-z0-9]+)?-([a-z]{2,3})(_[A-Za-z0-9]+)?$")


def base_language(code: str) -> str:
    """A requested code normalized: "EN-us" -> "en", "spa" -> "es"."""
    return to_iso1(code.strip().lower().replace("_", "-").split("-")[0])


@dataclass(frozen=True)
class ApertiumMode:
    """One installed translation direction.

    Attributes:
        name: the mode name, e.g. "eng-spa" or "spa-eng_US".
        path: its .mode file.
        pair: ISO 639-1 source and target.
        variant: True for a variant mode (a "_US"-style suffix).
    """

    name: str
    path: Path
    pair: LanguagePair
    variant: bool


def discover_modes(modes_dirs: Sequence[Path] = MODES_DIRS) -> list[ApertiumMode]:
    """Translation modes in the given directories (debug modes such as eng-spa-tagger are skipped)."""
    modes: dict[str, ApertiumMode] = {}
    for directory in modes_dirs:
        for path in sorted(directory.glob("*.mode")) if directory.is_dir() else []:
            match = _MODE_NAME.match(path.stem)
            if match and path.stem not in modes:
                pair = LanguagePair(to_iso1(match.group(1)), to_iso1(match.group(3)))
                variant = bool(match.group(2) or match.group(4))
                modes[path.stem] = ApertiumMode(path.stem, path, pair, variant)
    return list(modes.values())


def select_modes(modes: Sequence[ApertiumMode], requested: str | None) -> dict[LanguagePair, ApertiumMode]:
    """One mode per pair: the plain mode, else the first variant; `requested` modes ("a,b") override."""
    chosen: dict[LanguagePair, ApertiumMode] = {}
    for mode in sorted(modes, key=lambda m: (m.variant, m.name)):
        chosen.setdefault(mode.pair, mode)
    by_name = {mode.name: mode for mode in modes}
    for name in filter(None, (part.strip() for part in (requested or "").split(","))):
        if name not in by_name:
            raise NotFound(f"no Apertium mode {name!r} (installed: {', '.join(sorted(by_name))})")
        chosen[by_name[name].pair] = by_name[name]
    return chosen


def probe() -> str | None:
    """None when Apertium's tools and at least one language pair are installed."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"Apertium is not installed (missing {', '.join(missing)}); apt-get install apertium"
    if not discover_modes():
        return "no Apertium language pairs installed; e.g. apt-get install apertium-eng-spa"
    return None


def describe(context: EngineContext) -> list[EngineInfo]:
    modes = discover_modes()
    chosen = select_modes(modes, None)
    pairs = tuple(sorted(chosen, key=str))
    languages = tuple(sorted({lang for pair in pairs for lang in (pair.source, pair.target)}))
    return [EngineInfo(NAME, "mt", languages=languages, pairs=pairs, description=_description(modes))]


def load(model: str | None, context: EngineContext) -> ApertiumEngine:
    return ApertiumEngine(select_modes(discover_modes(), model))


def _description(modes: Sequence[ApertiumMode]) -> str:
    plain = ", ".join(m.name for m in modes if not m.variant)
    variants = ", ".join(m.name for m in modes if m.variant)
    suffix = f" (variants: {variants})" if variants else ""
    return f"Apertium rule-based MT, persistent null-flush pipelines: {plain}{suffix}"


class ProcessPool:
    """Up to `size` lazily started pipelines of one mode; each serves one batch at a time."""

    def __init__(self, mode: ApertiumMode, options: ProcessOptions, size: int) -> None:
        self.mode = mode
        self._options = options
        self._size = size
        self._cond = threading.Condition()
        self._idle: list[ApertiumProcess] = []
        self._count = 0
        self._closed = False

    def acquire(self) -> ApertiumProcess:
        with self._cond:
            while True:
                if self._closed:
                    raise Unavailable("the Apertium engine is closed")
                if self._idle:
                    return self._idle.pop()
                if self._count < self._size:
                    self._count += 1
                    return ApertiumProcess(self.mode.name, self.mode.path, self._options)
                if not self._cond.wait(self._options.response_timeout_s):
                    raise Unavailable(f"apertium {self.mode.name}: all {self._size} processes stayed busy")

    def release(self, process: ApertiumProcess) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(process)
                self._cond.notify()
                return
        process.close()

    @property
    def started(self) -> int:
        with self._cond:
            return self._count

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for process in idle:
            process.close()


class ApertiumEngine:
    """Thread-safe translator over the selected modes; pipelines start on first use."""

    def __init__(
        self,
        modes: dict[LanguagePair, ApertiumMode],
        options: ProcessOptions | None = None,
        processes_per_pair: int = MAX_PROCESSES_PER_PAIR,
    ) -> None:
        opts = options or ProcessOptions()
        self._pools = {pair: ProcessPool(mode, opts, processes_per_pair) for pair, mode in modes.items()}

    @property
    def name(self) -> str:
        return NAME

    @property
    def description(self) -> str:
        return _description([pool.mode for pool in self._pools.values()])

    def pairs(self) -> tuple[LanguagePair, ...]:
        return tuple(sorted(self._pools, key=str))

    def pool(self, source: str, target: str) -> ProcessPool:
        pair = LanguagePair(base_language(source), base_language(target))
        if pair not in self._pools:
            known = ", ".join(str(p) for p in self.pairs()) or "none"
            raise NotFound(f"Apertium has no pair {source}->{target} (installed: {known})")
        return self._pools[pair]

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """One output per input, in order; blank inputs give "" without a round trip."""
        pool = self.pool(source, target)
        results = [""] * len(texts)
        pending = [i for i, text in enumerate(texts) if text.strip()]
        if not pending:
            return results
        process = pool.acquire()
        try:
            for i in pending:
                results[i] = process.translate(texts[i])
        finally:
            pool.release(process)
        return results

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
