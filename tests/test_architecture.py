"""Imports flow one way: backend never imports app; app.core imports no Qt, grpc, torch or sounddevice."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in forbidden or name in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("backend", ("app",)),
        ("app/core", ("PySide6", "grpc", "torch", "sounddevice", "tolk")),
        ("models", ("app", "PySide6")),
    ],
)
def test_import_direction(package: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(package, forbidden) == []


def test_checker_sees_imports(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("import grpc\nfrom PySide6 import QtCore\nfrom . import sibling\n")
    assert imported_modules(source) == {"grpc", "PySide6"}
