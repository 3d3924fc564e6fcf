"""Translation that obeys a glossary, for any MT engine (Apertium, seq2seq): protect, translate, restore.

Each text's forced terms become placeholders that the engine is asked to copy; when the engine's output
holds every placeholder exactly once they are replaced by the target terms (the engine translated the
whole sentence, so word order and agreement around the term are its own). Otherwise (an engine that
translates, splits or drops placeholders) the text is translated piece by piece between the terms and
the target terms are put between the pieces: the forced term is always there, nothing is lost, but the
engine sees less context. Target inflection is left to the engine: the term is inserted as written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tolk.backend.engines.base import MtEngine
from tolk.common.glossary import Glossary, restore

TranslateFn = Callable[[Sequence[str], str, str], list[tuple[str, tuple[str, ...]]]]


@dataclass(frozen=True)
class GlossaryTranslation:
    """One translated text and the glossary source terms forced into it (as written in the source).

    Attributes:
        text: the translation.
        terms: the applied terms, in source order.
        method: "placeholder" (whole-sentence translation), "pieces" (fallback) or "" (no term).
    """

    text: str
    terms: tuple[str, ...]
    method: str


class GlossaryTranslator:
    """Wraps a shared MtEngine; thread-safe as the engine is."""

    def __init__(self, engine: MtEngine, glossary: Glossary) -> None:
        self._engine = engine
        self._glossary = glossary

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[GlossaryTranslation]:
        protected = [self._glossary.protect(text, target) for text in texts]
        todo = [i for i, p in enumerate(protected) if p.text.strip()]
        outputs = self._engine.translate([protected[i].text for i in todo], source, target) if todo else []
        translated = dict(zip(todo, outputs, strict=True))
        results = []
        for i, text in enumerate(texts):
            slots = protected[i].slots
            terms = tuple(written for _, written, _ in slots)
            if not slots:
                results.append(GlossaryTranslation(translated.get(i, text), (), ""))
                continue
            restored = restore(translated.get(i, protected[i].text), slots)
            if restored is not None:
                results.append(GlossaryTranslation(restored, terms, "placeholder"))
            else:
                results.append(GlossaryTranslation(self._pieces(text, source, target), terms, "pieces"))
        return results

    def _pieces(self, text: str, source: str, target: str) -> str:
        pieces = self._glossary.split(text, target)
        plain = [piece for piece, term in pieces if term is None and piece.strip()]
        outputs = iter(self._engine.translate(plain, source, target) if plain else [])
        out: list[str] = []
        for piece, term in pieces:
            if term is not None:
                out.append(term.targets[target])
            elif piece.strip():
                out.append(next(outputs).strip())
        return " ".join(part for part in out if part)


def glossary_translate(engine: MtEngine, glossary: Glossary | None) -> TranslateFn:
    """A batch translate function returning (text, applied terms); plain MT when there is no glossary."""
    if glossary is None or not len(glossary):
        return lambda texts, source, target: [(t, ()) for t in engine.translate(texts, source, target)]
    translator = GlossaryTranslator(engine, glossary)
    return lambda texts, source, target: [
        (r.text, r.terms) for r in translator.translate(texts, source, target)
    ]
