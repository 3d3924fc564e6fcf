"""Glossary messages of the wire protocol -> tolk.common.glossary, and TranslateText with a glossary."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor

from tolk.backend.engines.base import MtEngine
from tolk.backend.glossary_mt import GlossaryTranslator
from tolk.common.glossary import Glossary, GlossaryTerm
from tolk.v1 import interpreter_pb2 as pb


def glossary_from_proto(terms: Sequence[pb.GlossaryTerm]) -> Glossary:
    """Raises InvalidArgument for an empty or oversized term, or too many terms."""
    return Glossary(
        GlossaryTerm(t.source, {k.strip().lower(): v for k, v in t.targets.items() if v}, t.pronunciation)
        for t in terms
    )


async def translate_with_glossary(
    mt: MtEngine, glossary: Glossary, texts: list[str], source: str, target: str, executor: Executor
) -> pb.TranslateTextResponse:
    translator = GlossaryTranslator(mt, glossary)
    loop = asyncio.get_running_loop()
    results = await loop.run_in_executor(executor, translator.translate, texts, source, target)
    return pb.TranslateTextResponse(
        translations=[r.text for r in results],
        engine=mt.name,
        glossary_used=[pb.GlossaryUse(terms=r.terms) for r in results],
    )
