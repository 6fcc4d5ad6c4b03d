"""Citizen ID numbers (公民身份号码, GB 11643-1999): check digit, 15→18 upgrade, birth date, sex.

Pure standard library so that OCR field validation, registry import, linking and
search all share exactly one implementation of the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# --- OCR repair (issue 5) ----------------------------------------------------------
# Letters that OCR engines return for digits on handwritten and faded numbers.
# A repair is only accepted when the GB 11643 check digit confirms it (18 digits)
# or, for 15-digit numbers that carry no check digit, when the date part is valid.
CONFUSIONS: dict[str, str] = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "〇": "0", "口": "0",
    "I": "1", "l": "1", "i": "1", "|": "1", "!": "1", "丨": "1", "一": "1",
    "Z": "2", "z": "2",
    "S": "5", "s": "5",
    "B": "8",
    "G": "6", "b": "6",
    "g": "9", "q": "9",
    "T": "7",
}  # fmt: skip


@dataclass(frozen=True)
class IdReading:
    """The outcome of reading an ID number off paper.

    Attributes:
        value: canonical 18-digit number when valid (possibly after repair/upgrade),
            else the cleaned raw characters.
        valid: the check digit (or, for 15 digits, the date) confirms ``value``.
        repaired: (position, from, to) for every character changed.
        upgraded: the paper carried an old 15-digit number.
        reasons: machine-readable reason codes (see :data:`REASONS`).
    """

    value: str
    valid: bool
    repaired: tuple[tuple[int, str, str], ...] = ()
    upgraded: bool = False
    reasons: tuple[str, ...] = ()


def _clean(raw: str) -> str:
    s = raw.strip().translate(str.maketrans("０１２３４５６７８９ＸｘＯｏ", "0123456789XxOo"))
    return "".join(ch for ch in s if not ch.isspace() and ch not in "-_.,，。:：")


def read(raw: str) -> IdReading:
    """Validate an OCR'd ID number, repairing confusable characters only when confirmed.

    Rules: letters in :data:`CONFUSIONS` are mapped to digits; ``x``/``×``/``X`` is
    accepted only in the check position.  An 18-character result is accepted only if
    its check digit and birth date are valid; a 15-character one only if its date is
    valid (then upgraded to 18).  Anything else is returned unchanged with reasons,
    for the clerk to fix: we never guess a digit the checksum cannot confirm.
    """
    s = _clean(raw)
    if not s:
        return IdReading("", False, reasons=("id_empty",))
    repairs: list[tuple[int, str, str]] = []
    chars = list(s)
    for i, ch in enumerate(chars):
        if ch.isdigit():
            continue
        if ch in "xX×" and i == len(chars) - 1 and len(chars) == 18:
            if ch != "X":
                repairs.append((i, ch, "X"))
                chars[i] = "X"
            continue
        if ch in CONFUSIONS:
            repairs.append((i, ch, CONFUSIONS[ch]))
            chars[i] = CONFUSIONS[ch]
    fixed = "".join(chars)
    letter_repairs = tuple(r for r in repairs if r[2] != "X")
    if len(fixed) == 18:
        if not _RE18.match(fixed):
            return IdReading(s, False, reasons=("id_bad_chars",))
        if check_digit(fixed[:17]) != fixed[17]:
            return IdReading(s, False, reasons=("id_check_digit",))
        if birth_date(fixed) is None:
            return IdReading(s, False, reasons=("id_bad_date",))
        reasons = ("id_repaired_confirmed",) if letter_repairs else ()
        return IdReading(fixed, True, tuple(repairs), reasons=reasons)
    if len(fixed) == 15:
        if not _RE15.match(fixed):
            return IdReading(s, False, reasons=("id_bad_chars",))
        if birth_date(fixed) is None:
            return IdReading(s, False, reasons=("id_bad_date",))
        if letter_repairs:
            # No check digit to confirm a repaired old number: keep it, but flag it.
            return IdReading(upgrade15(fixed), False, tuple(repairs), True, ("id15_repair_unconfirmed",))
        return IdReading(upgrade15(fixed), True, (), True, ("id_upgraded_15",))
    return IdReading(s, False, reasons=("id_length",))


REASONS: dict[str, tuple[str, str]] = {
    "id_empty": ("未识别到身份号码", "no ID number recognised"),
    "id_bad_chars": ("身份号码含无法确认的字符", "ID number contains characters that cannot be confirmed"),
    "id_check_digit": ("身份号码校验位不符", "ID number check digit does not match"),
    "id_bad_date": ("身份号码中的出生日期不存在", "the birth date inside the ID number is impossible"),
    "id_length": ("身份号码位数不对（应为15或18位）", "ID number has the wrong length (15 or 18)"),
    "id_repaired_confirmed": (
        "已纠正易混字符，校验位确认",
        "confusable characters corrected, confirmed by check digit",
    ),
    "id15_repair_unconfirmed": (
        "15位号码纠正无法用校验位确认",
        "repair of a 15-digit number cannot be confirmed",
    ),
    "id_upgraded_15": ("15位旧号码已升为18位", "old 15-digit number upgraded to 18 digits"),
}
