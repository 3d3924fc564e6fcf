"""A glossary biases recognition: Whisper hears a rare term only with the glossary's prompt and hotwords;
PocketSphinx gets the term's pronunciation as a dictionary entry for that session only."""

from __future__ import annotations

from typing import Any

from tolk.backend.engines.base import AsrOptions
from tolk.backend.engines.pocketsphinx_asr import PocketsphinxEngine
from tolk.common.glossary import parse_glossary, whisper_hints

from .conftest import Speak

TERM = "Zylatrol"  # a made-up drug name: no recognizer has it in its vocabulary
GLOSSARY = parse_glossary(
    ["source\tes\tpron", f"{TERM}\t{TERM}\tZ AY L AH T R AA L", "heart attack\tinfarto\t"]
)


def test_whisper_hears_the_term_only_with_the_glossary(whisper_base_store: Any, speak: Speak) -> None:
    """The real Whisper base engine (faster-whisper finals): the glossary's terms lead its prompt."""
    from tolk.app.audio.files import read_audio
    from tolk.backend.engines.registry import EngineContext, Registry

    hints = whisper_hints(GLOSSARY)
    assert hints is not None and hints.hotwords == f"{TERM}, heart attack"
    audio = read_audio(speak(f"the doctor prescribed {TERM.lower()} for my condition"))
    registry = Registry(EngineContext(model_dir=whisper_base_store.root))
    try:
        engine = registry.asr("whisper:whisper-base")

        def heard(options: AsrOptions) -> str:
            stream = engine.open_stream(options)
            try:
                stream.accept(audio)
                return stream.finalize().text
            finally:
                stream.close()

        assert TERM not in heard(AsrOptions(language="en"))
        assert TERM in heard(AsrOptions(language="en", glossary=GLOSSARY))
    finally:
        registry.close()


def test_pocketsphinx_adds_the_terms_to_one_session_only() -> None:
    engine = PocketsphinxEngine()
    try:
        plain = engine.open_stream(AsrOptions(language="en"))
        biased = engine.open_stream(AsrOptions(language="en", glossary=GLOSSARY))
        assert biased._decoder.lookup_word(TERM.lower()) == "Z AY L AH T R AA L"
        assert plain._decoder.lookup_word(TERM.lower()) is None
        biased.close()
        plain.close()
        assert engine.pool.idle == 1  # the decoder with the session's words went away
        again = engine.open_stream(AsrOptions(language="en"))
        assert again._decoder.lookup_word(TERM.lower()) is None
        again.close()
    finally:
        engine.close()
