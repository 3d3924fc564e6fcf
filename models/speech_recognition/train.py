"""`python -m tolk.models.speech_recognition.train ...`: the same as `tolk train asr ...`."""

from __future__ import annotations

import sys

from tolk.models.train_cli import main

if __name__ == "__main__":
    sys.exit(main("asr"))
