"""Type-checks the `tolk` namespace as it is installed, from the source folders.

The folders app/, backend/, models/, common/ and proto/tolk/ become one package `tolk` only through the
setuptools package-dir mapping, which mypy cannot follow (it never runs import hooks). This script lays the
same mapping out as a tree of symlinks in .typecheck/ and runs `mypy -p tolk` over it; file names in
mypy's report are written back as the source paths, so editors and people can follow them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / ".typecheck"
MAPPING = {"app": "app", "backend": "backend", "models": "models", "common": "common"}


def lay_out_tree() -> Path:
    package = TREE / "tolk"
    shutil.rmtree(TREE, ignore_errors=True)
    package.mkdir(parents=True)
    for entry in (ROOT / "proto" / "tolk").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in MAPPING.items():
        (package / name).symlink_to(ROOT / folder, target_is_directory=True)
    return package


def main(argv: list[str]) -> int:
    lay_out_tree()
    env = {**os.environ, "MYPYPATH": str(TREE)}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "-p", "tolk", *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    prefix = f"{TREE.relative_to(ROOT)}/tolk/"
    report = done.stdout + done.stderr
    for name, folder in MAPPING.items():
        report = report.replace(f"{prefix}{name}/", f"{folder}/")
    print(report.replace(prefix, "proto/tolk/"), end="")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
