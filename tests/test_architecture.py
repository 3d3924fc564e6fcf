"""Imports run one way: common <- models <- backend <- app, and tolk.v1 (generated) sits beside common.

The table below is the whole rule. Each room of the `tolk` namespace may import the rooms in its row and
nothing else of Tolk; third-party packages are limited only where a row says so. The app reaches the
backend only through the in-process (offline) entry and the engine listing, never through its internals.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# room (folder) -> the tolk rooms it may import
MAY_IMPORT: dict[str, set[str]] = {
    "common": {"tolk.common"},
    "models": {"tolk.common", "tolk.models"},
    "backend": {"tolk.common", "tolk.models", "tolk.backend", "tolk.v1"},
    "app": {"tolk.common", "tolk.models", "tolk.backend", "tolk.app", "tolk.v1"},
    "app/core": {"tolk.common", "tolk.app.core"},
}
# the only backend modules the app may import: the embedded backend and the local engine listing
APP_BACKEND_ENTRIES = {"tolk.backend.offline", "tolk.backend.engines.registry"}
# third-party packages a room must not import (app/core stays free of Qt, grpc, torch and sound)
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "common": {"PySide6", "grpc", "torch", "sounddevice"},
    "models": {"PySide6", "grpc", "sounddevice"},
    "backend": {"PySide6", "sounddevice"},
    "app/core": {"PySide6", "grpc", "torch", "sounddevice"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _room_of(module: str) -> str | None:
    """ "tolk.backend.engines.base" -> "tolk.backend"; "tolk" itself and non-Tolk modules -> None."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "tolk" and len(parts) > 1 else None


def offenders(room: str) -> list[str]:
    allowed = MAY_IMPORT[room]
    forbidden = FORBIDDEN_THIRD_PARTY.get(room, set())
    found = []
    for path in sorted((ROOT / room).rglob("*.py")):
        for name in sorted(imported_modules(path)):
            where = f"{path.relative_to(ROOT)} imports {name}"
            tolk_room = _room_of(name)
            if room == "app/core" and name.startswith("tolk.app."):
                tolk_room = "tolk.app.core" if name.startswith("tolk.app.core") else "tolk.app"
            if (
                (tolk_room is not None and tolk_room not in allowed)
                or (room == "app" and tolk_room == "tolk.backend" and name not in APP_BACKEND_ENTRIES)
                or name.split(".")[0] in forbidden
            ):
                found.append(where)
            elif name.split(".")[0] in {"app", "backend", "models", "common"}:
                found.append(f"{where} (outside the tolk namespace)")
    return found


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_import_direction(room: str) -> None:
    assert offenders(room) == []


def test_checker_sees_imports(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("import grpc\nfrom PySide6 import QtCore\nfrom . import sibling\n")
    assert imported_modules(source) == {"grpc", "PySide6"}


def test_checker_flags_an_upward_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    room = tmp_path / "models"
    room.mkdir()
    (room / "bad.py").write_text(
        "from tolk.backend.server import start_server\nfrom tolk.common import dsp\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert offenders("models") == ["models/bad.py imports tolk.backend.server"]
