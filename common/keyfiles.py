"""The files that hold TLS certificates, keys and bearer tokens: read the same way by server and client.

Both sides report a bad file as one line that names the file (never its contents).
"""

from __future__ import annotations

from pathlib import Path


class TlsFileError(ValueError):
    """A certificate or key file is missing, unreadable or not PEM (one line, names the file)."""


class TokenFileError(ValueError):
    """A token file is missing, unreadable or malformed (the message names the line, never a token)."""


def read_pem(path: Path, what: str) -> bytes:
    """The bytes of a PEM file; `what` ("CA", "TLS key"...) names it in the error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TlsFileError(f"cannot read {what} {path}: {exc.strerror}") from None
    if b"-----BEGIN" not in data:
        raise TlsFileError(f"{what} {path} is not PEM")
    return data
