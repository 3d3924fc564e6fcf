"""`python -m tolk ...` is the `tolk` command."""

import sys

from tolk.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
