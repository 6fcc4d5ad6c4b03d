"""Allow ``python -m hukou_scan``."""

from __future__ import annotations

import sys

from hukou_scan.cli import main

sys.exit(main())
