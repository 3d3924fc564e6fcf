"""Exports of a dictated transcript: TXT, Markdown, DOCX, each optionally encrypted with a passphrase.

Encryption uses `cryptography`: a key from the passphrase by scrypt (n=2**15, r=8, p=1; 16-byte random
salt) and AES-256-GCM (12-byte random nonce), which authenticates as well as encrypts, so a wrong
passphrase or a changed file fails to decrypt instead of giving garbage. File layout: MAGIC, salt,
nonce, ciphertext+tag. Nothing is written anywhere but the file the user chose.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from typing import Literal

ExportFormat = Literal["txt", "md", "docx"]
FORMATS: tuple[ExportFormat, ...] = ("txt", "md", "docx")
MAGIC = b"TOLKENC1"
SALT_BYTES = 16
NONCE_BYTES = 12
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
ENCRYPTED_SUFFIX = ".enc"


class ExportError(Exception):
    """A file that cannot be written or read, or a wrong passphrase."""


class NotAnExportError(ExportError):
    """The file is not a Tolk encrypted export (no magic header, or too short)."""


def render(text: str, fmt: ExportFormat, title: str = "Dictation") -> bytes:
    """The transcript as the bytes of a TXT, Markdown or DOCX file."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    if fmt == "txt":
        return (text.strip() + "\n").encode("utf-8")
    if fmt == "md":
        body = "\n\n".join(p.replace("\n", "  \n") for p in paragraphs)
        return f"# {title}\n\n{body}\n".encode()
    if fmt == "docx":
        import docx

        document = docx.Document()
        document.add_heading(title, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        document.core_properties.created = datetime.now()
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    raise ExportError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")


def _key(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase.encode("utf-8"))


def encrypt(data: bytes, passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not passphrase:
        raise ExportError("the passphrase is empty")
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    return MAGIC + salt + nonce + AESGCM(_key(passphrase, salt)).encrypt(nonce, data, MAGIC)


def decrypt(blob: bytes, passphrase: str) -> bytes:
    """The plaintext; ExportError for a wrong passphrase, a changed file or a file that is not ours."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = len(MAGIC) + SALT_BYTES + NONCE_BYTES
    if not blob.startswith(MAGIC) or len(blob) < header + 16:
        raise NotAnExportError("not a Tolk encrypted export")
    salt = blob[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    nonce = blob[len(MAGIC) + SALT_BYTES : header]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, blob[header:], MAGIC)
    except InvalidTag:
        raise ExportError("wrong passphrase, or the file was changed") from None


def export(text: str, path: str | Path, fmt: ExportFormat, passphrase: str | None = None) -> Path:
    """Writes the transcript to `path` (encrypted when a passphrase is given; ".enc" is appended)."""
    data = render(text, fmt)
    path = Path(path)
    if passphrase is not None:
        data = encrypt(data, passphrase)
        if path.suffix != ENCRYPTED_SUFFIX:
            path = path.with_name(path.name + ENCRYPTED_SUFFIX)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc
    return path
