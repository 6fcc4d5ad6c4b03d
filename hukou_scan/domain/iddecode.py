"""Constrained decoding of a handwritten 公民身份号码 from the recogniser's per-character options.

Why: a handwritten digit misread is the commonest reason an ID number fails (issue 17:
11 of 23 read exactly, 20 of 23 within one digit).  The number is heavily constrained —
GB 11643 check digit over the first 17 digits, a real birth date in digits 7–14 (7–12
for the old 15-digit form), a province code, the sex digit's parity — and other fields
on the same page say what the date and the sex should be.  Reading each box's runner-up
characters with their probabilities and searching for the most probable number that
satisfies the hard rules turns most one-digit misreads into the right number, and says
how sure it is (the posterior among the valid numbers the search found).

Hard rules (a number breaking one is never returned): digits only (``X`` only as the
check character), the check digit, a real date not after today and not before 1850,
a known province code.  Soft rules (cost a factor, so the read boxes can still win):
the date against the 出生日期 field, the sex digit against 性别, the 6-digit area code
against a list of known areas (the registry's, when the caller has one).

Standard library only: the OCR field rules call :func:`decode`; the linker calls
:func:`sequence_logprob` to score a registry candidate's number or name against the
same options (link-then-correct).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hukou_scan.domain import idnumber

PROVINCES = frozenset(
    ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
     "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
     "65", "71", "81", "82", "83")
)  # fmt: skip
"""GB/T 2260 province-level codes (first two digits of every ID number)."""

ID_CHARS = "0123456789X"
FLOOR = 1e-4
"""Probability given to a character the recogniser did not offer at all (never zero:
a box the model misread completely can still be outvoted by the constraints)."""
P_DATE_MISMATCH = 0.02
"""Factor for a number whose birth date disagrees with the 出生日期 field read on the page."""
P_SEX_MISMATCH = 0.05
"""Factor for a sex digit whose parity disagrees with the 性别 field."""
P_AREA_UNKNOWN = 0.3
"""Factor for a 6-digit area code not in the caller's list of known areas."""
BEAM = 300
"""States kept per position; far above what the tuning pages needed (the true number
was always within the first 20)."""

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIGIT_LOOKALIKES: dict[str, str] = {
    **idnumber.CONFUSIONS,
    **{c: c for c in ID_CHARS},
    "x": "X",
    "×": "X",
    "Ｘ": "X",
    **{chr(0xFF10 + i): str(i) for i in range(10)},
}

Options = Sequence[tuple[str, float]]


@dataclass(frozen=True)
class IdDecode:
    """The most probable valid number for a line of per-character options.

    Attributes:
        value: canonical 18-digit number.
        written: the number as on the paper (15 or 18 characters).
        probability: its share of the probability of all valid numbers the search found.
        raw: the best character per position without any rule (``?`` where nothing was offered).
        changed: positions where ``written`` differs from ``raw``.
        reasons: soft rules ``written`` breaks (``id_date_field``, ``id_sex_field``, ``id_area_unknown``).
        runners: the next valid numbers (as written) with their probabilities.
    """

    value: str
    written: str
    probability: float
    raw: str
    changed: tuple[int, ...]
    reasons: tuple[str, ...] = ()
    runners: tuple[tuple[str, float], ...] = ()


def digit_distribution(options: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Probabilities over ``0–9`` and ``X`` for one position, look-alike letters folded in.

    ``O`` offered at 0.3 counts for ``0``; characters that look like no digit are dropped.
    Every digit gets at least :data:`FLOOR`; the result sums to 1.
    """
    dist = dict.fromkeys(ID_CHARS, 0.0)
    for ch, p in options:
        d = _DIGIT_LOOKALIKES.get(ch)
        if d is not None and p > 0:
            dist[d] += p
    total = sum(dist.values())
    if total <= 0:
        return {c: 1.0 / len(ID_CHARS) for c in ID_CHARS}
    out = {c: max(FLOOR, v / total) for c, v in dist.items()}
    norm = sum(out.values())
    return {c: v / norm for c, v in out.items()}


def _date_ok(s: str, *, old: bool, today: date) -> date | None:
    try:
        d = (
            date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
            if old
            else date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
        )
    except ValueError:
        return None
    return d if date(1850, 1, 1) <= d <= today else None


def decode(
    positions: Sequence[Options],
    *,
    birth: date | None = None,
    sex: str | None = None,
    areas: Collection[str] | None = None,
    today: date | None = None,
    beam: int = BEAM,
    n_runners: int = 3,
) -> IdDecode | None:
    """The most probable number satisfying the ID rules, or ``None`` for no 15/18-position line.

    Args:
        positions: per written position, the recogniser's options (char, probability).
        birth: the 出生日期 field as read (soft rule), if it was read.
        sex: ``男``/``女`` as read (soft rule), if it was read.
        areas: known 6-digit area codes (soft rule); ``None`` checks the province only.
        today: latest possible birth date (defaults to today).
        beam: states kept per position.
        n_runners: how many next-best valid numbers to return in ``runners``.
    """
    n = len(positions)
    if n not in (15, 18):
        return None
    old = n == 15
    today = today or date.today()
    dists = [digit_distribution(p) for p in positions]
    logs = [{c: math.log(v) for c, v in d.items()} for d in dists]
    raw = "".join("?" if not p else max(dists[i], key=lambda c: dists[i][c]) for i, p in enumerate(positions))
    date_end = 11 if old else 13
    year_end = 7 if old else 9
    month_end = 9 if old else 11
    sex_pos = 14 if old else 16
    body_len = 15 if old else 17
    # State: (log probability, prefix, weighted sum mod 11, soft reasons).
    states: list[tuple[float, str, int, tuple[str, ...]]] = [(0.0, "", 0, ())]
    for i in range(body_len):
        nxt: list[tuple[float, str, int, tuple[str, ...]]] = []
        for lp, pre, wsum, why in states:
            for d in "0123456789":
                s = pre + d
                lp2 = lp + logs[i][d]
                why2 = why
                if i == 1 and s not in PROVINCES:
                    continue
                if i == 5 and areas is not None and s not in areas:
                    lp2 += math.log(P_AREA_UNKNOWN)
                    why2 = (*why2, "id_area_unknown")
                if i == year_end:
                    year = 1900 + int(s[6:8]) if old else int(s[6:10])
                    if not 1850 <= year <= today.year:
                        continue
                if i == month_end and not 1 <= int(s[i - 1 : i + 1]) <= 12:
                    continue
                if i == date_end:
                    born = _date_ok(s, old=old, today=today)
                    if born is None:
                        continue
                    if birth is not None and born != birth:
                        lp2 += math.log(P_DATE_MISMATCH)
                        why2 = (*why2, "id_date_field")
                if i == sex_pos and sex in ("男", "女") and (int(d) % 2 == 1) != (sex == "男"):
                    lp2 += math.log(P_SEX_MISMATCH)
                    why2 = (*why2, "id_sex_field")
                nxt.append((lp2, s, (wsum + int(d) * _WEIGHTS[i]) % 11 if not old else 0, why2))
        nxt.sort(key=lambda t: -t[0])
        states = nxt[:beam]
        if not states:
            return None
    finals: list[tuple[float, str, tuple[str, ...]]] = []
    for lp, s, wsum, why in states:
        if old:
            finals.append((lp, s, why))
        else:
            check = _CHECK[wsum]
            finals.append((lp + logs[17][check], s + check, why))
    finals.sort(key=lambda t: -t[0])
    top = finals[0][0]
    weights = [math.exp(lp - top) for lp, _s, _w in finals]
    total = sum(weights)
    best_lp, written, why = finals[0]
    del best_lp
    end = 1 + max(0, n_runners)
    runners = tuple((s, w / total) for (_lp, s, _w), w in zip(finals[1:end], weights[1:end], strict=False))
    return IdDecode(
        value=idnumber.upgrade15(written) if old else written,
        written=written,
        probability=weights[0] / total,
        raw=raw,
        changed=tuple(i for i, (a, b) in enumerate(zip(written, raw, strict=True)) if a != b),
        reasons=why,
        runners=runners,
    )


def sequence_logprob(positions: Sequence[Options], text: str, *, digits: bool = False) -> float | None:
    """Log probability of reading exactly ``text`` off ``positions`` (``None`` if lengths differ).

    Why: link-then-correct asks, for each registry candidate, how well its number or
    name explains what the recogniser saw — the same options the decoder searched.
    ``digits=True`` folds look-alike letters into digits (ID numbers).
    """
    if len(text) != len(positions) or not text:
        return None
    total = 0.0
    for opts, ch in zip(positions, text, strict=True):
        if digits:
            total += math.log(digit_distribution(opts).get(ch, FLOOR))
        else:
            mass = sum(p for _c, p in opts)
            p = next((p for c, p in opts if c == ch), 0.0)
            total += math.log(max(FLOOR, p / mass if mass > 1.0 else p))
    return total


def top_readings(
    positions: Sequence[Options], limit: int = 8, min_ratio: float = 0.02
) -> list[tuple[str, float]]:
    """The most probable strings (any characters) off per-character options, best first.

    Why: a name misread in one character is looked up in the registry under its
    runner-up readings too (``王建困`` → ``王建国`` when 国 was offered at 0.4), so the
    true person reaches the candidate list even when the misreading is no known
    confusion.  Strings below ``min_ratio`` of the best one's probability are dropped.
    Probabilities are the per-position products (options not renormalised).
    """
    if not positions or any(not p for p in positions):
        return []
    beam: list[tuple[float, str]] = [(0.0, "")]
    floor = math.log(min_ratio)
    for opts in positions:
        nxt = [(lp + math.log(p), s + ch) for lp, s in beam for ch, p in opts if p > 0]
        nxt.sort(key=lambda t: -t[0])
        top = nxt[0][0] if nxt else 0.0
        beam = [t for t in nxt[:limit] if t[0] - top >= floor]
    return [(s, math.exp(lp)) for lp, s in beam]


BLANK = ""
"""The CTC blank in frame options (:func:`ctc_logprob`)."""


def ctc_logprob(frames: Sequence[Options], text: str) -> float | None:
    """Log probability that a CTC recogniser's frames spell exactly ``text`` (any length).

    Why not :func:`sequence_logprob`: that needs one option set per written character,
    so a name the recogniser read with a character too many or too few (a stroke taken
    for 一, two characters run together) could not be re-read against a registry
    candidate at all.  The CTC forward algorithm sums over every alignment of ``text``
    to the frames instead.  ``frames`` holds, per frame, the recogniser's top classes
    with their probabilities, :data:`BLANK` for the blank; a class not kept gets
    :data:`FLOOR`.  ``None`` for no frames or no text.
    """
    if not frames or not text:
        return None
    floor = math.log(FLOOR)
    ext = [BLANK]
    for ch in text:
        ext.extend((ch, BLANK))
    n = len(ext)
    neg = -math.inf
    alpha = [neg] * n
    table = [{c: math.log(p) for c, p in opts if p > 0} for opts in frames]
    alpha[0] = table[0].get(BLANK, floor)
    alpha[1] = table[0].get(ext[1], floor)
    for t in range(1, len(frames)):
        lp = table[t]
        nxt = [neg] * n
        for s in range(n):
            acc = [alpha[s]]
            if s >= 1:
                acc.append(alpha[s - 1])
            if s >= 2 and ext[s] != BLANK and ext[s] != ext[s - 2]:
                acc.append(alpha[s - 2])
            m = max(acc)
            if m == neg:
                continue
            nxt[s] = m + math.log(sum(math.exp(a - m) for a in acc)) + lp.get(ext[s], floor)
        alpha = nxt
    ends = [a for a in alpha[-2:] if a != neg]
    if not ends:
        return None
    m = max(ends)
    return m + math.log(sum(math.exp(a - m) for a in ends))
