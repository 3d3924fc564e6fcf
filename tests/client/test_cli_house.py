"""Day-one CLI behavior: busy ports, no display, --to lists, --track checks, exit codes in every --help."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tolk.app.cli import build_parser, main
from tolk.app.commands import EXIT_USAGE, translate_problem
from tolk.app.ui.launch import display_problem
from tolk.common.langcodes import language_list

CLI = [sys.executable, "-m", "tolk"]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def _tolk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=60, check=False, env=env or dict(os.environ)
    )


@pytest.mark.parametrize("flag", ["--port", "--metrics-port"])
def test_busy_port_is_one_line_naming_it_and_exit_2(busy_port: int, flag: str) -> None:
    ports = (
        ["--port", str(busy_port)] if flag == "--port" else ["--port", "0", "--metrics-port", str(busy_port)]
    )
    done = _tolk("serve", "--host", "127.0.0.1", *ports, "--log-format", "text", "--log-level", "ERROR")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert flag in done.stderr and str(busy_port) in done.stderr and "Traceback" not in done.stderr


def test_app_without_a_display_is_one_line_not_a_qt_abort() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = _tolk("app", env=env)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "no display" in done.stderr


@pytest.mark.parametrize(
    ("env", "platform", "blocked"),
    [
        ({}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({}, "darwin", False),
    ],
)
def test_display_problem(env: dict[str, str], platform: str, blocked: bool) -> None:
    assert (display_problem(env, platform) is not None) == blocked


def test_language_lists_accept_commas_and_repeats() -> None:
    assert language_list(["es,FR", " de ", "es", ""]) == ("es", "fr", "de")


def _translate_args(*argv: str) -> argparse.Namespace:
    return build_parser(["translate"], env={}).parse_args(["translate", "a.wav", *argv])


def test_translate_to_comma_list_and_tracks() -> None:
    args = _translate_args("--to", "es,fr", "--format", "srt", "--track", "fr", "--track", "original")
    assert translate_problem(args) is None and args.targets == ["es", "fr"]
    default = _translate_args()
    assert translate_problem(default) is None and default.targets == ["es"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to", "es", "--format", "srt", "--track", "de"], "--track de: not a target of this run"),
        (["--to", "es", "--track", "es"], "--track applies to --format srt or vtt"),
        (["--to", ","], "--to: give at least one language"),
    ],
)
def test_translate_usage_problems_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["translate", "missing.wav", *argv]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


@pytest.mark.parametrize("command", ["translate", "engines", "serve", "models", "app"])
def test_every_subcommand_help_describes_arguments_and_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "exit status" in text and "  2 " in text
    sub = next(a for a in build_parser([command])._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices[command]
    assert parser.description
    assert [a.dest for a in parser._actions if not a.help] == []  # every argument says what it is


def test_models_subcommands_document_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["models", "pull", "--help"])
    text = capsys.readouterr().out
    assert "5    the download failed" in text and "HUB_ID" in text


def test_version_from_the_command_and_python_m_tolk(capsys: pytest.CaptureFixture[str]) -> None:
    from tolk import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert (
        stop.value.code == 0 and capsys.readouterr().out.strip() == f"tolk {__version__} (tolk-interpreter)"
    )
    done = _tolk("--version")
    assert done.returncode == 0 and __version__ in done.stdout
