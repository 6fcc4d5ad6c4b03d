"""Is this page the same sheet of paper as another page of its batch?  Decided on content.

Why content and not pixels: a batch is mostly copies of one printed form (常住人口登记表),
and perceptual hashes of the cleaned page (64/256-bit dHash, high-pass correlation) put a
re-capture of the same sheet and a different sheet of the same form in overlapping
ranges: the printed template dominates the picture.  The recognised text does not have
that problem where it matters: the handwritten values (name, ID number, dates, address)
differ between sheets, and the key fields extracted from them are exact.

Rules (pure functions, no I/O):
- Pages with little text (blank backs, photos) are not judged here: ``too_little_text``.
- When both pages have valid ID numbers and they differ, they are different sheets,
  whatever the text similarity: ``fields_differ``.  IDs are checksum-validated (and
  repaired) by field extraction, so a re-read of the same sheet gives the same ID.
- Names are short and a single misread character changes them, so they veto only when
  they differ by more than half (张三 / 王五, not 张三 / 张二): ``fields_differ``.
- Otherwise the normalised texts (NFKC, letters and digits only, so spacing, punctuation
  and reading-order line breaks do not count) are compared with rapidfuzz's ratio; at or
  above the threshold the pages are duplicates.  When both pages carry the same valid ID
  number the threshold is lower (the ID already says "same person"; OCR noise on the rest
  may be heavy).

Margins on the simulator's registration forms (ten people, each sheet read twice with
independent random character noise; ``tests/unit/test_duplicates.py``): different sheets
of the same form score at most 0.86 on the text alone even with no OCR noise; the same
sheet read twice scores at least 0.92 with 3 % character noise and 0.83 with 8 %.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from hukou_scan.domain.models import ExtractedField

KEY_FIELDS = ("id_number", "name")
MIN_TEXT_CHARS = 12
TEXT_THRESHOLD = 0.89  # no ID to confirm: above the 0.86 that different sheets of one form reach
ID_AGREE_THRESHOLD = 0.75  # the same valid ID on both pages: OCR noise may be larger
NAME_VETO_BELOW = 0.5  # names this dissimilar are different people, not a misread character


@dataclass(frozen=True)
class DuplicateVerdict:
    """The decision and why: ``score`` is the normalised-text similarity (0..1)."""

    duplicate: bool
    score: float
    reason: str  # duplicate | text_differs | fields_differ | too_little_text


def normalise(text: str) -> str:
    """Letters and digits only (NFKC, upper case): what a re-read of the same sheet keeps."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).upper() if c.isalnum())


def key_values(fields: Iterable[ExtractedField]) -> dict[str, frozenset[str]]:
    """The key fields of a page as sets (a household page names several people).

    ID numbers count only when valid (an invalid read is noise, not evidence of another
    person); names always count.
    """
    out: dict[str, set[str]] = {}
    for f in fields:
        if f.name not in KEY_FIELDS or not f.value:
            continue
        if f.name == "id_number" and not f.valid:
            continue
        out.setdefault(f.name, set()).add(normalise(f.value))
    return {k: frozenset(v) for k, v in out.items()}


def text_score(a: str, b: str) -> float:
    """Similarity of two already normalised texts, 0..1."""
    return fuzz.ratio(a, b) / 100.0


def compare(
    text_a: str,
    fields_a: Iterable[ExtractedField],
    text_b: str,
    fields_b: Iterable[ExtractedField],
) -> DuplicateVerdict:
    """Whether two recognised pages are the same sheet (see the module rules)."""
    na, nb = normalise(text_a), normalise(text_b)
    if min(len(na), len(nb)) < MIN_TEXT_CHARS:
        return DuplicateVerdict(False, 0.0, "too_little_text")
    score = text_score(na, nb)
    ka, kb = key_values(fields_a), key_values(fields_b)
    ids_a, ids_b = ka.get("id_number"), kb.get("id_number")
    if ids_a and ids_b and ids_a != ids_b:
        return DuplicateVerdict(False, score, "fields_differ")
    names_a, names_b = ka.get("name"), kb.get("name")
    if (
        names_a
        and names_b
        and text_score("".join(sorted(names_a)), "".join(sorted(names_b))) < NAME_VETO_BELOW
    ):
        return DuplicateVerdict(False, score, "fields_differ")
    threshold = ID_AGREE_THRESHOLD if ids_a and ids_b else TEXT_THRESHOLD
    if score >= threshold:
        return DuplicateVerdict(True, score, "duplicate")
    return DuplicateVerdict(False, score, "text_differs")
