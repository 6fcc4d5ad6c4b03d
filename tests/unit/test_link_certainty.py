"""When a proposal may be pre-selected as *certain*: near-duplicate twins must never be.

A city registry holds namesakes born the same day, one-character-different names and
numbers one digit apart.  A single misread ID digit can land exactly on such a twin;
these tests build the twins in a small in-memory registry and check that the linker
stays unsure exactly when the page could be about someone else.
"""

from __future__ import annotations

from datetime import date

import pytest

from hukou_scan.domain import Person, idnumber
from hukou_scan.registry.matching import PageFields, id_neighbours, id_repairs, rank
from hukou_scan.registry.variants import confusion_variants
from tests.registry_helpers import MemorySource

BIRTH = date(1962, 3, 14)


def _number(seq: str, birth: date = BIRTH, area: str = "110101") -> str:
    first = f"{area}{birth:%Y%m%d}{seq}"
    return first + idnumber.check_digit(first)


def _person(pid: str, name: str, number: str, birth: date = BIRTH, sex: str = "男") -> Person:
    return Person(
        id=pid, name=name, id_number=number, id_number_raw=number, sex=sex, birth_date=birth, household_no=pid
    )


TRUE = _person("true", "王建国", _number("013"))


def _one_slip_twin(number: str) -> str:
    """A valid number whose body is one digit from ``number``'s (a misread digit in the sequence
    part plus one in the check digit, or one digit of an old 15-digit number)."""
    body = number[:15] + ("7" if number[15] != "7" else "2") + number[16]
    return body + idnumber.check_digit(body)


def _page(person: Person, number: str | None = None, name: str | None = None) -> PageFields:
    return PageFields(
        id_number=number or person.id_number,
        name=person.name if name is None else name,
        sex=person.sex,
        birth_date=person.birth_date,
    )


def test_exact_id_and_name_with_no_twin_is_certain() -> None:
    src = MemorySource([TRUE, _person("other", "李明", _number("215", date(1970, 1, 2)), date(1970, 1, 2))])
    cands = rank(_page(TRUE), src)
    assert cands[0].person.id == "true"
    assert cands[0].certain


def test_name_and_birth_without_id_is_never_certain() -> None:
    src = MemorySource([TRUE])
    cands = rank(PageFields(name=TRUE.name, birth_date=BIRTH, sex="男"), src)
    assert cands[0].person.id == "true"
    assert not cands[0].certain  # a namesake born the same day may be missing from the list


def test_misread_digit_landing_on_a_namesake_twin_is_not_certain() -> None:
    """The page shows TRUE, one digit is misread and becomes the twin's valid number."""
    twin = _person("twin", TRUE.name, _one_slip_twin(TRUE.id_number))
    src = MemorySource([TRUE, twin])
    cands = rank(_page(TRUE, number=twin.id_number), src)
    assert cands[0].person.id == "twin"  # the reading says twin; ranking cannot know better
    assert not cands[0].certain
    assert "true" in {c.person.id for c in cands}  # and the clerk sees the alternative


def test_misread_digit_landing_on_a_one_character_twin_is_not_certain() -> None:
    variant = next(v for v in confusion_variants(TRUE.name) if v != TRUE.name)
    twin = _person("twin", variant, _one_slip_twin(TRUE.id_number))
    src = MemorySource([TRUE, twin])
    cands = rank(_page(TRUE, number=twin.id_number), src)
    assert cands[0].person.id == "twin"
    assert not cands[0].certain


def test_number_one_slip_away_from_a_stranger_does_not_block_certainty() -> None:
    """A valid number one digit away exists, but it belongs to someone the page cannot be about."""
    stranger = _person("stranger", "赵淑芬", _one_slip_twin(TRUE.id_number), sex="女")
    src = MemorySource([TRUE, stranger])
    cands = rank(_page(TRUE), src)
    assert cands[0].person.id == "true"
    assert cands[0].certain
    assert "stranger" not in {c.person.id for c in cands}  # not shown as a candidate either


def test_same_number_registered_twice_is_not_certain() -> None:
    dup = _person("dup", TRUE.name, TRUE.id_number)
    src = MemorySource([TRUE, dup])
    cands = rank(_page(TRUE), src)
    assert not cands[0].certain


@pytest.mark.parametrize(
    "page",
    [
        PageFields(id_number=TRUE.id_number, name="刘秀英", birth_date=BIRTH),  # name contradicts
        PageFields(id_number=TRUE.id_number, name=TRUE.name, birth_date=date(1963, 3, 14)),  # birth
        PageFields(id_number=TRUE.id_number, name=TRUE.name, sex="女"),  # sex
        PageFields(id_number=TRUE.id_number),  # no name read at all
    ],
)
def test_contradiction_or_missing_name_is_not_certain(page: PageFields) -> None:
    cands = rank(page, MemorySource([TRUE]))
    assert cands and cands[0].person.id == "true"
    assert not cands[0].certain


def test_one_character_misread_in_name_with_exact_id_stays_certain() -> None:
    variant = next(v for v in confusion_variants(TRUE.name) if v != TRUE.name)
    cands = rank(_page(TRUE, name=variant), MemorySource([TRUE]))
    assert cands[0].person.id == "true"
    assert cands[0].certain


def test_old_score_rule_would_have_preselected_the_twin() -> None:
    """Guards the reason for the rule: the twin's lead is far beyond the old margin."""
    twin = _person("twin", TRUE.name, _one_slip_twin(TRUE.id_number))
    cands = rank(_page(TRUE, number=twin.id_number), MemorySource([TRUE, twin]))
    assert cands[0].score >= 85.0 and cands[0].score - cands[1].score >= 10.0
    assert not cands[0].certain


def test_fifteen_digit_reading_one_digit_off_finds_the_person() -> None:
    """An old 15-digit number has no check digit: every one-digit neighbour is a valid number."""
    old = "110101620314013"
    person = _person("old", "王建国", idnumber.upgrade15(old))
    misread = old[:12] + "8" + old[13:]
    assert person.id_number in id_repairs(misread)
    cands = rank(PageFields(id_number=misread, name=person.name), MemorySource([person]))
    assert cands[0].person.id == "old"
    assert "id_number_near" in cands[0].reasons
    assert not cands[0].certain


def test_fifteen_digit_twin_blocks_certainty() -> None:
    old = "110101620314013"
    true = _person("true15", "王建国", idnumber.upgrade15(old))
    twin_old = old[:14] + "5"
    twin = _person("twin15", "王建国", idnumber.upgrade15(twin_old))
    cands = rank(PageFields(id_number=twin_old, name="王建国", sex="男"), MemorySource([true, twin]))
    assert cands[0].person.id == "twin15"
    assert not cands[0].certain
    assert idnumber.upgrade15(old) in id_neighbours(twin_old)
