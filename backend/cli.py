"""`tolk serve`: the server's entry point. Settings: defaults < TOLK_* environment < command-line flags."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backend.config import ServerConfig
from backend.engines.registry import EngineContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Setting:
    flag: str
    env: str
    parse: Callable[[str], Any]
    help: str


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {text!r}")


# ServerConfig / EngineContext field -> how to set it
SETTINGS: dict[str, _Setting] = {
    "host": _Setting("--host", "TOLK_HOST", str, "interface to bind (default 127.0.0.1; 0.0.0.0 for all)"),
    "port": _Setting("--port", "TOLK_PORT", int, "TCP port (default 50051; 0 picks a free one)"),
    "asr": _Setting("--asr", "TOLK_ASR", str, "default ASR engine spec (default pocketsphinx)"),
    "mt": _Setting("--mt", "TOLK_MT", str, "default MT engine spec (default apertium)"),
    "max_sessions": _Setting("--max-sessions", "TOLK_MAX_SESSIONS", int, "concurrent streams (default 32)"),
    "partial_interval_ms": _Setting(
        "--partial-interval-ms", "TOLK_PARTIAL_INTERVAL_MS", int, "new audio between partials (default 250)"
    ),
    "worker_threads": _Setting("--workers", "TOLK_WORKERS", int, "threads for model calls (default 8)"),
    "grace_s": _Setting(
        "--grace", "TOLK_GRACE_S", float, "seconds streams get to finish on stop (default 5)"
    ),
    "model_dir": _Setting("--model-dir", "TOLK_MODEL_DIR", Path, "local model store for neural engines"),
    "device": _Setting("--device", "TOLK_DEVICE", str, "auto, cpu or cuda[:N] (default auto)"),
    "precision": _Setting("--precision", "TOLK_PRECISION", str, "auto, fp32, fp16, bf16 or int8"),
    "beam_size": _Setting("--beam-size", "TOLK_BEAM_SIZE", int, "beam width for neural decoders (default 1)"),
}
_CONTEXT_FIELDS = ("model_dir", "device", "precision", "beam_size")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers `tolk serve` on an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help="run the gRPC interpreter server", description=__doc__
    )
    for name, setting in SETTINGS.items():
        parser.add_argument(setting.flag, dest=name, default=None, help=f"{setting.help} [{setting.env}]")
    parser.add_argument(
        "--reflection",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="enable gRPC server reflection (default off) [TOLK_REFLECTION]",
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING... [TOLK_LOG_LEVEL]")
    parser.set_defaults(func=run)
    return parser


def build_config(args: argparse.Namespace, env: Mapping[str, str]) -> ServerConfig:
    """Merges defaults < environment < flags; raises ValueError naming the bad setting."""
    values: dict[str, Any] = {}
    for name, setting in SETTINGS.items():
        raw = getattr(args, name, None)
        source = setting.flag
        if raw is None and env.get(setting.env):
            raw, source = env[setting.env], setting.env
        if raw is None:
            continue
        try:
            values[name] = setting.parse(raw)
        except ValueError:
            raise ValueError(f"{source}: invalid value {raw!r}") from None
    reflection = getattr(args, "reflection", None)
    if reflection is None and env.get("TOLK_REFLECTION"):
        reflection = _bool(env["TOLK_REFLECTION"])
    context = replace(EngineContext(), **{k: values.pop(k) for k in _CONTEXT_FIELDS if k in values})
    config = replace(ServerConfig(), engine_context=context, **values)
    if reflection is not None:
        config = replace(config, reflection=reflection)
    _check(config)
    return config


def _check(config: ServerConfig) -> None:
    if not 0 <= config.port <= 65535:
        raise ValueError(f"--port: {config.port} is not a TCP port")
    for name in ("max_sessions", "partial_interval_ms", "worker_threads"):
        if getattr(config, name) < 1:
            raise ValueError(f"{SETTINGS[name].flag}: must be >= 1")


def run(args: argparse.Namespace) -> int:
    """Runs the server until SIGINT/SIGTERM; returns the process exit status."""
    env = os.environ
    level = (args.log_level or env.get("TOLK_LOG_LEVEL") or "INFO").upper()
    try:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        config = build_config(args, env)
    except ValueError as exc:
        print(f"tolk serve: {exc}", file=sys.stderr)
        return 2
    from backend.server import serve

    try:
        asyncio.run(serve(config))
    except OSError as exc:
        print(f"tolk serve: {exc}", file=sys.stderr)
        return 1
    return 0
