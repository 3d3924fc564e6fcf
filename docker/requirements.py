"""Prints the project's runtime requirements (base + the given extras) from pyproject.toml, one per line.

Used by docker/Dockerfile to install dependencies in a layer of their own, before the source is copied,
so a source change does not re-download them:

    python3 docker/requirements.py pyproject.toml neural > requirements.txt
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def requirements(pyproject: Path, extras: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    unknown = [extra for extra in extras if extra not in optional]
    if unknown:
        raise SystemExit(f"unknown extras {unknown}; known: {sorted(optional)}")
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs.extend(optional[extra])
    return reqs


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: requirements.py PYPROJECT [EXTRA[,EXTRA...]]", file=sys.stderr)
        return 2
    extras = [e for e in (argv[1] if len(argv) > 1 else "").split(",") if e]
    print("\n".join(requirements(Path(argv[0]), extras)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
