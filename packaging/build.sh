#!/usr/bin/env bash
# Builds the one-folder bundle dist/tolk/ (run from anywhere); prints its size.
# PYTHON: the interpreter whose environment has Tolk and PyInstaller (default: .venv/bin/python).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"
[ -x "$PYTHON" ] || { echo "no $PYTHON: run ./dev setup first" >&2; exit 1; }
"$PYTHON" -c "import PyInstaller" 2>/dev/null || "$PYTHON" -m pip install -q -e ".[app,packaging]"
start_s=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/tolk.spec
echo "built dist/tolk in $(( $(date +%s) - start_s )) s; size: $(du -sh dist/tolk | cut -f1)"
