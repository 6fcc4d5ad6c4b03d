"""hukou-scan: household-registration (户籍) archive digitization workstation."""

from __future__ import annotations

__version__ = "0.1.0"
