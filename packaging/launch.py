"""The frozen app's entry script: one script for both programs of the PyInstaller build.

``bespoke-gui-window`` (no console on Windows) only opens the window, as the pip-installed
gui-script of that name does; ``bespoke-gui`` is the console program with every command.
Worker processes re-run this executable; ``cli.main`` hands them to multiprocessing first.
"""

import sys
from pathlib import Path

from bespoke_gui.cli import main, window_main

if __name__ == "__main__":
    program = Path(sys.executable).stem.lower()
    raise SystemExit(window_main() if program == "bespoke-gui-window" else main())
