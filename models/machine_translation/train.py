"""`python -m tolk.models.machine_translation.train ...`: the same as `tolk train mt ...`."""

from __future__ import annotations

import sys

from tolk.models.train_cli import main

if __name__ == "__main__":
    sys.exit(main("mt"))
