"""Citizen ID numbers (公民身份号码, GB 11643-1999): check digit, 15→18 upgrade, birth date, sex.

Pure standard library so that OCR field validation, registry import, linking and
search all share exactly one implementation of the rules.
"""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_RE18 = re.compile(r"^\d{17}[\dX]$")
_RE15 = re.compile(r"^\d{15}$")


def check_digit(first17: str) -> str:
    """The mod-11 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize(raw: str) -> str:
    """Strip spaces and unify the check character (x, ×, full-width digits) without repairing."""
    s = raw.strip().upper().replace("×", "X").replace(" ", "")
    return s.translate(str.maketrans("０１２３４５６７８９Ｘ", "0123456789X"))


def is_valid18(s: str) -> bool:
    """18 characters, correct check digit and a real birth date."""
    s = normalize(s)
    if not _RE18.match(s) or check_digit(s[:17]) != s[17]:
        return False
    return birth_date(s) is not None


def is_valid15(s: str) -> bool:
    s = normalize(s)
    return bool(_RE15.match(s)) and birth_date(s) is not None


def upgrade15(s: str) -> str:
    """Old 15-digit number → 18 digits (century 19 inserted, check digit appended)."""
    s = normalize(s)
    if not _RE15.match(s):
        raise ValueError("not a 15-digit ID number")
    first17 = s[:6] + "19" + s[6:]
    return first17 + check_digit(first17)


def to18(s: str) -> str | None:
    """The canonical 18-digit form of a valid 15- or 18-digit number, else ``None``."""
    s = normalize(s)
    if is_valid18(s):
        return s
    if is_valid15(s):
        return upgrade15(s)
    return None


def birth_date(s: str) -> date | None:
    s = normalize(s)
    try:
        if len(s) == 18:
            return date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
        if len(s) == 15:
            return date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    except ValueError:
        return None
    return None


def sex(s: str) -> str | None:
    """'男' or '女' from the sequence digit (odd = male), ``None`` if malformed."""
    s = normalize(s)
    digit = s[16] if len(s) == 18 else s[14] if len(s) == 15 else ""
    if not digit.isdigit():
        return None
    return "男" if int(digit) % 2 == 1 else "女"


def mask(s: str) -> str:
    """1101**********1234 style masking for lists shown to roles without full view."""
    s = normalize(s)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]
