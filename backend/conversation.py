"""Conversation mode: two languages, each segment identified between them and translated into the other.

A session config with `conversation_languages = ["en", "es"]` runs the `conversation` ASR family (Whisper
through faster-whisper, language identified per segment among the pair) and an MT engine that can go both
ways, directly or through a pivot language. Nothing here touches gRPC or asyncio.
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.backend.engines.conversation_asr import FAMILY, WHISPER_FAMILY, ConversationEngine
from tolk.backend.engines.pivot_mt import with_pivots
from tolk.backend.engines.registry import parse_spec
from tolk.backend.session_setup import EngineSource, SessionEngines, SessionOptions
from tolk.common.errors import FailedPrecondition, InvalidArgument


def conversation_pair(codes: Sequence[str]) -> tuple[str, str] | None:
    """The two languages of conversation mode from a config list; None for an empty list."""
    codes = [code.strip().lower() for code in codes if code.strip()]
    if not codes:
        return None
    if len(codes) != 2 or codes[0] == codes[1]:
        raise InvalidArgument(f"conversation mode needs two different languages, got {','.join(codes)!r}")
    return codes[0], codes[1]


def translation_targets(options: SessionOptions, language: str) -> tuple[str, ...]:
    """Where a final in `language` is translated: the other language of a conversation, else the targets."""
    if options.conversation is None:
        return options.target_languages
    return tuple(code for code in options.conversation if code != language)


def segment_language(options: SessionOptions, start: bool, language: str) -> str:
    """A client-given segment language (push-to-talk), checked: one of the conversation's two, at a start."""
    language = language.strip().lower()
    if not language:
        return ""
    if not start:
        raise InvalidArgument("a speech boundary carries a language only at SPEECH_START")
    if options.conversation is None or language not in options.conversation:
        allowed = "one of " + ",".join(options.conversation) if options.conversation else "conversation mode"
        raise InvalidArgument(f"boundary language {language!r} needs {allowed}")
    return language


def conversation_asr_spec(spec: str, registry: EngineSource) -> str:
    """The conversation engine for an ASR spec: "whisper:NAME" -> "conversation:NAME"; "" -> the store's."""
    family, model = parse_spec(spec) if spec else ("", None)
    if family == FAMILY:
        return spec
    if family == WHISPER_FAMILY and model:
        return f"{FAMILY}:{model}"
    if family:
        raise FailedPrecondition(
            f"conversation mode needs a Whisper model; {spec!r} cannot identify languages"
        )
    return FAMILY  # the store's first CTranslate2 Whisper model


def resolve_conversation(options: SessionOptions, registry: EngineSource) -> SessionEngines:
    """Blocking: loads the conversation recognizer and an MT engine that translates the pair both ways."""
    assert options.conversation is not None
    first, second = options.conversation
    asr = registry.asr(conversation_asr_spec(options.asr, registry))
    if not isinstance(asr, ConversationEngine):
        raise FailedPrecondition(f"{asr.name} cannot identify the language of each segment")
    mt = with_pivots(registry.mt(options.mt or None))
    mt.route(first, second)  # NotFound (listing what is installed) before any audio is sent
    mt.route(second, first)
    return SessionEngines(asr, asr.open_pair_stream(options.conversation), mt)
