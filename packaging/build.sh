#!/usr/bin/env bash
# Builds the one-folder bundle dist/tolk/ (run from anywhere); prints its size.
# PYTHON: the interpreter whose environment has Tolk and PyInstaller (default: .venv/bin/python).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
start_s=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/tolk.spec
echo "built dist/tolk in $(( $(date +%s) - start_s )) s; size: $(du -sh dist/tolk | cut -f1)"
