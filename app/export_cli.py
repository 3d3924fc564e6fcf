"""`tolk export decrypt FILE`: open an encrypted dictation export (the Dictation tab's "Encrypt").

The passphrase comes from `--passphrase-file` (its first line; `-` reads standard input) or is asked for
on the terminal (getpass, never echoed). The plaintext goes to `--out` (default: FILE without `.enc`),
created readable by its owner only and never over an existing file unless `--force`; `--out -` writes it
to standard output. Errors are one line with an exit status (see --help).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from tolk.app.core.export import ENCRYPTED_SUFFIX, ExportError, NotAnExportError, decrypt

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NOT_EXPORT = 4
EXIT_WRONG_PASSPHRASE = 6
EXIT_INTERRUPTED = 130
EXIT_HELP = """exit status:
  0    decrypted
  2    usage error: missing or unreadable file, no passphrase, the output exists (use --force)
  4    the file is not a Tolk encrypted export
  6    wrong passphrase, or the file was changed after it was encrypted
  130  interrupted (Ctrl-C)"""
OWNER_ONLY = 0o600


class DecryptError(Exception):
    """One line for the user, and the exit status that goes with it."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="decrypt an encrypted dictation export",
        description="Work with the Dictation tab's exports.",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    decrypt_parser = actions.add_parser(
        "decrypt",
        help="decrypt FILE (.enc) with its passphrase",
        description="Decrypts an export made with 'Encrypt with passphrase' (AES-256-GCM, scrypt key).",
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    decrypt_parser.add_argument("file", metavar="FILE", type=Path, help="the encrypted export (.enc)")
    decrypt_parser.add_argument(
        "--out",
        "-o",
        metavar="PATH",
        help="where to write the plaintext (default: FILE without .enc; - = stdout)",
    )
    decrypt_parser.add_argument(
        "--passphrase-file",
        metavar="PATH",
        help="read the passphrase from the first line of PATH (- = stdin)",
    )
    decrypt_parser.add_argument("--force", action="store_true", help="overwrite an existing output file")


def _passphrase(source: str | None) -> str:
    if source is None:
        if not sys.stdin.isatty():
            raise DecryptError("no passphrase: give --passphrase-file, or run in a terminal", EXIT_USAGE)
        return getpass.getpass("Passphrase: ")
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DecryptError(f"cannot read the passphrase file: {exc}", EXIT_USAGE) from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise DecryptError("the passphrase file is empty", EXIT_USAGE)
    return lines[0]


def _output(args: argparse.Namespace) -> Path | None:
    """The output path (None: stdout), checked before the passphrase is asked for."""
    if args.out == "-":
        return None
    if args.out:
        out = Path(args.out)
    elif args.file.suffix == ENCRYPTED_SUFFIX:
        out = args.file.with_suffix("")
    else:
        raise DecryptError(
            f"{args.file} does not end in {ENCRYPTED_SUFFIX}: say where to write with --out", EXIT_USAGE
        )
    if out.exists() and not args.force:
        raise DecryptError(f"{out} exists; use --force to overwrite it", EXIT_USAGE)
    return out


def _write(out: Path, data: bytes, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(out, flags, OWNER_ONLY)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
    except OSError as exc:
        raise DecryptError(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE) from None


def decrypt_file(args: argparse.Namespace) -> Path | None:
    """Decrypts args.file; returns where the plaintext went (None: stdout). Raises DecryptError."""
    try:
        blob = args.file.read_bytes()
    except OSError as exc:
        raise DecryptError(f"cannot read {args.file}: {exc.strerror or exc}", EXIT_USAGE) from None
    out = _output(args)
    passphrase = _passphrase(args.passphrase_file)
    try:
        data = decrypt(blob, passphrase)
    except ExportError as exc:
        code = EXIT_NOT_EXPORT if isinstance(exc, NotAnExportError) else EXIT_WRONG_PASSPHRASE
        raise DecryptError(f"{args.file}: {exc}", code) from None
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        _write(out, data, args.force)
    return out


def run(args: argparse.Namespace) -> int:
    try:
        out = decrypt_file(args)
    except DecryptError as exc:
        print(f"tolk export decrypt: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    if out is not None:
        print(f"decrypted to {out}", file=sys.stderr)
    return EXIT_OK
