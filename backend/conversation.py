"""Conversation mode: two languages, each segment identified between them and translated into the other.

A session config with `conversation_languages = ["en", "es"]` runs the regular Whisper engine with each
segment's language detected among the pair only (a per-segment choice; AsrOptions.candidates), or given
by the client's push-to-talk, and an MT engine that can go both ways, directly or through a pivot
language. Nothing here touches gRPC or asyncio.
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.backend.engines import neural_common
from tolk.backend.engines.base import AsrOptions
from tolk.backend.engines.pivot_mt import with_pivots
from tolk.backend.engines.registry import parse_spec
from tolk.backend.engines.whisper_asr import FAMILY as WHISPER_FAMILY
from tolk.backend.engines.whisper_asr import WhisperEngine
from tolk.backend.session_setup import EngineSource, SessionEngines, SessionOptions
from tolk.common.errors import FailedPrecondition, InvalidArgument

LEGACY_FAMILY = "conversation"


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
    """The Whisper engine for conversation mode: "whisper:NAME" as is; "" -> the store's first CTranslate2
    Whisper model. ("conversation[:NAME]", the name of the family this mode once had, still means it.)"""
    family, model = parse_spec(spec) if spec else ("", None)
    if family in (WHISPER_FAMILY, LEGACY_FAMILY) and model:
        return f"{WHISPER_FAMILY}:{model}"
    if family and family != LEGACY_FAMILY:
        raise FailedPrecondition(
            f"conversation mode needs a Whisper model; {spec!r} cannot identify languages"
        )
    models = neural_common.store_models(registry.context, WHISPER_FAMILY)
    ct2 = sorted(m.name for m in models if m.manifest.runtime == "ctranslate2")
    if not ct2:
        raise FailedPrecondition(
            "conversation mode needs a Whisper model (CTranslate2) in the model store "
            "(TOLK_MODEL_DIR); `./dev setup` installs whisper-base"
        )
    return f"{WHISPER_FAMILY}:{ct2[0]}"


def resolve_conversation(options: SessionOptions, registry: EngineSource) -> SessionEngines:
    """Blocking: loads the Whisper engine and an MT engine that translates the pair both ways; the
    stream detects each segment's language among the pair (or takes it from push-to-talk)."""
    assert options.conversation is not None
    first, second = options.conversation
    asr = registry.asr(conversation_asr_spec(options.asr, registry))
    if not isinstance(asr, WhisperEngine):
        raise FailedPrecondition(f"{asr.name} cannot identify the language of each segment")
    mt = with_pivots(registry.mt(options.mt or None))
    mt.route(first, second)  # NotFound (listing what is installed) before any audio is sent
    mt.route(second, first)
    stream = asr.open_stream(AsrOptions(language=None, candidates=options.conversation))
    return SessionEngines(asr, stream, mt)
