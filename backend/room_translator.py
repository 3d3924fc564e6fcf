"""Translation for room languages the speaker did not ask for: directly, or through one pivot language.

With Apertium's English-Spanish, English-Catalan and Spanish-Portuguese pairs an English room reaches
es and ca directly and pt through es (en->es->pt). Model calls run in the server's executor.
"""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import Executor

from tolk.backend.engines.base import MtEngine
from tolk.backend.engines.registry import Registry
from tolk.common.errors import NotFound


class RoomTranslator:
    """Finds a route source -> target among the MT engine's pairs and translates along it."""

    def __init__(self, registry: Registry, executor: Executor, spec: str | None = None) -> None:
        self._registry = registry
        self._executor = executor
        self._spec = spec
        self._engine: MtEngine | None = None
        self._pairs: set[tuple[str, str]] = set()

    async def load(self) -> None:
        """Loads the MT engine once (in the executor); `route` and `reachable` need it."""
        if self._engine is None:
            loop = asyncio.get_running_loop()
            engine = await loop.run_in_executor(self._executor, self._registry.mt, self._spec)
            self._pairs = {(p.source, p.target) for p in engine.pairs()}
            self._engine = engine

    def languages(self) -> list[str]:
        """Every language the engine translates from or into."""
        return sorted({code for pair in self._pairs for code in pair})

    def route(self, source: str, target: str) -> list[str] | None:
        """[source, (pivot,) target] or None when no pair or pivot connects them."""
        if source == target:
            return [source]
        if (source, target) in self._pairs:
            return [source, target]
        for pivot in sorted({t for s, t in self._pairs if s == source}):
            if (pivot, target) in self._pairs:
                return [source, pivot, target]
        return None

    def reachable(self, source: str, target: str, targets: tuple[str, ...] = ()) -> bool:
        return target in targets or self.route(source, target) is not None

    async def translate(self, text: str, source: str, target: str) -> str:
        """Raises NotFound when no route exists."""
        await self.load()
        route = self.route(source, target)
        if route is None or self._engine is None:
            raise NotFound(f"no translation from {source} to {target}")
        loop = asyncio.get_running_loop()
        for src, tgt in itertools.pairwise(route):
            engine = self._engine
            out = await loop.run_in_executor(self._executor, engine.translate, [text], src, tgt)
            text = out[0]
        return text
