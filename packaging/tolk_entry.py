"""Entry script of the PyInstaller bundle: the same `tolk` command as the `app.cli:main` console script."""

from __future__ import annotations

import os
import sys


def _restore_library_path() -> None:
    """Child programs (Apertium's lt-proc, bash) must see the user's library path, not the bundle's.

    The bootloader prepends the bundle folder to LD_LIBRARY_PATH and keeps the original in
    LD_LIBRARY_PATH_ORIG; this process already resolved its libraries, so only children read it.
    """
    if not getattr(sys, "frozen", False):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original


if __name__ == "__main__":
    _restore_library_path()
    from tolk.app.cli import main

    sys.exit(main())
