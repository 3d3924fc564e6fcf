"""`tolk export decrypt`: an encrypted dictation export opens with its passphrase; a wrong one, a file
that is not an export, or an existing output is one line on stderr and an exit status."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tolk.app.cli import main
from tolk.app.core.export import export

RECORD = "Take 5 mg of metformin.\n\nFollow up in 2 weeks."


@pytest.fixture
def locked(tmp_path: Path) -> Path:
    return export(RECORD, tmp_path / "visit.md", "md", passphrase="correct horse")


def _passphrase_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / f"pass-{abs(hash(text))}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def test_decrypts_next_to_the_file_readable_by_the_owner_only(locked: Path, tmp_path: Path) -> None:
    """The installed command, as a user runs it."""
    command = [sys.executable, "-c", "import sys; from tolk.app.cli import main; sys.exit(main())"]
    args = [
        "export",
        "decrypt",
        str(locked),
        "--passphrase-file",
        _passphrase_file(tmp_path, "correct horse"),
    ]
    done = subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "visit.md"
    assert done.stderr.strip() == f"decrypted to {out}"
    assert (
        out.read_text(encoding="utf-8") == "# Dictation\n\nTake 5 mg of metformin.\n\nFollow up in 2 weeks.\n"
    )
    assert os.stat(out).st_mode & 0o777 == 0o600
    again = subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and again.stderr.strip().endswith("exists; use --force to overwrite it")


def test_wrong_passphrase_is_one_line_and_exit_6(
    locked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["export", "decrypt", str(locked), "--passphrase-file", _passphrase_file(tmp_path, "wrong")])
    err = capsys.readouterr().err
    assert code == 6 and err.count("\n") == 1 and "wrong passphrase" in err
    assert not (tmp_path / "visit.md").exists()  # nothing written


def test_not_an_export_is_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "notes.txt.enc"
    plain.write_text("just text", encoding="utf-8")
    assert main(["export", "decrypt", str(plain), "--passphrase-file", _passphrase_file(tmp_path, "x")]) == 4
    assert "not a Tolk encrypted export" in capsys.readouterr().err


def test_passphrase_from_the_terminal_and_plaintext_to_stdout(
    locked: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Without --passphrase-file the passphrase is asked on the terminal (getpass, not echoed); with no
    terminal the command says how to give it instead of hanging."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "correct horse")
    monkeypatch.setattr(sys, "stdin", Terminal())
    assert main(["export", "decrypt", str(locked), "--out", "-"]) == 0
    assert asked == ["Passphrase: "]
    assert capsysbinary.readouterr().out.decode().startswith("# Dictation\n\nTake 5 mg")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["export", "decrypt", str(locked), "--out", "-"]) == 2
    assert b"no passphrase: give --passphrase-file" in capsysbinary.readouterr().err
