"""The 档号 printed on a volume's cover label, and its optional check character.

Why its own rule: a batch's 档号 is otherwise free text (:func:`~hukou_scan.domain.validation.clean_text`:
length and control characters), because archives number their volumes differently.
A *label* read by a camera is different: a misread must not start a batch under a wrong
number, so what comes off a label must look like a 档号 and, when the label carries a
check character, agree with it.

Format (what the hand-over folder rule of :mod:`hukou_scan.export.handover` splits into
全宗号/目录号/案卷号, and DA/T 13's 全宗号-门类·年度-期限-件号 shape):

* 2 to 6 segments joined by ``-`` of letters or digits, optionally with ``·`` between
  parts (``WS·2016``).  The first and the last segment (全宗号, 案卷号/件号) are at least
  two characters wide (``001``, not ``1``), middle ones may be a single letter (DA/T 13's
  保管期限 code ``Y``).  Full-width forms (``０１０１－２０２６``), lower case and spaces
  around ``-`` are normalised first.
* optionally a check character as a last one-character segment, ``‹档号›-C``, computed
  with ISO 7064 MOD 37-2 (alphabet 0–9, A–Z, check values 0–9, A–Z, ``*``) over the
  档号's letters and digits (separators left out).  Because the last segment of a 档号
  is at least two wide, a single-character last segment is always the check character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hukou_scan.domain.validation import MAX_ARCHIVE_ID
from hukou_scan.errors import InvalidInputError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHECK_ALPHABET = ALPHABET + "*"
_SEGMENT = r"[0-9A-Z]+(?:·[0-9A-Z]+)*"
_ARCHIVE_RE = re.compile(rf"^(?:{_SEGMENT})(?:-(?:{_SEGMENT})){{1,5}}$")
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "一": "-"})
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·"})


@dataclass(frozen=True)
class ArchiveLabel:
    """A 档号 as read from a label.

    Attributes:
        archive_id: the 档号 (normalised; without the check character).
        check: the check character the label carried, or "" when it had none.
    """

    archive_id: str
    check: str = ""

    @property
    def checked(self) -> bool:
        return bool(self.check)

    def label_text(self) -> str:
        """What to print on a label: the 档号 and its check character."""
        return f"{self.archive_id}-{check_character(self.archive_id)}"


def mod37_2(text: str) -> int:
    """ISO 7064 MOD 37-2 running value over ``text`` (letters and digits; other characters skipped)."""
    p = 0
    for ch in text:
        if ch in CHECK_ALPHABET:
            p = ((p + CHECK_ALPHABET.index(ch)) * 2) % 37
    return p


def check_character(archive_id: str) -> str:
    """The MOD 37-2 check character of a 档号 (computed over its letters and digits)."""
    body = [c for c in normalise(archive_id) if c in ALPHABET]
    p = mod37_2("".join(body))
    return CHECK_ALPHABET[(38 - p) % 37]


def normalise(text: str) -> str:
    """Full-width → ASCII, upper case, dash and dot variants unified, spaces removed."""
    t = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_DOTS)
    return re.sub(r"\s+", "", t).upper()


def parse_label(text: str) -> ArchiveLabel:
    """Check and split what a cover label says into 档号 and check character.

    Raises:
        InvalidInputError: not shaped like a 档号, or the check character disagrees.
    """
    t = normalise(text)
    if not t:
        raise InvalidInputError("标签上没有读到档号。", "No archive id (档号) was read from the label.")
    if len(t) > MAX_ARCHIVE_ID + 2:
        raise InvalidInputError(
            f"标签内容过长（{len(t)} 个字符），不是档号。",
            f"The label text is too long ({len(t)} characters) to be an archive id.",
        )
    body, check = t, ""
    head, sep, last = t.rpartition("-")
    if sep and len(last) == 1:
        body, check = head, last
    segs = body.split("-")
    if not _ARCHIVE_RE.match(body) or len(segs[0]) < 2 or len(segs[-1]) < 2:
        raise InvalidInputError(
            f"档号格式不正确：{t}",
            f"Not a valid archive id (档号): {t}",
            hint_zh="档号应为 2–6 段字母或数字，以“-”分隔，首段和末段至少 2 位，例如 0101-2026-001；"
            "可带一位校验码，如 0101-2026-001-K。",
            hint_en="2–6 groups of letters or digits separated by '-', the first and last at least 2 wide, "
            "e.g. 0101-2026-001; optionally a check character, e.g. 0101-2026-001-K.",
        )
    if check:
        want = check_character(body)
        if check != want:
            raise InvalidInputError(
                f"档号校验位错误：{body}-{check}（校验位应为 {want}），标签可能读错或印错。",
                f"Wrong check character in {body}-{check} (expected {want}); the label was misread or misprinted.",
                hint_zh="请重新读取，或核对卷皮后手工输入档号。",
                hint_en="Read the label again, or check the cover and type the archive id.",
            )
    return ArchiveLabel(body, check)


__all__ = [
    "ALPHABET",
    "CHECK_ALPHABET",
    "ArchiveLabel",
    "check_character",
    "mod37_2",
    "normalise",
    "parse_label",
]
