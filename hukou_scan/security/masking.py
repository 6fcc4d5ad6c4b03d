"""Masking of citizen ID numbers for users without full view (e.g. ``1101**********1234``).

Lists show the administrative-division prefix and the last four characters, which is
enough to tell records apart on screen without exposing the birth date or sequence.
"""

from __future__ import annotations


def mask_id(number: str) -> str:
    """Mask an ID number: keep 4 leading and 4 trailing characters of 15/18-digit numbers.

    Shorter or malformed values keep at most their last two characters, so that a
    misread number is never shown in full either.
    """
    value = (number or "").strip()
    n = len(value)
    if n == 0:
        return ""
    if n >= 12:
        return value[:4] + "*" * (n - 8) + value[-4:]
    if n > 4:
        return "*" * (n - 2) + value[-2:]
    return "*" * n
