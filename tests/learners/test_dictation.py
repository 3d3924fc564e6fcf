"""Dictation: spoken commands and numbers+units (tables, then synthesized speech through the offline
backend with every non-loopback connect forbidden), and exports (TXT/Markdown/DOCX, encrypted)."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from typing import Any

import pytest

from tolk.app.core.dictation import DictationDocument, convert, render
from tolk.app.core.events import Final
from tolk.app.core.export import ExportError, decrypt, export
from tolk.app.core.export import render as render_export
from tolk.common.glossary import parse_glossary

from .conftest import Speak


@pytest.mark.parametrize(
    ("language", "spoken", "written"),
    [
        ("en", "take five milligrams of metformin twice a day period", "Take 5 mg of metformin twice a day."),
        ("en", "weight seventy two point five kilograms comma height one hundred and eighty",
         "Weight 72.5 kg, height 180"),
        ("en", "Dose: 10 milligrams. Period. New paragraph follow up", "Dose: 10 mg.\n\nFollow up"),
        ("en", "one of the patients question mark new line yes", "One of the patients?\nYes"),
        ("en", "saturation ninety five percent", "Saturation 95%"),
        ("en", "blood pressure one hundred and thirty over eighty", "Blood pressure 130/80"),
        ("en", "open parenthesis see note close parenthesis", "(see note)"),
        ("es", "tome cinco miligramos coma dos veces al día punto y aparte control",
         "Tome 5 mg, dos veces al día\n\nControl"),
        ("de", "fünf Milligramm Punkt", "Fünf Milligramm Punkt"),  # no German table: passed through
    ],
)  # fmt: skip
def test_commands_and_numbers(language: str, spoken: str, written: str) -> None:
    assert render(convert(spoken, language)) == written


def test_edits_are_kept_and_dictation_continues_after_them() -> None:
    doc = DictationDocument("en")
    doc.add_final("patient is stable period")
    doc.edit("Patient is stable and alert.")
    doc.add_final("new paragraph plan two tablets")
    assert doc.text == "Patient is stable and alert.\n\nPlan 2 tablets"


def test_exports_and_encryption(tmp_path: Path) -> None:
    import docx

    text = "Take 5 mg of metformin.\n\nFollow up in 2 weeks."
    assert export(text, tmp_path / "a.txt", "txt").read_text() == text + "\n"
    assert export(text, tmp_path / "a.md", "md").read_text().startswith("# Dictation\n\nTake 5 mg")
    document = docx.Document(str(export(text, tmp_path / "a.docx", "docx")))
    assert [p.text for p in document.paragraphs][1:] == ["Take 5 mg of metformin.", "Follow up in 2 weeks."]
    locked = export(text, tmp_path / "b.docx", "docx", passphrase="correct horse")
    assert locked.name == "b.docx.enc" and not (tmp_path / "b.docx").exists()
    blob = locked.read_bytes()
    assert b"metformin" not in blob
    plain = decrypt(blob, "correct horse")
    assert plain[:2] == b"PK" and [p.text for p in docx.Document(io.BytesIO(plain)).paragraphs][1] == (
        "Take 5 mg of metformin."
    )
    with pytest.raises(ExportError, match="wrong passphrase"):
        decrypt(blob, "wrong horse")
    with pytest.raises(ExportError, match="wrong passphrase"):
        decrypt(blob[:-1] + bytes([blob[-1] ^ 1]), "correct horse")
    assert render_export("x", "txt") == b"x\n"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any Python-level connect() to a non-loopback address (model hubs, HTTP clients) fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access in Offline mode: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


async def test_dictated_speech_with_a_glossary_becomes_a_record(
    whisper_base_store: Any, speak: Speak, no_network: None
) -> None:
    """espeak-ng dictation -> Offline mode (in-process backend, real Whisper base, the glossary in the
    session) -> dictation document, with every outside connect forbidden."""
    from tolk.app.pipeline import PipelineOptions, file_source, run_pipeline
    from tolk.app.transport.client import InterpreterClient
    from tolk.app.transport.events import StreamOptions
    from tolk.backend.offline import EmbeddedOptions, embedded_backend

    glossary = parse_glossary(["source\tes", "metformin\tmetformina", "milligrams\t"])
    audio = speak(
        "take five milligrams of metformin twice a day. period. new paragraph. follow up in two weeks"
    )
    doc = DictationDocument("en")
    options = EmbeddedOptions(model_dir=whisper_base_store.root, source="en", asr="whisper:whisper-base")
    async with embedded_backend(options) as backend, InterpreterClient(backend.target) as client:
        assert backend.target.startswith("127.0.0.1:")  # gRPC's own (C-core) sockets: loopback only
        stream = StreamOptions(
            source_language="en", target_languages=(), disable_partials=True, glossary=glossary.terms
        )
        async for event in run_pipeline(
            client, stream, file_source(audio, realtime=False), PipelineOptions()
        ):
            if isinstance(event, Final):
                doc.add_final(event.text)
    assert doc.text.startswith("Take 5 mg of metformin twice a day.\n\nFollow"), doc.text
    assert doc.text.endswith("in 2 weeks"), doc.text


async def test_offline_mode_makes_no_network_connection(librivox: list[Any], no_network: None) -> None:
    """The in-process backend and the app pipeline (Offline mode) on real speech, every outside connect
    forbidden: the session completes with captions and translations."""
    from tolk.app.core.events import Translation
    from tolk.app.pipeline import PipelineOptions, file_source, run_pipeline
    from tolk.app.transport.client import InterpreterClient
    from tolk.app.transport.events import StreamOptions
    from tolk.backend.offline import EmbeddedOptions, embedded_backend

    events = []
    options = EmbeddedOptions(model_dir=None, source="en", target="es")
    async with embedded_backend(options) as backend, InterpreterClient(backend.target) as client:
        assert backend.target.startswith("127.0.0.1:")  # gRPC's own (C-core) sockets: loopback only
        stream = StreamOptions(source_language="en", target_languages=("es",), disable_partials=True)
        async for event in run_pipeline(
            client, stream, file_source(librivox[1].wav, realtime=False), PipelineOptions()
        ):
            events.append(event)
    assert any(isinstance(e, Final) and "young man" in e.text for e in events), events
    assert any(isinstance(e, Translation) and e.text for e in events), events
