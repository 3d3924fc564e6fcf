"""Translation through a common language when no direct pair is installed (en -> es -> pt).

`PivotMt` wraps any MT engine: its pairs are the engine's direct pairs plus every a -> c the engine can
reach as a -> b -> c. A direct pair always wins; among pivots, English then Spanish are preferred (the
languages with most Apertium pairs), then alphabetical order. `pivot_language(mt, a, c)` tells a session
which language a translation went through, so it can be marked as pivoted for the reader.
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.backend.engines.base import MtEngine
from tolk.common.errors import NotFound
from tolk.common.langcodes import LanguagePair

PREFERRED_PIVOTS = ("en", "es")


class PivotMt:
    """An MT engine that also translates the pairs it reaches through one intermediate language."""

    def __init__(self, inner: MtEngine) -> None:
        self.inner = inner
        self._direct = frozenset(inner.pairs())
        self._routes = _pivot_routes(self._direct)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def description(self) -> str:
        return self.inner.description

    def pairs(self) -> tuple[LanguagePair, ...]:
        return tuple(sorted(self._direct | set(self._routes), key=str))

    def route(self, source: str, target: str) -> str | None:
        """The pivot language for source -> target, or None for a direct pair (NotFound if neither)."""
        pair = LanguagePair(source, target)
        if pair in self._direct:
            return None
        if pair in self._routes:
            return self._routes[pair]
        known = ", ".join(str(p) for p in sorted(self._direct, key=str))
        raise NotFound(
            f"MT engine {self.name} has no pair {pair}, direct or through a pivot (installed: {known})"
        )

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        pivot = self.route(source, target)
        if pivot is None:
            return self.inner.translate(texts, source, target)
        middle = self.inner.translate(texts, source, pivot)
        return self.inner.translate(middle, pivot, target)

    def close(self) -> None:
        self.inner.close()


def _pivot_routes(direct: frozenset[LanguagePair]) -> dict[LanguagePair, str]:
    languages = sorted({p.source for p in direct} | {p.target for p in direct})
    preferred = [code for code in PREFERRED_PIVOTS if code in languages]
    order = [*preferred, *(code for code in languages if code not in PREFERRED_PIVOTS)]
    routes: dict[LanguagePair, str] = {}
    for pivot in order:
        for first in (p for p in direct if p.target == pivot):
            for second in (p for p in direct if p.source == pivot and p.target != first.source):
                pair = LanguagePair(first.source, second.target)
                if pair not in direct:
                    routes.setdefault(pair, pivot)
    return routes


def with_pivots(mt: MtEngine) -> PivotMt:
    """`mt` wrapped so that it also translates through a pivot (a PivotMt is returned as is)."""
    return mt if isinstance(mt, PivotMt) else PivotMt(mt)


def pivot_language(mt: MtEngine | None, source: str, target: str) -> str:
    """The language a translation source -> target goes through with `mt` ("" when direct or unknown)."""
    if not isinstance(mt, PivotMt) or source == target:
        return ""
    try:
        return mt.route(source, target) or ""
    except NotFound:
        return ""
