"""Ranked registry candidates for a recognised page.

Why hand-written: the ranking encodes the clerks' rules — an exact ID number (15 or
18 digits, normalised) first, then name plus birth date, then a fuzzy name where
OCR-confusable and traditional/variant characters count as near (see
:mod:`hukou_scan.registry.variants`), with household number and address breaking
ties.  rapidfuzz does the string distances.

Lookups are index-bound so a page is ranked in milliseconds against a million
persons: ID numbers (the read number plus the valid numbers one OCR slip away),
folded names and their one-confusion variants, the birth date, and the household.
Nothing here scans the whole registry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from rapidfuzz import fuzz

from hukou_scan.domain import ExtractedField, Person, ReadCorrection, iddecode, idnumber
from hukou_scan.domain.models import Alternatives
from hukou_scan.registry.variants import confusion_variants, fold, name_similarity

# Score weights (sum of the positive ones, capped at 100).
W_ID_EXACT = 60.0
W_ID_NEAR = 35.0
W_NAME = 25.0
W_BIRTH = 15.0
W_HOUSEHOLD = 5.0
W_ADDRESS = 3.0
W_SEX = 1.0
P_NAME_MISMATCH = 15.0
P_BIRTH_MISMATCH = 10.0
P_SEX_MISMATCH = 8.0
NAME_NEAR = 0.6
"""Below this name similarity a name does not count as matching at all."""

REASON_TEXT: dict[str, tuple[str, str]] = {
    "id_number": ("身份号码一致", "ID number matches"),
    "id_number_near": ("身份号码相差一位（疑似识别错误）", "ID number one OCR slip away"),
    "name": ("姓名一致", "name matches"),
    "name_near": ("姓名相近", "name similar"),
    "former_name": ("曾用名一致", "former name matches"),
    "name_mismatch": ("姓名不同", "name differs"),
    "birth_date": ("出生日期一致", "birth date matches"),
    "birth_date_mismatch": ("出生日期不同", "birth date differs"),
    "household_no": ("户号一致", "household number matches"),
    "address": ("住址相近", "address similar"),
    "sex": ("性别一致", "sex matches"),
    "sex_mismatch": ("性别不同", "sex differs"),
    "household_member": ("户内成员", "member of the household"),
    "id_number_corrected": (
        "按候选人复核识别结果：身份号码的笔迹更符合该人号码",
        "re-read against this candidate: the written ID fits this person's number",
    ),
    "name_corrected": (
        "按候选人复核识别结果：姓名的笔迹更符合该人姓名",
        "re-read against this candidate: the written name fits this person's name",
    ),
}


def describe_reason(code: str, lang: str = "zh_CN") -> str:
    """Human text of a reason code such as ``name_near:0.83``."""
    base, _, value = code.partition(":")
    zh, en = REASON_TEXT.get(base, (base, base))
    text = en if lang == "en" else zh
    return f"{text} ({value})" if value else text


class CandidateSource(Protocol):
    """Index-backed lookups (implemented by :class:`hukou_scan.storage.registry.RegistryStore`)."""

    def by_id_numbers(self, numbers: Sequence[str], limit: int = 50) -> list[Person]: ...

    def by_name_keys(
        self, keys: Sequence[str], birth: date | None = None, limit: int = 200
    ) -> list[Person]: ...

    def by_birth_date(self, birth: date, limit: int = 500) -> list[Person]: ...

    def by_household(self, household_no: str, limit: int = 100) -> list[Person]: ...


@dataclass(frozen=True)
class PageFields:
    """The registry fields read from one page (empty string / ``None`` when not read)."""

    id_number: str = ""
    name: str = ""
    former_name: str = ""
    sex: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    household_no: str = ""
    address: str = ""
    relation: str = ""
    head_name: str = ""
    id_alternatives: Alternatives = ()
    """Per written ID character, the recogniser's options (link-then-correct)."""
    name_alternatives: Alternatives = ()
    """Per name character, the recogniser's options (link-then-correct)."""
    name_frames: Alternatives = ()
    """The name line's CTC frames (top classes per frame, ``""`` blank): scores names of any length."""
    id_decoded: float | None = None
    """The decoder's posterior when the ID value was inferred from the options (``id_decoded``)."""

    @classmethod
    def from_extracted(cls, fields: Iterable[ExtractedField]) -> PageFields:
        """Take the most confident value per field name; ignore unknown names."""
        best: dict[str, ExtractedField] = {}
        for f in fields:
            if f.value and (f.name not in best or f.confidence > best[f.name].confidence):
                best[f.name] = f
        values = {k: v.value.strip() for k, v in best.items()}
        idf, namef = best.get("id_number"), best.get("name")
        birth: date | None = None
        if values.get("birth_date"):
            try:
                birth = date.fromisoformat(values["birth_date"][:10])
            except ValueError:
                birth = None
        return cls(
            id_number=values.get("id_number", ""),
            name=values.get("name", ""),
            former_name=values.get("former_name", ""),
            sex=values.get("sex", ""),
            ethnicity=values.get("ethnicity", ""),
            birth_date=birth,
            household_no=values.get("household_no", ""),
            address=values.get("address", ""),
            relation=values.get("relation", ""),
            head_name=values.get("head_name", ""),
            id_alternatives=idf.alternatives if idf else (),
            name_alternatives=namef.alternatives if namef else (),
            name_frames=namef.frames if namef else (),
            id_decoded=idf.confidence if idf and "id_decoded" in idf.reasons else None,
        )

    @property
    def is_household_page(self) -> bool:
        """A household register page: a household number but no single person on it."""
        return bool(self.household_no) and not self.name and not self.id_number


@dataclass(frozen=True)
class Candidate:
    """``certain``: the page names this person beyond reasonable doubt (see :func:`is_certain`);
    only the top candidate of a single-person page can be certain."""

    person: Person
    score: float
    reasons: tuple[str, ...]
    role: str = ""
    certain: bool = False


@dataclass
class _Acc:
    person: Person
    id_exact: bool = False
    id_near: bool = False
    probe: bool = False  # found only by the one-slip-away probe behind an exact ID match
    reasons: list[str] = field(default_factory=list)


CERTAIN_NAME_SIM = 0.66
"""A certain top candidate's name may differ from the reading by one character in three."""


def _name_sim(page: PageFields, p: Person) -> float:
    if not page.name:
        return 0.0
    sim = name_similarity(page.name, p.name)
    if p.former_name:
        sim = max(sim, name_similarity(page.name, p.former_name))
    return sim


def is_certain(page: PageFields, top: Candidate, others: Sequence[Candidate]) -> bool:
    """Whether ``top`` may be proposed as *the* person of the page without a doubt.

    Why stricter than a score threshold: in a city registry of millions, near-duplicates
    are normal — namesakes born the same day, one-character-different names, the same
    number registered in 15- and 18-digit form.  A single misread digit can turn the
    true person's ID into a valid number of such a twin, and then the twin matches
    "exactly" with a perfect score.  So the top candidate is certain only when:

    * its ID number matched exactly (name and birth date alone never suffice: namesakes);
    * the name read agrees (exact, former name, or at most one character in three off);
    * nothing read contradicts it (name, birth date or sex mismatch);
    * no other registry person's number is one OCR slip away from the ID read (see
      :func:`id_neighbours`) with a name like the one read, and no other person carries
      the same number — either could be the person actually on the page.
    """
    reasons = {r.partition(":")[0] for r in top.reasons}
    if "id_number" not in reasons:
        return False
    if page.id_decoded is not None and not _decoded_id_is_strong(page, top):
        return False
    if reasons & {"name_mismatch", "birth_date_mismatch", "sex_mismatch"}:
        return False
    if _name_sim(page, top.person) < CERTAIN_NAME_SIM:
        return False
    for o in others:
        if o.person.id == top.person.id:
            continue
        other_reasons = {r.partition(":")[0] for r in o.reasons}
        if "id_number" in other_reasons:
            return False
        if "id_number_near" in other_reasons and _name_sim(page, o.person) >= NAME_NEAR:
            return False
    return True


CERTAIN_DECODE_P = 0.99
"""An ID inferred by the decoder counts for certainty only from this posterior on."""


def _decoded_id_is_strong(page: PageFields, top: Candidate) -> bool:
    """Whether an ID the decoder inferred (not read as written) may still make ``top`` certain.

    Why: the decoder picks the most probable *valid* number; when a digit was truly
    unreadable that can be a near-duplicate twin's number, and an exact match on it
    would look as good as a clean reading.  So it needs more than a clean reading does:
    a posterior of at least :data:`CERTAIN_DECODE_P`, the name read exactly as registered,
    and the 出生日期 field read on the page (not only taken from the ID) agreeing.  The
    twin checks of :func:`is_certain` still apply on top.
    """
    if page.id_decoded is None or page.id_decoded < CERTAIN_DECODE_P:
        return False
    if page.birth_date is None or page.birth_date != top.person.birth_date:
        return False
    return bool(page.name) and page.name in (top.person.name, top.person.former_name)


def id_repairs(raw: str, limit: int = 200) -> list[str]:
    """Valid 18-digit numbers one substitution or one adjacent swap away from ``raw``.

    An OCR misread digit usually breaks the check digit; the numbers that restore
    it are few (about 1 in 11 of the 17×9 substitutions) and are looked up by index.
    A 17-digit read gets each possible check digit.  A 15-digit read has no check
    digit, so every neighbour is valid: all of them (:func:`id_neighbours`).
    """
    s = idnumber.normalize(raw)
    if len(s) == 15 and s.isdigit():
        return id_neighbours(s, limit)
    if len(s) == 17 and s.isdigit():
        return [s + idnumber.check_digit(s)]
    if len(s) != 18 or not s[:17].isdigit():
        return []
    out: list[str] = []
    seen = {s}

    def consider(cand: str) -> None:
        if cand not in seen and idnumber.is_valid18(cand):
            seen.add(cand)
            out.append(cand)

    consider(s[:17] + idnumber.check_digit(s[:17]))
    for i in range(17):
        for d in "0123456789":
            if d != s[i]:
                consider(s[:i] + d + s[i + 1 :])
    for i in range(16):
        if s[i] != s[i + 1]:
            consider(s[:i] + s[i + 1] + s[i] + s[i + 2 :])
    return out[:limit]


def id_neighbours(raw: str, limit: int = 200) -> list[str]:
    """The valid 18-digit numbers whose body is one misread digit (or swap) from ``raw``'s.

    Why not :func:`id_repairs`: a *valid* reading can still be wrong.  With the GB 11643
    check digit a single slip never gives another valid 18-digit number, but a slip in
    an old 15-digit number (no check digit) does, and so does a slip in the body plus
    one in the check digit.  These are the numbers a near-duplicate twin would carry;
    each gets its own check digit.  The body of a 15-digit number is compared before
    its upgrade, so the inserted century is never "misread".
    """
    s = idnumber.normalize(raw)
    if len(s) == 15 and s.isdigit():
        bodies = _one_slip(s)
        return [idnumber.upgrade15(b) for b in bodies][:limit]
    if len(s) < 17 or not s[:17].isdigit():
        return []
    return [b + idnumber.check_digit(b) for b in _one_slip(s[:17])][:limit]


def _one_slip(body: str) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(body):
        out.extend(body[:i] + d + body[i + 1 :] for d in "0123456789" if d != c)
    out.extend(
        body[:i] + body[i + 1] + body[i] + body[i + 2 :]
        for i in range(len(body) - 1)
        if body[i] != body[i + 1]
    )
    return out


DECODED_LOOKUPS = 6
"""Valid numbers the decoder ranks best (after its first) that are looked up as candidates."""


def decoded_numbers(page: PageFields) -> list[str]:
    """Canonical 18-digit forms of the decoder's best valid readings of the ID options.

    Empty without options of a 15/18-character line.  Looked up without any score of
    their own: :func:`reread_against` decides how well each owner's number fits.
    """
    if len(page.id_alternatives) not in (15, 18):
        return []
    dec = iddecode.decode(
        page.id_alternatives,
        birth=page.birth_date,
        sex=page.sex or None,
        n_runners=DECODED_LOOKUPS,
    )
    if dec is None:
        return []
    written = [dec.written, *(n for n, _p in dec.runners)]
    return [n for n in dict.fromkeys(idnumber.to18(w) or w for w in written) if n]


def _id_birth(number: str) -> date | None:
    s = idnumber.normalize(number)
    if len(s) in (15, 18) and s[:-1].isdigit():
        return idnumber.birth_date(s)
    return None


def rank(
    page: PageFields, source: CandidateSource, limit: int = 10, min_score: float = 20.0
) -> list[Candidate]:
    """Ranked candidates for one page (best first), each with its score (0–100) and reasons."""
    acc: dict[str, _Acc] = {}

    def add(persons: Iterable[Person]) -> None:
        for p in persons:
            if p.id not in acc:
                acc[p.id] = _Acc(p)

    raw_id = idnumber.normalize(page.id_number)
    exact = idnumber.to18(raw_id) if raw_id else None
    birth = page.birth_date or (_id_birth(exact or raw_id) if raw_id else None)
    if raw_id:
        numbers = [n for n in {raw_id, exact or ""} if n]
        found = source.by_id_numbers(numbers)
        for p in found:
            add([p])
            acc[p.id].id_exact = True
        # Without an exact match the numbers one slip away are the likely readings; with
        # one they are the twins that would make the exact match a misreading.
        probe = id_neighbours(raw_id) if found else id_repairs(raw_id)
        for p in source.by_id_numbers(probe, limit=len(probe)):
            if p.id not in acc:
                add([p])
                acc[p.id].id_near = True
                acc[p.id].probe = bool(found)
    # The decoder's runner-up valid numbers: a digit it got wrong is usually the
    # runner-up there, and that number's owner must reach the re-read below.
    alt_numbers = [n for n in decoded_numbers(page) if n not in {raw_id, exact}]
    if alt_numbers:
        add(source.by_id_numbers(alt_numbers, limit=len(alt_numbers)))
    if page.name or page.former_name:
        keys: list[str] = []
        for n in (page.name, page.former_name):
            if n:
                keys.append(fold(n))
                keys.extend(confusion_variants(n))
        # Runner-up readings of the name (link-then-correct needs the true person in the list).
        keys.extend(fold(n) for n, _p in iddecode.top_readings(page.name_alternatives) if n != page.name)
        keys = list(dict.fromkeys(keys))
        # A misread date (on the page or in the number) must not hide the person born on
        # the other one: look up under every birth date the page gives.
        births = list(dict.fromkeys(b for b in (birth, page.birth_date, _id_birth(exact or raw_id)) if b))
        if births:
            for b in births:
                add(source.by_name_keys(keys, b))
                add(source.by_birth_date(b))
        else:
            add(source.by_name_keys(keys, limit=100))
    if page.household_no:
        add(source.by_household(page.household_no))

    household_page = page.is_household_page
    out: list[Candidate] = []
    for a in acc.values():
        if a.probe and _name_sim(page, a.person) < NAME_NEAR:
            continue  # a valid number one slip away, but nobody the page could be about
        score, reasons = _score(page, a, birth, household_page)
        out.append(
            Candidate(a.person, round(score, 1), tuple(reasons), a.person.relation if household_page else "")
        )
    if not household_page:
        # Re-read before the cut: a misread name can put the true person under it.
        out = reread_against(page, out)
    out = [c for c in out if c.score >= min_score]
    if household_page:  # register order: head first, then spouse, children, others
        out.sort(
            key=lambda c: (
                -c.score,
                _RELATION_ORDER.get(c.person.relation, 99),
                c.person.birth_date or date.max,
            )
        )
        return out
    out.sort(key=lambda c: (-c.score, c.person.household_no, c.person.name, c.person.id))
    if out and is_certain(page, out[0], out[1:]):
        out[0] = replace(out[0], certain=True)
    return out[:limit]


CORRECT_MIN_P = 0.5
"""A candidate's value is reported as the corrected reading from this share of the evidence on."""
P_OUTSIDE = 0.1
"""Prior weight of "the page shows someone who is not among the candidates"."""
W_ID_CORRECTED = 20.0
W_NAME_CORRECTED = 0.9 * W_NAME


def _written_forms(p: Person) -> list[str]:
    return [n for n in dict.fromkeys([idnumber.normalize(p.id_number_raw), p.id_number]) if n]


def reread_against(page: PageFields, cands: list[Candidate]) -> list[Candidate]:
    """Link-then-correct: score each top candidate's ID and name by the recogniser's options.

    After lookup the question is no longer "what is written?" but "which of *these*
    persons' numbers (names) is written?" — a far smaller choice that the per-character
    probabilities answer well.  Each candidate's share of the evidence is the
    probability of reading its value off the options, against the other candidates'
    values plus someone outside the registry (the best valid reading, weighted by
    :data:`P_OUTSIDE`).  A candidate whose value differs from what was read gets
    ``id_number_corrected:<share>`` (``name_corrected:<share>``) and a bonus from
    :data:`CORRECT_MIN_P` on.

    Certainty is untouched on purpose: :func:`is_certain` needs ``id_number`` (an exact
    match with what the page alone gave) and the *read* name, so a correction can move
    a candidate up the list but never pre-select it — the clerk's confirmation makes it
    final.
    """
    if not cands or not (page.id_alternatives or page.name_alternatives or page.name_frames):
        return cands
    top = cands  # every person the lookups found (a few hundred at most): the registry's prior
    id_z = name_z = 0.0
    id_lp: dict[str, float] = {}
    if len(page.id_alternatives) in (15, 18):
        dec = iddecode.decode(page.id_alternatives)
        best = iddecode.sequence_logprob(page.id_alternatives, dec.written, digits=True) if dec else None
        table = [
            {ch: math.log(p) for ch, p in iddecode.digit_distribution(o).items()}
            for o in page.id_alternatives
        ]
        floor = math.log(iddecode.FLOOR)
        for c in top:
            lps = [
                sum(t.get(ch, floor) for t, ch in zip(table, n, strict=True))
                for n in _written_forms(c.person)
                if len(n) == len(table)
            ]
            if lps:
                id_lp[c.person.id] = max(lps)
        id_z = _logsumexp(
            [
                *{c.person.id_number: id_lp[c.person.id] for c in top if c.person.id in id_lp}.values(),
                *([best + math.log(P_OUTSIDE)] if best is not None else []),
            ]
        )
    name_lp: dict[str, float] = {}
    if (page.name_alternatives or page.name_frames) and page.name:

        def name_logprob(text: str) -> float | None:
            if page.name_frames:  # every length: a character too many or too few is no obstacle
                return iddecode.ctc_logprob(page.name_frames, text)
            return iddecode.sequence_logprob(page.name_alternatives, text)

        for c in top:
            lp = name_logprob(c.person.name)
            if lp is not None:
                name_lp[c.person.name] = lp
        read = name_logprob(page.name)
        name_z = _logsumexp([*name_lp.values(), *([read + math.log(P_OUTSIDE)] if read is not None else [])])
    read18 = idnumber.to18(page.id_number) if page.id_number else None
    out: list[Candidate] = []
    for c in cands:
        score, reasons = c.score, list(c.reasons)
        codes = {r.partition(":")[0] for r in reasons}
        if c.person.id in id_lp and "id_number" not in codes and c.person.id_number != read18:
            share = math.exp(id_lp[c.person.id] - id_z)
            if share >= CORRECT_MIN_P:
                reasons.append(f"id_number_corrected:{share:.2f}")
                score += W_ID_CORRECTED * share
                if page.birth_date is None and "birth_date_mismatch" in reasons:
                    # The only date came from the number being corrected: no evidence against.
                    reasons.remove("birth_date_mismatch")
                    score += P_BIRTH_MISMATCH
        if c.person.name in name_lp and c.person.name != page.name:
            share = math.exp(name_lp[c.person.name] - name_z)
            if share >= CORRECT_MIN_P:
                if "name_mismatch" in codes:
                    reasons.remove("name_mismatch")
                    score += P_NAME_MISMATCH
                near = next((float(r.partition(":")[2]) for r in reasons if r.startswith("name_near:")), 0.0)
                reasons.append(f"name_corrected:{share:.2f}")
                score += max(0.0, W_NAME_CORRECTED * share - W_NAME * near)
        if score != c.score:
            c = replace(c, score=round(max(0.0, min(100.0, score)), 1), reasons=tuple(reasons))
        out.append(c)
    return out


def corrections_for(
    fields: Sequence[ExtractedField], person: Person, reasons: Sequence[str]
) -> list[ReadCorrection]:
    """The readings a candidate's ``*_corrected`` reasons propose to change: raw → candidate's value.

    Derived, not stored: the raw reading is the page's field, the corrected one the
    candidate's registered value, the share is in the reason code.
    """
    page = PageFields.from_extracted(fields)
    best = {f.name: f for f in sorted(fields, key=lambda f: f.confidence) if f.value}
    out: list[ReadCorrection] = []
    for code in reasons:
        base, _, value = code.partition(":")
        try:
            share = float(value)
        except ValueError:
            continue
        if base == "id_number_corrected" and "id_number" in best:
            n = len(page.id_alternatives)
            written = next((w for w in _written_forms(person) if len(w) == n), person.id_number)
            raw = "".join(best["id_number"].raw.split()) or page.id_number
            out.append(ReadCorrection("id_number", raw, written, share))
        elif base == "name_corrected" and "name" in best:
            out.append(ReadCorrection("name", best["name"].raw or page.name, person.name, share))
    return out


def _logsumexp(xs: list[float]) -> float:
    if not xs:
        return 0.0
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


_RELATION_ORDER = {
    r: i
    for i, r in enumerate(
        ("户主", "配偶", "妻", "夫", "父亲", "母亲", "子", "女", "长子", "长女", "次子", "次女")
    )
}


MEMBER_FIELDS = frozenset({"name", "former_name", "relation", "sex", "ethnicity", "birth_date", "id_number"})
SHARED_FIELDS = frozenset({"household_no", "address", "head_name"})


def split_members(
    fields: Sequence[ExtractedField],
) -> tuple[list[ExtractedField], list[list[ExtractedField]]]:
    """Shared fields and per-member field groups of a page, in reading order.

    A household table (户口登记簿) repeats ``name/relation/sex/birth_date/id_number`` once
    per member row; a field name seen again starts the next member.  A registration
    form gives one group.
    """
    shared: list[ExtractedField] = []
    members: list[list[ExtractedField]] = []
    current: list[ExtractedField] = []
    for f in fields:
        if f.name in SHARED_FIELDS:
            shared.append(f)
        elif f.name in MEMBER_FIELDS:
            if any(g.name == f.name for g in current):
                members.append(current)
                current = []
            current.append(f)
    if current:
        members.append(current)
    return shared, members


def rank_page(
    fields: Sequence[ExtractedField], source: CandidateSource, limit: int = 10
) -> tuple[list[Candidate], bool]:
    """Candidates for a page's extracted fields; ``True`` when it is a household page.

    A household page (several member rows, or only a household number) gets every
    member it names (best match per row, with the row's relation as role) plus every
    registered member of its household, head first.
    """
    shared, members = split_members(fields)
    if len(members) <= 1:
        page = PageFields.from_extracted(fields)
        return rank(page, source, limit=limit), page.is_household_page
    base = PageFields.from_extracted(shared)
    found: dict[str, Candidate] = {}
    for group in members:
        row = PageFields.from_extracted([*shared, *group])
        best = rank(row, source, limit=1)
        if best and best[0].score >= HOUSEHOLD_ROW_MIN:
            c = best[0]
            role = row.relation or c.person.relation
            if c.person.id not in found or found[c.person.id].score < c.score:
                found[c.person.id] = Candidate(c.person, c.score, c.reasons, role)
    if base.household_no:
        for c in rank(PageFields(household_no=base.household_no), source):
            found.setdefault(c.person.id, c)
    out = sorted(
        found.values(),
        key=lambda c: (_RELATION_ORDER.get(c.role, 99), c.person.birth_date or date.max, -c.score),
    )
    return out, True


HOUSEHOLD_ROW_MIN = 50.0
"""A member row's best candidate joins a household page's list from this score on."""


def _score(page: PageFields, a: _Acc, birth: date | None, household_page: bool) -> tuple[float, list[str]]:
    p = a.person
    score = 0.0
    reasons: list[str] = []
    if a.id_exact:
        score += W_ID_EXACT
        reasons.append("id_number")
    elif a.id_near:
        score += W_ID_NEAR
        reasons.append("id_number_near")
    if page.name:
        sim = name_similarity(page.name, p.name)
        former = name_similarity(page.name, p.former_name) if p.former_name else 0.0
        if page.former_name:
            former = max(former, name_similarity(page.former_name, p.former_name or p.name) * 0.95)
        if sim >= 1.0:
            score += W_NAME
            reasons.append("name")
        elif former >= 1.0:
            score += W_NAME * 0.9
            reasons.append("former_name")
        elif max(sim, former) >= NAME_NEAR:
            best = max(sim, former)
            score += W_NAME * best
            reasons.append(f"name_near:{best:.2f}")
        else:
            score -= P_NAME_MISMATCH
            reasons.append("name_mismatch")
    if birth and p.birth_date:
        if birth == p.birth_date:
            score += W_BIRTH
            reasons.append("birth_date")
        else:
            score -= P_BIRTH_MISMATCH
            reasons.append("birth_date_mismatch")
    if page.household_no and p.household_no == page.household_no:
        score += W_HOUSEHOLD if not household_page else 50.0
        reasons.append("household_member" if household_page else "household_no")
    if page.address and p.address:
        ratio = fuzz.ratio(fold(page.address), fold(p.address)) / 100.0
        if ratio >= 0.7:
            score += W_ADDRESS * ratio
            reasons.append(f"address:{ratio:.2f}")
    if page.sex and p.sex:
        if page.sex == p.sex:
            score += W_SEX
            reasons.append("sex")
        else:
            score -= P_SEX_MISMATCH
            reasons.append("sex_mismatch")
    return max(0.0, min(100.0, score)), reasons
