"""The wheel installs one import name, `tolk`, and pyproject's package list is the tree.

Nothing else may land at the top level of site-packages: a user's own `app` or `models` must never be
shadowed by Tolk (issue 9). The wheel is built from a copy of the sources, so the checkout stays clean.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
SOURCES = ("pyproject.toml", "README.md", "app", "backend", "common", "models", "proto")


def packages_in_tree() -> set[str]:
    """Every folder with an __init__.py under a package-dir mapping, as its `tolk.*` name."""
    found: set[str] = set()
    for name, folder in SETUPTOOLS["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            if "__pycache__" not in relative:
                found.add(".".join((name, *relative)))
    return found


def test_package_list_equals_the_tree() -> None:
    assert set(SETUPTOOLS["packages"]) == packages_in_tree()


def test_distribution_name_and_entry_point() -> None:
    assert PYPROJECT["project"]["name"] == "tolk-interpreter"
    assert PYPROJECT["project"]["scripts"] == {"tolk": "tolk.app.cli:main"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    command = [*pip, "-w", str(out), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("tolk_interpreter-*.whl")
    return built


def test_wheel_installs_only_the_tolk_namespace(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (info,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        top_level = (
            archive.read(f"{info}/top_level.txt").decode().split() if f"{info}/top_level.txt" in names else []
        )
        record = [line.split(",")[0] for line in archive.read(f"{info}/RECORD").decode().splitlines() if line]
    assert top_level == ["tolk"]
    assert {path.split("/")[0] for path in record} == {"tolk", info}
    expected = {
        "tolk/__init__.py", "tolk/__main__.py", "tolk/v1/interpreter_pb2.py", "tolk/py.typed",
        "tolk/common/events.py", "tolk/app/transport/channel.py", "tolk/backend/offline.py",
    }  # fmt: skip
    assert expected <= set(record)
    assert f"{info}/entry_points.txt" in record
