"""Unit tests of the hardening pieces: unary limits, the offered-engines allowlist, refusal logs, token
files, the loopback rule of `tolk serve`, model names and symlinks in `models import`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest

from tolk.backend.cli import add_parser, build_config
from tolk.backend.engines.registry import MAX_LOADED_ENGINES, EngineInfo, Registry, canonical_spec, echo_spec
from tolk.backend.logs import RefusalLog
from tolk.backend.security import generate_token_file, is_loopback, load_tokens
from tolk.backend.unary_limits import TranslateLimits, UnaryAdmission, check_texts
from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted
from tolk.models.store import NAME_RE, ModelStore


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_unary_concurrency_per_client() -> None:
    admission = UnaryAdmission(max_concurrent_per_client=2)
    first, second = admission.admit("a"), admission.admit("a")
    with pytest.raises(ResourceExhausted, match="at most 2 concurrent"):
        admission.admit("a")
    admission.admit("b").release()  # other clients are not affected
    first.release()
    first.release()  # idempotent
    admission.admit("a")
    second.release()
    assert admission.running("a") == 1


def test_unary_rate_refills_over_a_minute() -> None:
    clock = _Clock()
    admission = UnaryAdmission(calls_per_min=60, clock=clock)
    for _ in range(60):
        admission.admit("a", concurrent=False)
    with pytest.raises(ResourceExhausted, match="60 calls per minute"):
        admission.admit("a", concurrent=False)
    clock.now = 1.0  # one call's worth back
    admission.admit("a", concurrent=False)
    with pytest.raises(ResourceExhausted):
        admission.admit("a", concurrent=False)


def test_size_caps_never_quote_the_text() -> None:
    limits = TranslateLimits(max_texts=2, max_text_chars=10, max_request_chars=15)
    check_texts(["a" * 10], limits)
    for texts, message in (
        (["x"] * 3, "at most 2 texts"),
        (["secret text!"], "at most 10 per text"),
        (["secret 01", "secret 02"], "at most 15 per request"),
    ):
        with pytest.raises(InvalidArgument, match=message) as refused:
            check_texts(texts, limits)
        assert "secret" not in str(refused.value)


class _ListedRegistry(Registry):
    def installed(self) -> list[EngineInfo]:
        return [
            EngineInfo("pocketsphinx", "asr"),
            EngineInfo("apertium", "mt"),
            EngineInfo("seq2seq:opus", "mt"),
        ]


def test_clients_pick_only_offered_engines() -> None:
    registry = _ListedRegistry(default_mt="apertium:spa-eng_US")
    for spec in ("apertium", " apertium ", "seq2seq:opus", "apertium:spa-eng_US"):  # listed, or the default
        registry.require_offered("mt", spec)
    for spec in ("apertium:,", "apertium:" + "," * 9, "seq2seq:other", "whisper:x", "pocketsphinx"):
        with pytest.raises(NotFound, match="not offered"):
            registry.require_offered("mt", spec)
    assert registry.offered("asr") == {"pocketsphinx"}


def test_spec_helpers() -> None:
    assert canonical_spec(" apertium: ") == "apertium" and canonical_spec("seq2seq: m ") == "seq2seq:m"
    shown = echo_spec("x" * 200 + "\n")
    assert len(shown) < 60 and "\n" not in shown


def test_the_registry_is_bounded() -> None:
    registry = Registry()
    registry._loaded.update({f"apertium:{i}": object() for i in range(MAX_LOADED_ENGINES)})  # type: ignore[misc]
    with pytest.raises(ResourceExhausted, match=f"at most {MAX_LOADED_ENGINES}"):
        registry.mt("apertium")
    registry._loaded.clear()


def test_refusal_log_is_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    refusals = RefusalLog(logging.getLogger("test.refusals"), per_s=3)
    with caplog.at_level(logging.WARNING, "test.refusals"):
        for i in range(10):
            refusals.refused("ipv4:10.0.0.1:5", "/m", "quota", now=i * 0.01)
        refusals.refused("ipv4:10.0.0.1:5", "/m", "quota", now=2.0)
    assert len(caplog.records) == 4
    assert caplog.records[0].peer == "ipv4:10.0.0.1:5" and caplog.records[-1].suppressed == 7  # type: ignore[attr-defined]


def test_generated_token_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    token = generate_token_file(path)
    assert token and generate_token_file(path) is None  # created once, never overwritten
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_tokens(path).identify(token) == "default"


def _serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_serve_refuses_an_open_non_loopback_address(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("[::1]") and not is_loopback("0.0.0.0")
    with pytest.raises(ValueError, match="--auth-tokens FILE"):
        build_config(_serve_args("--host", "0.0.0.0"), {})
    assert build_config(_serve_args("--host", "0.0.0.0", "--insecure"), {}).insecure
    assert build_config(_serve_args(), {"TOLK_HOST": "0.0.0.0", "TOLK_INSECURE": "1"}).insecure
    tokens = tmp_path / "tokens"
    assert (
        build_config(_serve_args("--host", "0.0.0.0", "--auth-tokens", str(tokens)), {}).auth_tokens == tokens
    )
    build_config(_serve_args("--host", "127.0.0.1"), {})


def test_model_names_are_matched_whole() -> None:
    assert NAME_RE.fullmatch("opus-mt-en-es") and not NAME_RE.fullmatch("opus\n")


def test_models_import_refuses_symlinks_that_leave_the_checkpoint(tmp_path: Path) -> None:
    key = tmp_path / "server.key"
    key.write_text("PRIVATE KEY")
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text('{"model_type": "marian"}')
    (checkpoint / "model.safetensors").write_bytes(b"0")
    (checkpoint / "vocab.json").symlink_to(key)
    store = ModelStore(tmp_path / "store")
    with pytest.raises(FailedPrecondition, match=r"vocab\.json is a symlink"):
        store.import_dir(checkpoint, "m")
    assert not any(p.is_file() for p in (tmp_path / "store").rglob("*"))


def test_translate_limits_from_flags_and_environment() -> None:
    config = build_config(
        _serve_args("--translate-per-client", "5", "--mt-threads", "2"), {"TOLK_UNARY_CALLS_PER_MIN": "30"}
    )
    assert (config.translate.max_concurrent_per_client, config.translate.mt_threads) == (5, 2)
    assert config.translate.calls_per_min == 30 and config.limits.translate == config.translate
    with pytest.raises(ValueError, match="--mt-threads must be >= 1"):
        build_config(_serve_args("--mt-threads", "0"), {})
