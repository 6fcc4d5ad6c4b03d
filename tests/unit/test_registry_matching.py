"""Candidate ranking against an imported sample registry, with OCR-corrupted fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import ExtractedField, Person, idnumber
from hukou_scan.domain.sample import SampleHousehold, generate_households
from hukou_scan.registry.matching import PageFields, describe_reason, id_repairs, rank
from hukou_scan.storage.registry import RegistryStore
from tests.registry_helpers import write_registry_csv


@pytest.fixture
def households() -> list[SampleHousehold]:
    return generate_households(60, seed=11)


@pytest.fixture
def store(ctx: AppContext, tmp_path: Path, households: list[SampleHousehold]) -> RegistryStore:
    ctx.registry.import_file(write_registry_csv(tmp_path / "reg.csv", households))
    return ctx.registry_store


def _person(store: RegistryStore, sample: Person) -> Person:
    (p,) = store.by_id_numbers([sample.id_number])
    return p


def _corrupt_digit(number: str, pos: int) -> str:
    d = number[pos]
    return number[:pos] + ("8" if d != "8" else "3") + number[pos + 1 :]


def test_exact_id_ranks_first_with_reasons(store: RegistryStore, households: list[SampleHousehold]) -> None:
    target = households[3].members[0]
    page = PageFields(id_number=target.id_number, name=target.name, birth_date=target.birth_date)
    cands = rank(page, store)
    assert cands[0].person.id == _person(store, target).id
    assert cands[0].score == 100.0
    assert {"id_number", "name", "birth_date"} <= set(cands[0].reasons)
    assert all(c.score < cands[0].score for c in cands[1:])


def test_page_with_15_digit_number_finds_upgraded_person(
    store: RegistryStore, households: list[SampleHousehold]
) -> None:
    target = next(m for h in households for m in h.members if len(m.id_number_raw) == 15)
    cands = rank(PageFields(id_number=target.id_number_raw), store)
    assert cands[0].person.id_number == target.id_number
    assert "id_number" in cands[0].reasons


def test_ocr_corrupted_id_is_repaired_by_check_digit(
    store: RegistryStore, households: list[SampleHousehold]
) -> None:
    target = households[10].members[1]
    bad = _corrupt_digit(target.id_number, 14)
    assert not idnumber.is_valid18(bad) or bad != target.id_number
    cands = rank(PageFields(id_number=bad, name=target.name), store)
    assert cands[0].person.id == _person(store, target).id
    assert "id_number_near" in cands[0].reasons


def test_id_repairs_include_the_true_number() -> None:
    first17 = "11010119900307663"
    good = first17 + idnumber.check_digit(first17)
    assert idnumber.is_valid18(good)
    for pos in (0, 7, 12, 16):
        assert good in id_repairs(_corrupt_digit(good, pos))
    assert good in id_repairs(good[:10] + good[11] + good[10] + good[12:])  # swapped digits
    assert id_repairs(good[:17]) == [good]
    assert id_repairs("abc") == []


def test_confusable_name_with_birth_date_ranks_person_first(
    store: RegistryStore, households: list[SampleHousehold]
) -> None:
    target = next(m for h in households for m in h.members if m.name[0] in "王陈杨")
    swap = {"王": "玉", "陈": "阵", "杨": "扬"}
    corrupted = swap[target.name[0]] + target.name[1:]
    cands = rank(PageFields(name=corrupted, birth_date=target.birth_date), store)
    assert cands, "no candidates for an OCR-confused name"
    assert cands[0].person.id == _person(store, target).id
    assert any(r.startswith("name_near") for r in cands[0].reasons)
    assert "birth_date" in cands[0].reasons


def test_traditional_name_counts_as_exact(store: RegistryStore, households: list[SampleHousehold]) -> None:
    target = next(m for h in households for m in h.members if m.name[0] in "陈张刘杨黄赵吴孙马")
    trad = {
        "陈": "陳",
        "张": "張",
        "刘": "劉",
        "杨": "楊",
        "黄": "黃",
        "赵": "趙",
        "吴": "吳",
        "孙": "孫",
        "马": "馬",
    }
    name = trad[target.name[0]] + target.name[1:]
    cands = rank(PageFields(name=name, birth_date=target.birth_date), store)
    assert cands[0].person.id == _person(store, target).id
    assert "name" in cands[0].reasons


def test_name_and_birth_rank_above_fuzzy_and_household_breaks_ties(
    store: RegistryStore, households: list[SampleHousehold]
) -> None:
    h = households[20]
    target = h.members[0]
    page = PageFields(
        name=target.name, birth_date=target.birth_date, household_no=h.household_no, address=h.address
    )
    cands = rank(page, store)
    top = cands[0]
    assert top.person.id == _person(store, target).id
    assert "household_no" in top.reasons and any(r.startswith("address") for r in top.reasons)
    # other members come from the household lookup but rank below (name mismatch)
    assert all(c.score < top.score for c in cands[1:])


def test_wrong_birth_date_and_sex_lower_the_score(
    store: RegistryStore, households: list[SampleHousehold]
) -> None:
    target = households[5].members[0]
    assert target.birth_date is not None
    good = rank(PageFields(id_number=target.id_number, name=target.name, sex=target.sex), store)[0]
    other_sex = "女" if target.sex == "男" else "男"
    bad = rank(PageFields(id_number=target.id_number, name=target.name, sex=other_sex), store)[0]
    assert good.person.id == bad.person.id
    assert bad.score < good.score and "sex_mismatch" in bad.reasons


def test_household_page_lists_all_members_with_roles(
    store: RegistryStore, households: list[SampleHousehold]
) -> None:
    h = households[7]
    page = PageFields(household_no=h.household_no)
    assert page.is_household_page
    cands = rank(page, store)
    assert {c.person.name for c in cands} == {m.name for m in h.members}
    assert {c.role for c in cands} == {m.relation for m in h.members}
    assert all("household_member" in c.reasons for c in cands)


def test_unknown_person_gives_no_candidates(store: RegistryStore) -> None:
    assert rank(PageFields(name="欧阳不存在"), store) == []
    assert rank(PageFields(), store) == []


def test_page_fields_from_extracted_takes_most_confident_value() -> None:
    fields = [
        ExtractedField("name", "王已", confidence=0.4),
        ExtractedField("name", "王己", confidence=0.9),
        ExtractedField("birth_date", "1950-02-03", confidence=0.8),
        ExtractedField("birth_date", "not a date", confidence=0.1),
        ExtractedField("unknown_field", "x"),
    ]
    pf = PageFields.from_extracted(fields)
    assert pf.name == "王己"
    assert pf.birth_date is not None and pf.birth_date.isoformat() == "1950-02-03"


def test_reason_descriptions() -> None:
    assert describe_reason("name_near:0.83") == "姓名相近 (0.83)"
    assert describe_reason("id_number", "en") == "ID number matches"
