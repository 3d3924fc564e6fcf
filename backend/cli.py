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

from tolk.backend.config import ServerConfig
from tolk.backend.engines.registry import EngineContext
from tolk.backend.logs import configure_logging
from tolk.backend.security import generate_token_file, is_loopback
from tolk.backend.unary_limits import TranslateLimits
from tolk.models.store import resolve_store_dir

log = logging.getLogger(__name__)

EXIT_CODES_HELP = """exit status:
  0    stopped by SIGINT or SIGTERM after draining
  1    internal or system error (a bug, or the OS refused something other than a port)
  2    bad setting, unreadable TLS or token file, or a --port / --metrics-port that is in use"""


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
    # security, limits and metrics (see backend/limits.py for the status codes)
    "tls_cert": _Setting("--tls-cert", "TOLK_TLS_CERT", Path, "PEM server certificate chain (enables TLS)"),
    "tls_key": _Setting("--tls-key", "TOLK_TLS_KEY", Path, "PEM server private key"),
    "tls_client_ca": _Setting(
        "--tls-client-ca", "TOLK_TLS_CLIENT_CA", Path, "PEM CA that client certificates must chain to (mTLS)"
    ),
    "auth_tokens": _Setting(
        "--auth-tokens", "TOLK_AUTH_TOKENS", Path, "token file: '<token>' or '<name> <token>' per line"
    ),
    "metrics_port": _Setting("--metrics-port", "TOLK_METRICS_PORT", int, "Prometheus /metrics port (off)"),
    "metrics_host": _Setting("--metrics-host", "TOLK_METRICS_HOST", str, "metrics interface (= --host)"),
    "max_streams_per_client": _Setting(
        "--max-streams-per-client",
        "TOLK_MAX_STREAMS_PER_CLIENT",
        int,
        "streams per client (default 16)",
    ),
    "audio_s_per_min": _Setting(
        "--audio-s-per-min",
        "TOLK_AUDIO_S_PER_MIN",
        float,
        "audio s per client-minute (3600)",
    ),
    "max_stream_s": _Setting(
        "--max-stream-s", "TOLK_MAX_STREAM_S", float, "stream length, then DEADLINE_EXCEEDED (default 3600)"
    ),
    "idle_timeout_s": _Setting(
        "--idle-timeout-s", "TOLK_IDLE_TIMEOUT_S", float, "close streams silent this long (default 120)"
    ),
    "keepalive_s": _Setting("--keepalive-s", "TOLK_KEEPALIVE_S", float, "HTTP/2 ping interval (default 20)"),
    "keepalive_timeout_s": _Setting(
        "--keepalive-timeout-s", "TOLK_KEEPALIVE_TIMEOUT_S", float, "ping answer timeout (default 10)"
    ),
    # live events (backend/rooms.py)
    "http_port": _Setting("--http-port", "TOLK_HTTP_PORT", int, "caption page port, /rooms/ROOM (off)"),
    "http_host": _Setting("--http-host", "TOLK_HTTP_HOST", str, "caption page interface (= --host)"),
    "public_url": _Setting("--public-url", "TOLK_PUBLIC_URL", str, "page address for QR codes"),
    "bus": _Setting("--bus", "TOLK_BUS", str, "rooms shared through redis://HOST:PORT (in-process)"),
    "max_listeners_per_room": _Setting(
        "--max-listeners-per-room", "TOLK_MAX_LISTENERS_PER_ROOM", int, "room listeners (default 1000)"
    ),
    "max_listeners": _Setting("--max-listeners", "TOLK_MAX_LISTENERS", int, "all listeners (default 2000)"),
}
_CONTEXT_FIELDS = ("model_dir", "device", "precision", "beam_size")
# TranslateLimits field -> how to set it (backend.unary_limits)
TRANSLATE_SETTINGS: dict[str, _Setting] = {
    "max_concurrent_per_client": _Setting(
        "--translate-per-client", "TOLK_TRANSLATE_PER_CLIENT", int, "concurrent TranslateText per client (2)"
    ),
    "calls_per_min": _Setting(
        "--unary-calls-per-min", "TOLK_UNARY_CALLS_PER_MIN", float, "unary calls per client-minute (600)"
    ),
    "mt_threads": _Setting("--mt-threads", "TOLK_MT_THREADS", int, "threads for translation (default 4)"),
}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Registers `tolk serve` on an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the gRPC interpreter server",
        description="Runs the gRPC interpreter server until SIGINT or SIGTERM, then drains gracefully. "
        "Settings: defaults < TOLK_* environment < flags.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for name, setting in {**SETTINGS, **TRANSLATE_SETTINGS}.items():
        parser.add_argument(setting.flag, dest=name, default=None, help=f"{setting.help} [{setting.env}]")
    parser.add_argument(
        "--reflection",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="enable gRPC server reflection (default off) [TOLK_REFLECTION]",
    )
    parser.add_argument(
        "--tls-reload",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="SIGHUP also re-reads --tls-cert/--tls-key (dynamic credentials; default off) [TOLK_TLS_RELOAD]",
    )
    parser.add_argument(
        "--insecure",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="allow a non-loopback --host without --auth-tokens (default: refuse) [TOLK_INSECURE]",
    )
    parser.add_argument(
        "--generate-token",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="create the --auth-tokens file with one new token if it is missing, and print it once "
        "[TOLK_GENERATE_TOKEN]",
    )
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING... [TOLK_LOG_LEVEL]")
    parser.add_argument(
        "--log-format", choices=("json", "text"), default=None, help="default json [TOLK_LOG_FORMAT]"
    )
    parser.set_defaults(func=run)
    return parser


def _values(
    settings: dict[str, _Setting], args: argparse.Namespace, env: Mapping[str, str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, setting in settings.items():
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
    return values


def build_config(args: argparse.Namespace, env: Mapping[str, str]) -> ServerConfig:
    """Merges defaults < environment < flags; raises ValueError naming the bad setting."""
    values: dict[str, Any] = _values(SETTINGS, args, env)
    translate = replace(TranslateLimits(), **_values(TRANSLATE_SETTINGS, args, env))
    if translate.mt_threads < 1 or translate.max_concurrent_per_client < 0 or translate.calls_per_min < 0:
        raise ValueError("--mt-threads must be >= 1, --translate-per-client and --unary-calls-per-min >= 0")
    values["translate"] = translate
    reflection = getattr(args, "reflection", None)
    if reflection is None and env.get("TOLK_REFLECTION"):
        reflection = _bool(env["TOLK_REFLECTION"])
    values.setdefault("model_dir", resolve_store_dir(None, env))  # the store `tolk models` manages
    context = replace(EngineContext(), **{k: values.pop(k) for k in _CONTEXT_FIELDS if k in values})
    config = replace(ServerConfig(), engine_context=context, **values)
    if reflection is not None:
        config = replace(config, reflection=reflection)
    insecure = getattr(args, "insecure", None)
    if insecure is None and env.get("TOLK_INSECURE"):
        insecure = _bool(env["TOLK_INSECURE"])
    config = replace(config, insecure=bool(insecure))
    tls_reload = getattr(args, "tls_reload", None)
    if tls_reload is None and env.get("TOLK_TLS_RELOAD"):
        tls_reload = _bool(env["TOLK_TLS_RELOAD"])
    config = replace(config, tls_reload=bool(tls_reload))
    _check(config)
    return config


def generate_token(args: argparse.Namespace, env: Mapping[str, str], config: ServerConfig) -> None:
    """--generate-token: creates a missing token file and prints its token once (to stderr)."""
    wanted = getattr(args, "generate_token", None)
    if wanted is None and env.get("TOLK_GENERATE_TOKEN"):
        wanted = _bool(env["TOLK_GENERATE_TOKEN"])
    if not wanted or config.auth_tokens is None:
        return
    try:
        token = generate_token_file(config.auth_tokens)
    except OSError as exc:
        raise ValueError(f"--auth-tokens: cannot create {config.auth_tokens}: {exc.strerror}") from None
    if token is not None:
        print(
            f"tolk serve: created {config.auth_tokens}; clients use the bearer token {token}", file=sys.stderr
        )


def _check(config: ServerConfig) -> None:
    if not 0 <= config.port <= 65535:
        raise ValueError(f"--port: {config.port} is not a TCP port")
    for name in ("max_sessions", "partial_interval_ms", "worker_threads", "max_listeners_per_room",
                 "max_listeners"):  # fmt: skip
        if getattr(config, name) < 1:
            raise ValueError(f"{SETTINGS[name].flag}: must be >= 1")
    for name in ("max_streams_per_client", "audio_s_per_min", "max_stream_s", "idle_timeout_s", "grace_s"):
        if getattr(config, name) < 0:
            raise ValueError(f"{SETTINGS[name].flag}: must be >= 0")
    for name in ("keepalive_s", "keepalive_timeout_s"):
        if getattr(config, name) <= 0:
            raise ValueError(f"{SETTINGS[name].flag}: must be > 0")
    if config.metrics_port is not None and not 0 <= config.metrics_port <= 65535:
        raise ValueError(f"--metrics-port: {config.metrics_port} is not a TCP port")
    if config.http_port is not None and not 0 <= config.http_port <= 65535:
        raise ValueError(f"--http-port: {config.http_port} is not a TCP port")
    if config.bus is not None:
        from tolk.backend.bus import open_bus

        open_bus(config.bus)  # a malformed URL fails here (nothing connects yet)
    _ = config.tls  # cert and key together; a client CA only with them
    if not is_loopback(config.host) and config.auth_tokens is None and not config.insecure:
        raise ValueError(
            f"--host {config.host} is reachable from other machines: give --auth-tokens FILE "
            "(with --generate-token to create one), or --insecure to serve without authentication"
        )


def run(args: argparse.Namespace) -> int:
    """Runs the server until SIGINT/SIGTERM; returns the process exit status."""
    env = os.environ
    level = (args.log_level or env.get("TOLK_LOG_LEVEL") or "INFO").upper()
    log_format = getattr(args, "log_format", None) or env.get("TOLK_LOG_FORMAT") or "json"
    try:
        if log_format not in ("json", "text"):
            raise ValueError(f"TOLK_LOG_FORMAT: expected json or text, got {log_format!r}")
        configure_logging(level, json_format=log_format == "json")
        config = build_config(args, env)
        generate_token(args, env, config)
    except ValueError as exc:
        print(f"tolk serve: {exc}", file=sys.stderr)
        return 2
    from tolk.backend.server import PortBusyError, serve

    try:
        asyncio.run(serve(config))
    except ValueError as exc:  # an unreadable or malformed token, certificate or key file
        print(f"tolk serve: {exc}", file=sys.stderr)
        return 2
    except PortBusyError as exc:
        print(f"tolk serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"tolk serve: {exc}", file=sys.stderr)
        return 1
    return 0
