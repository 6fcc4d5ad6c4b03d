"""PyInstaller entry point: the same CLI as the ``hukou-scan`` console script."""

from __future__ import annotations

import multiprocessing
import sys

from hukou_scan.cli import main

if __name__ == "__main__":
    # OCR worker processes are spawned; in a frozen bundle the child must run the
    # multiprocessing bootstrap instead of our command line.
    multiprocessing.freeze_support()
    sys.exit(main())
