"""The glossary over the wire: an Interpret session (real pocketsphinx + Apertium on LibriVox speech)
marks the terms it forced into each translation, and TranslateText obeys a glossary too."""

from __future__ import annotations

from typing import Any

import grpc

from tolk.app.core.events import Translation
from tolk.app.pipeline import PipelineOptions, file_source, run_pipeline
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import StreamOptions
from tolk.backend.offline import EmbeddedOptions, embedded_backend
from tolk.common.glossary import parse_glossary
from tolk.v1 import interpreter_pb2 as pb
from tolk.v1 import interpreter_pb2_grpc as pb_grpc

GLOSSARY = parse_glossary(["source\tes", "young man\tmuchacho", "heart attack\tinfarto"])


async def test_session_and_translate_text_force_the_terms(librivox: list[Any]) -> None:
    async with embedded_backend(EmbeddedOptions(model_dir=None, source="en", target="es")) as backend:
        async with InterpreterClient(backend.target) as client:
            stream = StreamOptions(
                source_language="en", target_languages=("es",), disable_partials=True, glossary=GLOSSARY.terms
            )
            audio = file_source(librivox[1].wav, realtime=False)  # "he was not an ill disposed young man"
            events = [e async for e in run_pipeline(client, stream, audio, PipelineOptions())]
        async with grpc.aio.insecure_channel(backend.target) as channel:
            request = pb.TranslateTextRequest(
                source_language="en",
                target_language="es",
                texts=["He had a heart attack.", "Nothing to force."],
                glossary=[pb.GlossaryTerm(source=t.source, targets=t.targets) for t in GLOSSARY.terms],
            )
            response = await pb_grpc.InterpreterStub(channel).TranslateText(request)
    translations = [e for e in events if isinstance(e, Translation) and e.is_final]
    assert any("muchacho" in t.text and t.glossary_terms == ("young man",) for t in translations), (
        translations
    )
    assert "infarto" in response.translations[0]
    assert [list(u.terms) for u in response.glossary_used] == [["heart attack"], []]
