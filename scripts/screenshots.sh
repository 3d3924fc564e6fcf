#!/usr/bin/env bash
# Screenshots of the desktop app for the README: runs `tolk app` under a virtual X server (Xvfb) with the
# bundled sample as the file input, lets captions and Spanish translations scroll in, then saves
#   docs/screenshots/main-window.png   the main window (captions view, settings, status bar)
#   docs/screenshots/overlay.png       the subtitle overlay on its own
#   docs/screenshots/screen.png        the whole virtual screen: window with the overlay over it
# Usage: scripts/screenshots.sh [SECONDS]   (how long the sample plays before the shots; default 28)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_PLAY="${1:-28}"
OUT=docs/screenshots
SCREEN="1440x1000x24"
PYTHON="${PYTHON:-.venv/bin/python}"
SETTINGS="$(mktemp -d)/tolk-screenshots.ini"   # fresh settings: the shots never depend on a user's
trap 'rm -rf "$(dirname "$SETTINGS")"' EXIT

command -v xvfb-run >/dev/null || { echo "screenshots: xvfb-run not found (apt-get install xvfb)" >&2; exit 1; }
mkdir -p "$OUT"
unset QT_QPA_PLATFORM
env QT_QPA_PLATFORM=xcb xvfb-run --auto-servernum --server-args="-screen 0 $SCREEN" \
  "$PYTHON" -m tolk.app.cli app --settings "$SETTINGS" \
    --input-file samples/sense-and-sensibility.wav --from en --to es --offline \
    --start --overlay --quit-after "$SECONDS_TO_PLAY" --screenshots "$OUT"
ls -l "$OUT"/*.png
