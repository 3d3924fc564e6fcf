"""The desktop app takes its server token from --token, --token-file, $TOLK_TOKEN or $TOLK_TOKEN_FILE, so
it need not appear on the command line (`ps`); it is read at the entry point only (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tolk.app.cli import build_parser
from tolk.app.ui.launch import EXIT_USAGE, resolve_token
from tolk.common.keyfiles import TokenFileError

FROM_FLAG, FROM_FILE, FROM_ENV, FROM_ENV_FILE = ("f" * 32, "g" * 32, "e" * 32, "h" * 32)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    token_file, env_file = tmp_path / "token", tmp_path / "env-token"
    token_file.write_text(f"# the app's token\nalice {FROM_FILE}\n")
    env_file.write_text(f"{FROM_ENV_FILE}\n")
    return token_file, env_file


def _token(argv: list[str], env: dict[str, str]) -> str:
    return resolve_token(build_parser(["app"]).parse_args(["app", *argv]), env)


def test_precedence_flag_file_env_envfile(files: tuple[Path, Path]) -> None:
    token_file, env_file = files
    env = {"TOLK_TOKEN": FROM_ENV, "TOLK_TOKEN_FILE": str(env_file)}
    assert _token(["--token", FROM_FLAG, "--token-file", str(token_file)], env) == FROM_FLAG
    assert _token(["--token-file", str(token_file)], env) == FROM_FILE
    assert _token([], env) == FROM_ENV
    assert _token([], {"TOLK_TOKEN_FILE": str(env_file)}) == FROM_ENV_FILE
    assert _token([], {}) == ""


def test_a_bad_token_file_is_one_line_and_a_usage_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("# nothing here\n")
    with pytest.raises(TokenFileError, match="no token"):
        _token(["--token-file", str(empty)], {})
    env = {**os.environ, "TOLK_TOKEN_FILE": str(tmp_path / "missing")}
    env.pop("TOLK_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "tolk.app.cli", "app"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EXIT_USAGE
    assert done.stderr.strip().splitlines() == [
        f"tolk app: cannot read token file {tmp_path / 'missing'}: No such file or directory"
    ]
