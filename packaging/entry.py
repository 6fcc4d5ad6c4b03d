"""PyInstaller entry point: the same CLI as the ``hukou-scan`` console script."""

from __future__ import annotations

import sys

from hukou_scan.cli import main

if __name__ == "__main__":
    sys.exit(main())
