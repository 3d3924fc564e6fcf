"""`tolk` argument handling and error reporting (no server needed for these)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tolk.app.cli import build_parser, main
from tolk.app.commands import EXIT_AUDIO, EXIT_USAGE, exit_code
from tolk.app.core import errors


def test_help_lists_commands_formats_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["translate", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    for word in (
        "--from",
        "--to",
        "--server",
        "--offline",
        "--realtime",
        "jsonl",
        "srt",
        "vtt",
        "exit status",
    ):
        assert word in text
    assert "serve" in build_parser([]).format_help()


def test_translate_defaults() -> None:
    args = build_parser(["translate"], env={}).parse_args(["translate", "a.wav"])
    assert (args.source, args.targets, args.format, args.server, args.realtime) == (
        "en",
        [],
        "text",
        None,
        False,
    )
    env_args = build_parser(["translate"], env={"TOLK_SERVER": "h:1"}).parse_args(["translate", "a.wav"])
    assert env_args.server == "h:1"


def test_server_and_offline_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["translate", "a.wav", "--server", "h:1", "--offline"])
    assert stop.value.code == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not allowed with" in err[0]


def test_bad_file_is_one_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.ogg"
    path.write_bytes(b"OggS" + bytes(100))
    assert main(["translate", str(path), "--offline"]) == EXIT_AUDIO
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"tolk translate: {path}: not a readable audio file (WAV, FLAC, OGG or MP3 expected)"]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.AudioFileError("x"), 3),
        (errors.NotFoundError("x"), 4),
        (errors.InvalidArgumentError("x"), 4),
        (errors.UnavailableError("x"), 5),
        (errors.UnauthenticatedError("x"), 6),
        (errors.ResourceExhaustedError("x"), 7),
        (RuntimeError("x"), 1),
    ],
)
def test_exit_codes(error: Exception, code: int) -> None:
    assert exit_code(error) == code
