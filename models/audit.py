"""The store's append-only audit log: one JSON line per change (who, when, what, which files).

Every change to a model store (import, pull, train, quantize, evaluate, promote, rollback, remove) appends
an `AuditEntry` to ROOT/audit.jsonl. Lines are never rewritten: each carries the sha256 of the line
before it (`prev`), so an edited or deleted line breaks the chain and `verify_chain` names where.
Entries hold model names, versions, file hashes and numbers; never audio or transcript text.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

AUDIT_FILE = "audit.jsonl"
GENESIS = "0" * 64
ACTIONS = ("import", "pull", "train", "quantize", "evaluate", "promote", "rollback", "remove")


def current_user() -> str:
    """The login name of this process's user, from the password database (not the environment)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return "unknown"


@dataclass(frozen=True)
class AuditEntry:
    """One store change.

    Attributes:
        action: one of ACTIONS.
        name: the model's store name.
        version: the version acted on (None for `remove`, which drops all).
        actor: who did it (login name, or what the entry point was told).
        time: ISO 8601 UTC.
        digest: sha256 over the version's file hashes (what exactly was acted on), if known.
        details: small action-specific facts (previous version, metrics, base model, forced...).
        prev: sha256 of the previous line of the log (GENESIS for the first).
    """

    action: str
    name: str
    version: int | None
    actor: str
    time: str
    digest: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS


def files_digest(file_hashes: dict[str, str]) -> str:
    """sha256 over 'path sha256' lines in path order: one value naming a version's exact content."""
    text = "".join(f"{path} {sha}\n" for path, sha in sorted(file_hashes.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.rstrip("\n").encode()).hexdigest()


class AuditLog:
    """ROOT/audit.jsonl, appended under an exclusive lock (several processes may share a store)."""

    def __init__(self, path: Path, actor: str | None = None) -> None:
        self.path = path
        self.actor = actor or current_user()

    def append(
        self,
        action: str,
        name: str,
        version: int | None,
        digest: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            last = ""
            for line in handle:
                last = line if line.strip() else last
            entry = AuditEntry(
                action, name, version, self.actor, datetime.now(UTC).isoformat(timespec="seconds"),
                digest, dict(details or {}), _line_hash(last) if last else GENESIS,
            )  # fmt: skip
            handle.seek(0, os.SEEK_END)
            handle.write(json.dumps(asdict(entry), sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return entry

    def entries(self, name: str | None = None) -> list[AuditEntry]:
        """All entries, oldest first (only NAME's when given)."""
        if not self.path.is_file():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = AuditEntry(**json.loads(line))
                if name is None or entry.name == name:
                    found.append(entry)
        return found

    def verify_chain(self) -> int | None:
        """The 1-based line number where the hash chain breaks, or None when the log is intact."""
        if not self.path.is_file():
            return None
        previous = GENESIS
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            if json.loads(line).get("prev") != previous:
                return number
            previous = _line_hash(line)
        return None
