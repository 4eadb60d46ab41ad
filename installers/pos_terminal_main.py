"""Entry point of the bundled terminal: ``pos-terminal [COMMAND ...]``.

Without arguments (a double-click, the desktop entry) it opens the till window.
"""

from __future__ import annotations

import sys

from terminal.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["gui"]))
