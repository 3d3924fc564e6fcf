"""A token on a plaintext channel to a non-loopback address is warned about in the one channel builder:
logged for the app, one `tolk: warning:` line on stderr for the CLI (issue 11)."""

from __future__ import annotations

import logging

import pytest

from tolk.app.commands import _setup_logging
from tolk.app.transport.channel import (
    ChannelSpec,
    ClientTls,
    is_loopback_target,
    open_channel,
    plaintext_token_warning,
)

TOKEN = "t" * 32


@pytest.mark.parametrize(
    ("target", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("ipv6:[::1]:50051", True),
        ("dns:///localhost:50051", True),
        ("unix:/tmp/tolk.sock", True),
        ("10.0.0.5:50051", False),
        ("[2001:db8::1]:50051", False),
        ("interp.example.org:443", False),
        ("localhost.example.org:50051", False),
    ],
)
def test_loopback_targets(target: str, loopback: bool) -> None:
    assert is_loopback_target(target) is loopback


def test_only_a_plaintext_token_to_another_machine_is_warned_about() -> None:
    assert plaintext_token_warning(ChannelSpec("10.0.0.5:50051", TOKEN)) is not None
    assert plaintext_token_warning(ChannelSpec("10.0.0.5:50051")) is None
    assert plaintext_token_warning(ChannelSpec("10.0.0.5:50051", TOKEN, ClientTls())) is None
    assert plaintext_token_warning(ChannelSpec("127.0.0.1:50051", TOKEN)) is None
    assert TOKEN not in (plaintext_token_warning(ChannelSpec("10.0.0.5:1", TOKEN)) or "")


async def test_the_app_logs_it_once_per_target(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tolk.app.transport.channel"):
        for _ in range(3):
            await open_channel(ChannelSpec("10.0.0.7:50051", TOKEN)).close()
        await open_channel(ChannelSpec("127.0.0.1:50051", TOKEN)).close()
    warnings = [r for r in caplog.records if "plaintext" in r.getMessage()]
    assert len(warnings) == 1
    assert "10.0.0.7:50051" in warnings[0].getMessage() and TOKEN not in caplog.text


async def test_the_cli_prints_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    _setup_logging(verbose=False)  # what every CLI command does first (root logger at CRITICAL)
    try:
        await open_channel(ChannelSpec("10.0.0.8:50051", TOKEN)).close()
    finally:
        logging.basicConfig(force=True)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tolk: warning: the token travels in plaintext")
