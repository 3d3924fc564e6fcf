"""GetCapabilities: what this server can do, built from the engine registry without loading models."""

from __future__ import annotations

from collections.abc import Iterable

from tolk.backend.config import SUPPORTED_SAMPLE_RATES_HZ, ServerConfig
from tolk.backend.engines.registry import EngineInfo, parse_spec
from tolk.v1 import interpreter_pb2 as pb

_KINDS = {"asr": pb.Engine.Kind.ASR, "mt": pb.Engine.Kind.MT}


def _is_default(info: EngineInfo, config: ServerConfig) -> bool:
    default = config.asr if info.kind == "asr" else config.mt
    return info.name == default or parse_spec(info.name) == parse_spec(default)


def build_capabilities(infos: Iterable[EngineInfo], config: ServerConfig) -> pb.Capabilities:
    """The Capabilities message for installed engines `infos` under `config`'s limits."""
    engines = [
        pb.Engine(
            name=info.name,
            kind=_KINDS[info.kind],
            languages=list(info.languages),
            pairs=[pb.LanguagePair(source=p.source, target=p.target) for p in info.pairs],
            is_default=_is_default(info, config),
            description=info.description,
        )
        for info in infos
    ]
    return pb.Capabilities(
        engines=engines,
        sample_rates_hz=list(SUPPORTED_SAMPLE_RATES_HZ),
        encodings=[pb.AudioEncoding.LINEAR16, pb.AudioEncoding.FLOAT32],
        max_chunk_bytes=config.max_chunk_bytes,
        max_segment_s=config.vad.max_segment_s,
        max_stream_s=config.max_stream_s,
        max_translate_texts=config.translate.max_texts,
        max_translate_text_chars=config.translate.max_text_chars,
        max_translate_request_chars=config.translate.max_request_chars,
        max_translate_concurrent_per_client=config.translate.max_concurrent_per_client,
        max_unary_calls_per_min=config.translate.calls_per_min,
    )
