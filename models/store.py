"""The local model store: versioned checkpoint directories, each with a manifest of sha256 per file.

Layout: ROOT/NAME/vN/{checkpoint files..., manifest.json} and ROOT/NAME/current (the active version).
Imports land in a temporary directory and are renamed into place, so a crash never leaves a partial
version behind. Engines load a model only after `verify` (every file present, sizes and hashes match).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound
from tolk.models.audit import AUDIT_FILE, AuditLog, files_digest

MANIFEST = "manifest.json"
CURRENT = "current"
HASH_CHUNK_BYTES = 1 << 20
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A model name, matched with fullmatch ("$" alone would accept a trailing newline)."""
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.bin", "model.safetensors.index.json")

Kind = Literal["asr", "mt"]
ARCH_FAMILY: dict[str, tuple[Kind, str]] = {
    "whisper": ("asr", "whisper"),
    "marian": ("mt", "seq2seq"),
    "m2m100": ("mt", "seq2seq"),
    "nllb": ("mt", "seq2seq"),
}


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What the store knows about one model version.

    Attributes:
        name: store name (the NAME in `whisper:NAME`).
        kind: "asr" or "mt".
        family: engine family that loads it ("whisper" or "seq2seq").
        arch: "whisper", "marian", "m2m100" or "nllb".
        source: where it came from (hub id or directory).
        revision: hub commit, or "local".
        files: sha256 and size per relative path.
        size_bytes: total size of the files.
        precision: "fp32", "fp16" or "int8".
        runtime: "torch" or "ctranslate2".
        created: ISO 8601 UTC time of the import.
        version: version number within NAME.
        parent: the store entry this one was derived from (quantize), if any.
        metrics: evaluation results per evaluation set (`tolk models evaluate`), e.g.
            {"librivox": {"wer": 0.05, "cer": 0.02, "rtf": 0.1}}.
        lineage: how a trained version was made (base model and revision, data hash, hyper-parameters,
            code version, training metrics); empty for imports.
    """

    name: str
    kind: Kind
    family: str
    arch: str
    source: str
    revision: str
    files: dict[str, FileEntry] = field(default_factory=dict)
    size_bytes: int = 0
    precision: str = "fp32"
    runtime: str = "torch"
    created: str = ""
    version: int = 1
    parent: str | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    lineage: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """sha256 over the file hashes: names this version's exact content."""
        return files_digest({path: entry.sha256 for path, entry in self.files.items()})

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["files"] = {path: FileEntry(**entry) for path, entry in data["files"].items()}
        return cls(**data)


@dataclass(frozen=True)
class StoredModel:
    manifest: Manifest
    path: Path

    @property
    def name(self) -> str:
        return self.manifest.name


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _checkpoint_files(directory: Path, links_within: Path | None = None) -> list[Path]:
    """The files to import; refuses a symlink that leads out of `links_within` (default: `directory`),
    and copies nothing then."""
    root = (links_within or directory).resolve()
    files = sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and path.name != MANIFEST
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )
    for path in files:
        if not path.resolve().is_relative_to(root):
            relative = path.relative_to(directory).as_posix()
            raise FailedPrecondition(f"{relative} is a symlink that leads out of the checkpoint directory")
    return files


def detect_arch(directory: Path) -> str:
    """The architecture of a checkpoint directory (transformers or CTranslate2 layout)."""
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise FailedPrecondition(f"{directory} is not a model checkpoint (no config.json)")
    tokenizer_path = directory / "tokenizer_config.json"
    tokenizer = json.loads(tokenizer_path.read_text()) if tokenizer_path.is_file() else {}
    tokenizer_class = str(tokenizer.get("tokenizer_class", "")).lower()
    model_type = str(json.loads(config_path.read_text()).get("model_type", "")).replace("_", "")
    if "nllb" in tokenizer_class:
        return "nllb"
    for arch in ARCH_FAMILY:
        if model_type == arch or arch in tokenizer_class:
            return arch
    raise FailedPrecondition(
        f"{directory}: unsupported model type {model_type or tokenizer_class or 'unknown'!r} "
        f"(supported: {', '.join(ARCH_FAMILY)})"
    )


def _place(source: Path, target: Path, link: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if link:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copy2(source, target)


class ModelStore:
    """A directory of versioned models; see the module docstring for the layout."""

    def __init__(self, root: Path, actor: str | None = None) -> None:
        self.root = root
        self.audit = AuditLog(root / AUDIT_FILE, actor)

    def _dir(self, name: str) -> Path:
        if not NAME_RE.fullmatch(name):
            raise InvalidArgument(f"invalid model name {name!r} (letters, digits, . _ - only)")
        return self.root / name

    def versions(self, name: str) -> list[int]:
        directory = self._dir(name)
        if not directory.is_dir():
            return []
        found = (p.name[1:] for p in directory.iterdir() if p.is_dir() and p.name.startswith("v"))
        return sorted(int(v) for v in found if v.isdigit())

    def current_version(self, name: str) -> int | None:
        marker = self._dir(name) / CURRENT
        if marker.is_file():
            return int(marker.read_text().strip())
        versions = self.versions(name)
        return versions[-1] if versions else None

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and NAME_RE.fullmatch(p.name))

    def models(self) -> list[StoredModel]:
        """The active version of every model (unreadable entries are skipped; `get` explains them)."""
        models = []
        for name in self.names():
            try:
                models.append(self.get(name))
            except FailedPrecondition:
                continue
        return models

    def get(self, name: str, version: int | None = None) -> StoredModel:
        """The model's active (or given) version, without hashing files; see `verify`."""
        version = version or self.current_version(name)
        if version is None:
            raise FailedPrecondition(
                f"model {name!r} is not in the store {self.root}; add it with "
                f"`tolk models import DIR --name {name}` or `tolk models pull HUB_ID --name {name}`"
            )
        path = self._dir(name) / f"v{version}"
        manifest_path = path / MANIFEST
        if not manifest_path.is_file():
            raise FailedPrecondition(
                f"model {name!r} v{version} has no manifest (partial or corrupt); "
                f"run `tolk models remove {name}` and import it again"
            )
        return StoredModel(Manifest.from_json(manifest_path.read_text()), path)

    def verify(self, model: StoredModel) -> StoredModel:
        """Checks every file against the manifest; raises FailedPrecondition naming the fix."""
        fix = f"run `tolk models remove {model.name}` and import or pull it again"
        for relative, entry in model.manifest.files.items():
            path = model.path / relative
            if not path.is_file():
                raise FailedPrecondition(f"model {model.name!r} is incomplete: {relative} is missing; {fix}")
            if path.stat().st_size != entry.size or sha256_file(path) != entry.sha256:
                raise FailedPrecondition(
                    f"model {model.name!r} is corrupt: {relative} fails its checksum; {fix}"
                )
        return model

    def import_dir(
        self,
        source_dir: Path,
        name: str,
        *,
        source: str | None = None,
        revision: str = "local",
        precision: str = "fp32",
        runtime: str | None = None,
        arch: str | None = None,
        parent: str | None = None,
        link: bool = False,
        action: str = "import",
        lineage: dict[str, Any] | None = None,
        activate: bool = True,
        links_within: Path | None = None,
    ) -> StoredModel:
        """Copies a checkpoint directory into the store as the next version of NAME and activates it.

        `link` hard-links files instead of copying (only for sources inside the store, which never change).
        Symlinks may lead only within `links_within` (default: the checkpoint directory itself); the hub
        cache's snapshot links into its blob folder, so a pull passes the cached repository's folder.
        """
        if not source_dir.is_dir():
            raise NotFound(f"no such directory: {source_dir}")
        arch = arch or detect_arch(source_dir)
        files = _checkpoint_files(source_dir, links_within)
        if not any(path.name in WEIGHT_FILES for path in files):
            raise FailedPrecondition(f"{source_dir} has no model weights ({' / '.join(WEIGHT_FILES[:3])})")
        runtime = runtime or ("ctranslate2" if (source_dir / "model.bin").is_file() else "torch")
        kind, family = ARCH_FAMILY[arch]
        directory = self._dir(name)
        directory.mkdir(parents=True, exist_ok=True)
        version = (self.versions(name) or [0])[-1] + 1
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=directory))
        try:
            entries = {}
            for path in files:
                relative = path.relative_to(source_dir).as_posix()
                _place(path, staging / relative, link)
                entries[relative] = FileEntry(sha256_file(staging / relative), path.stat().st_size)
            manifest = Manifest(
                name=name, kind=kind, family=family, arch=arch, source=source or str(source_dir),
                revision=revision, files=entries, size_bytes=sum(e.size for e in entries.values()),
                precision=precision, runtime=runtime, created=datetime.now(UTC).isoformat(timespec="seconds"),
                version=version, parent=parent, lineage=dict(lineage or {}),
            )  # fmt: skip
            (staging / MANIFEST).write_text(manifest.to_json())
            staging.rename(directory / f"v{version}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if activate or self.current_version(name) == version:
            self._activate(name, version)
        self.audit.append(action, name, version, manifest.digest, {"source": manifest.source,
                          "revision": revision, "active": self.current_version(name) == version})  # fmt: skip
        return StoredModel(manifest, directory / f"v{version}")

    def activate(self, name: str, version: int, details: dict[str, Any] | None = None) -> StoredModel:
        """Makes VERSION the active one (see tolk.models.promote for the checks before it)."""
        model = self.get(name, version)
        previous = self.current_version(name)
        self._activate(name, version)
        self.audit.append(
            "promote", name, version, model.manifest.digest, {"from": previous, **(details or {})}
        )
        return model

    def set_metrics(self, model: StoredModel, dataset: str, metrics: dict[str, float]) -> StoredModel:
        """Records evaluation results in the version's manifest (replaced atomically)."""
        updated = replace(model.manifest, metrics={**model.manifest.metrics, dataset: dict(metrics)})
        temporary = model.path / f".{MANIFEST}.tmp"
        temporary.write_text(updated.to_json())
        temporary.replace(model.path / MANIFEST)
        self.audit.append("evaluate", updated.name, updated.version, updated.digest, {dataset: metrics})
        return StoredModel(updated, model.path)

    def _activate(self, name: str, version: int) -> None:
        marker = self._dir(name) / CURRENT
        temporary = marker.with_suffix(".tmp")
        temporary.write_text(f"{version}\n")
        temporary.replace(marker)

    def rollback(self, name: str) -> StoredModel:
        """Activates the version before the active one."""
        current = self.current_version(name)
        older = [v for v in self.versions(name) if current is not None and v < current]
        if not older:
            raise FailedPrecondition(f"model {name!r} has no older version to roll back to")
        self._activate(name, older[-1])
        model = self.get(name)
        self.audit.append("rollback", name, older[-1], model.manifest.digest, {"from": current})
        return model

    def remove(self, name: str) -> None:
        """Deletes every version of NAME."""
        directory = self._dir(name)
        if not directory.is_dir():
            raise NotFound(f"model {name!r} is not in the store {self.root}")
        versions = self.versions(name)
        shutil.rmtree(directory)
        self.audit.append("remove", name, None, None, {"versions": versions})

    def find(self, family: str) -> list[StoredModel]:
        return [model for model in self.models() if model.manifest.family == family]


def default_store_dir() -> Path:
    """The platform's per-user data directory for models (e.g. ~/.local/share/tolk/models)."""
    from platformdirs import user_data_path

    return user_data_path("tolk") / "models"


def resolve_store_dir(flag: str | None, env: Mapping[str, str]) -> Path:
    """Entry points call this: --store flag > TOLK_MODEL_DIR > platform default."""
    chosen = flag or env.get("TOLK_MODEL_DIR")
    return Path(chosen).expanduser() if chosen else default_store_dir()
