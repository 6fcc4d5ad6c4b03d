"""Masking of citizen ID numbers for users without full view (e.g. ``1101**********1234``).

One rule for the whole application: this delegates to
:func:`hukou_scan.domain.idnumber.mask` (also used by search lists and registry
exports), so a number is never masked two different ways on two screens.
"""

from __future__ import annotations

from hukou_scan.domain import idnumber


def mask_id(number: str) -> str:
    """Keep the 4-digit division prefix and the last 4 characters; mask the rest.

    Values of 8 characters or fewer are masked completely.
    """
    return idnumber.mask(number or "")
