"""One rule for free text that enters the system: length and control characters.

Every service boundary that accepts text from a person or a file (batch fields, user
names, registry rows, search queries, notes, purposes) calls :func:`clean_text`, so the
GUI, the CLI and an import file are held to the same limits and get the same
bilingual message.  The limits are the database column widths (PostgreSQL refuses
longer values with a bare ``DataError``; SQLite silently stores them) or, for ``Text``
columns, a bound chosen so one field cannot blow up a screen, a log or a CSV.

What counts as a control character: C0/C1 controls (NUL, ESC, DEL …; ``\\n`` and ``\\t``
only where a field is multi-line), lone surrogates, and the invisible format
characters (bidirectional overrides, zero-width space, BOM) that make text read
differently from how it is stored.  Private-use and unassigned code points are
*allowed*: Chinese population systems encode rare name characters (生僻字) in the
private-use area, and newer CJK extensions are unassigned in older Unicode tables.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from hukou_scan.errors import InvalidInputError

_KEEP_FORMAT = {"\u200c", "\u200d"}  # zero-width (non-)joiner: part of some scripts' spelling

# Limits shared by several boundaries (the column widths of storage/records).
MAX_ARCHIVE_ID = 100
MAX_LOCATION_PART = 50
MAX_NOTES = 2000
MAX_SEARCH_QUERY = 500
MAX_FILE_NAME = 255


@functools.cache
def _control_re(multiline: bool) -> re.Pattern[str]:
    """One character class of every refused code point (built once: a C-speed scan per value,
    which matters for a registry import of hundreds of thousands of rows)."""
    allowed = {"\n", "\t"} if multiline else set()
    ranges: list[tuple[int, int]] = []
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch in allowed or ch in _KEEP_FORMAT or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)
    return re.compile(f"[{body}]")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in ``text`` that :func:`clean_text` refuses (empty when clean)."""
    return _control_re(multiline).findall(text)


def replace_controls(text: str, replacement: str = "\ufffd") -> str:
    """``text`` with every refused control character replaced (for names we must keep, such as
    the name of a scanned file, rather than refuse)."""
    return _control_re(False).sub(replacement, text)


def has_control(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a refused control character (the fast test for hot loops)."""
    return _control_re(multiline).search(text) is not None


def text_problem(text: str, max_len: int, *, multiline: bool = False) -> tuple[str, str] | None:
    """Why ``text`` is refused (Chinese, English), or ``None``; no normalising, no exception.

    For hot loops (a registry import checks every cell); :func:`clean_text` is the
    everyday entry point.
    """
    if len(text) > max_len:
        return (
            f"过长（{len(text)} 个字符，最多 {max_len} 个）",
            f"too long ({len(text)} characters, at most {max_len})",
        )
    bad = _control_re(multiline).findall(text)
    if bad:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
        return (f"含有控制字符（{codes}）", f"contains control characters ({codes})")
    return None


def clean_text(
    value: str | None,
    *,
    field_zh: str,
    field_en: str,
    max_len: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Return ``value`` NFC-normalised and stripped, or raise :class:`InvalidInputError`.

    Args:
        value: the text as typed or read from a file (``None`` counts as empty).
        field_zh: the field's name in Chinese, for the message (e.g. ``档号``).
        field_en: the same in English (e.g. ``archive id``).
        max_len: the most characters allowed (after stripping).
        required: refuse an empty value.
        multiline: allow line breaks and tabs (notes), else they are control characters.
    """
    text = unicodedata.normalize("NFC", value or "").strip()
    if required and not text:
        raise InvalidInputError(f"请填写{field_zh}。", f"Please enter the {field_en}.")
    problem = text_problem(text, max_len, multiline=multiline)
    if problem is not None:
        raise InvalidInputError(f"{field_zh}{problem[0]}。", f"The {field_en} {problem[1]}.")
    return text
