"""Link-then-correct: candidates re-read against the recogniser's per-character options.

After lookup, each top candidate's number and name are scored by how well they explain
what the recogniser saw.  A correction moves a candidate up and says why; it must never
make anyone *certain* by itself (a wrong certain proposal is the one error the clerk
would not catch), and an ID the decoder inferred is certain only on strong evidence.
"""

from __future__ import annotations

from datetime import date

from hukou_scan.domain import ExtractedField, Person, idnumber
from hukou_scan.registry.matching import (
    PageFields,
    describe_reason,
    rank,
    rank_page,
)
from tests.registry_helpers import MemorySource

BIRTH = date(1962, 3, 14)


def _number(seq: str) -> str:
    first = f"110101{BIRTH:%Y%m%d}{seq}"
    return first + idnumber.check_digit(first)


def _person(pid: str, name: str, number: str) -> Person:
    return Person(
        id=pid,
        name=name,
        id_number=number,
        id_number_raw=number,
        sex="男",
        birth_date=BIRTH,
        household_no=pid,
    )


TRUE = _person("true", "王建国", _number("013"))
OTHER = _person("other", "李建国", _number("517"))


def _opts(text: str, swap: dict[int, list[tuple[str, float]]] | None = None) -> tuple:
    out = [((ch, 0.97), ("8", 0.01)) for ch in text]
    for i, o in (swap or {}).items():
        out[i] = tuple(o)
    return tuple(out)


def test_misread_digit_is_corrected_towards_the_candidate_but_never_certain() -> None:
    wrong = TRUE.id_number[:15] + ("7" if TRUE.id_number[15] != "7" else "1") + TRUE.id_number[16:]
    alts = _opts(wrong, {15: [(wrong[15], 0.6), (TRUE.id_number[15], 0.35)]})
    page = PageFields(id_number=wrong, name=TRUE.name, sex="男", birth_date=BIRTH, id_alternatives=alts)
    cands = rank(page, MemorySource([TRUE, OTHER]))
    top = cands[0]
    assert top.person.id == "true"
    corr = [r for r in top.reasons if r.startswith("id_number_corrected:")]
    assert corr and float(corr[0].split(":")[1]) > 0.9
    assert not top.certain  # a correction is a proposal: the clerk confirms it
    assert "re-read against this candidate" in describe_reason(corr[0], "en")


def test_name_fitting_the_options_is_corrected_and_moves_up() -> None:
    alts = _opts("王建困", {2: [("困", 0.55), ("国", 0.4)]})
    page = PageFields(name="王建困", sex="男", birth_date=BIRTH, name_alternatives=alts)
    namesake_day = _person("day", "王建图", _number("771"))
    without = rank(PageFields(name="王建困", sex="男", birth_date=BIRTH), MemorySource([TRUE, namesake_day]))
    cands = rank(page, MemorySource([TRUE, namesake_day]))
    assert cands[0].person.id == "true"
    assert any(r.startswith("name_corrected:") for r in cands[0].reasons)
    assert cands[0].score > next(c.score for c in without if c.person.id == "true")
    assert not any(c.certain for c in cands)


def test_no_options_changes_nothing() -> None:
    page = PageFields(id_number=TRUE.id_number, name=TRUE.name, sex="男", birth_date=BIRTH)
    cands = rank(page, MemorySource([TRUE, OTHER]))
    assert cands[0].certain
    assert not any("corrected" in r for c in cands for r in c.reasons)


def _fields(value: str, *, decoded: float | None, birth: bool = True) -> list[ExtractedField]:
    reasons = ("id_decoded",) if decoded is not None else ()
    out = [
        ExtractedField(
            "id_number", value, value, None, decoded if decoded is not None else 0.95, True, reasons
        ),
        ExtractedField("name", TRUE.name, TRUE.name, None, 0.95),
        ExtractedField("sex", "男", "男", None, 0.95),
    ]
    if birth:
        out.append(ExtractedField("birth_date", BIRTH.isoformat(), "1962年3月14日", None, 0.95))
    return out


def test_a_decoded_id_is_certain_only_on_strong_evidence() -> None:
    src = MemorySource([TRUE, OTHER])
    clean, _ = rank_page(_fields(TRUE.id_number, decoded=None), src)
    assert clean[0].certain
    weak, _ = rank_page(_fields(TRUE.id_number, decoded=0.9), src)
    assert weak[0].person.id == "true" and not weak[0].certain
    no_date, _ = rank_page(_fields(TRUE.id_number, decoded=0.999, birth=False), src)
    assert not no_date[0].certain  # the date came only from the inferred number itself
    strong, _ = rank_page(_fields(TRUE.id_number, decoded=0.999), src)
    assert strong[0].certain


def test_a_decoded_id_landing_on_a_twin_is_never_certain() -> None:
    # The decoder picked the twin's number (same name, same day, one digit off): the
    # true person is one slip away, so nobody may be certain however sure the decoder was.
    body = TRUE.id_number[:15] + ("7" if TRUE.id_number[15] != "7" else "2") + TRUE.id_number[16]
    twin = _person("twin", TRUE.name, body + idnumber.check_digit(body))
    cands, _ = rank_page(_fields(twin.id_number, decoded=0.999), MemorySource([TRUE, twin]))
    assert not any(c.certain for c in cands)


def _frames(*per_char: tuple[tuple[str, float], ...]) -> tuple:
    """CTC frames: a blank between every character's frame (``""`` is the blank)."""
    out: list[tuple[tuple[str, float], ...]] = [(("", 0.99),)]
    for opts in per_char:
        out.extend([opts, (("", 0.99),)])
    return tuple(out)


def test_a_name_read_with_a_character_too_many_is_re_read_against_the_candidate() -> None:
    # 王建国 written; a stray stroke read as 口 (王建口国): no per-character options line
    # up with a three-character name, the frames still do.
    frames = _frames((("王", 0.97),), (("建", 0.95),), (("口", 0.5), ("", 0.45)), (("国", 0.9), ("困", 0.05)))
    page = PageFields(name="王建口国", sex="男", birth_date=BIRTH, name_frames=frames)
    namesake_day = _person("day", "王建图", _number("771"))
    cands = rank(page, MemorySource([TRUE, namesake_day]))
    assert cands[0].person.id == "true"
    corr = [r for r in cands[0].reasons if r.startswith("name_corrected:")]
    assert corr and float(corr[0].split(":")[1]) > 0.5
    assert not any(c.certain for c in cands)  # no ID read: nobody is certain
    assert not any(r.startswith("name_corrected") for c in cands[1:] for r in c.reasons)


def _two_digit_twin(number: str, i: int, j: int) -> str | None:
    """A valid number differing from ``number`` at ``i`` and ``j`` with the same check digit."""
    for a in "0123456789":
        for b in "0123456789":
            if a == number[i] or b == number[j]:
                continue
            body = number[:i] + a + number[i + 1 : j] + b + number[j + 1 : 17]
            if idnumber.check_digit(body) == number[17] and idnumber.is_valid18(body + number[17]):
                return body + number[17]
    return None


def test_the_decoders_runner_up_number_brings_the_true_person_in() -> None:
    # Two digits misread so that the best valid number is nobody's: the true number is
    # two slips away (no one-slip probe finds it), the name was not read, no date field.
    wrong = _two_digit_twin(TRUE.id_number, 13, 15)
    assert wrong is not None
    alts = list(_opts(TRUE.id_number))
    for k in (13, 15):
        alts[k] = ((wrong[k], 0.6), (TRUE.id_number[k], 0.35))
    page = PageFields(id_number=wrong, sex="男", id_alternatives=tuple(alts), id_decoded=0.7)
    cands = rank(page, MemorySource([TRUE, OTHER]))
    assert cands and cands[0].person.id == "true"
    assert any(r.startswith("id_number_corrected:") for r in cands[0].reasons)
    assert not cands[0].certain


def test_twins_everywhere_are_never_certain_after_correction() -> None:
    # The true person and a namesake born the same day whose number is one digit off;
    # the box between them is unreadable (0.5 / 0.45), the name read exactly.
    i = 15
    twin_no = TRUE.id_number[:i] + ("7" if TRUE.id_number[i] != "7" else "2") + TRUE.id_number[i + 1 : 17]
    twin = _person("twin", TRUE.name, twin_no + idnumber.check_digit(twin_no))
    alts = list(_opts(TRUE.id_number))
    alts[i] = ((twin.id_number[i], 0.5), (TRUE.id_number[i], 0.45))
    alts[17] = ((TRUE.id_number[17], 0.5), (twin.id_number[17], 0.45))
    for read in (TRUE.id_number, twin.id_number):
        page = PageFields(
            id_number=read,
            name=TRUE.name,
            sex="男",
            birth_date=BIRTH,
            id_alternatives=tuple(alts),
            name_alternatives=_opts(TRUE.name),
        )
        cands = rank(page, MemorySource([TRUE, twin, OTHER]))
        assert {c.person.id for c in cands[:2]} == {"true", "twin"}
        assert not any(c.certain for c in cands)
