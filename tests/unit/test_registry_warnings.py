"""Each data-quality rule with a positive and a negative case; station share colours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    LinkMethod,
    Page,
    PageLink,
    PageState,
    Person,
    idnumber,
    new_id,
)
from hukou_scan.registry.warnings import (
    StationShare,
    check_household,
    check_person,
    share_colour,
    station_shares,
)

TODAY = date(2026, 11, 22)


def make_id(born: date, male: bool, area: str = "110101", seq: int = 12) -> str:
    first17 = f"{area}{born:%Y%m%d}{seq:02d}{1 if male else 2}"
    return first17 + idnumber.check_digit(first17)


def person(name: str = "王伟", born: date = date(1960, 5, 6), male: bool = True, **kw: object) -> Person:
    number = make_id(born, male)
    values: dict[str, object] = {
        "id": new_id(),
        "name": name,
        "id_number": number,
        "id_number_raw": number,
        "sex": "男" if male else "女",
        "birth_date": born,
        "household_no": "H1",
        "relation": "户主",
        "station": "城关派出所",
        "status": "正常",
    }
    values.update(kw)
    return Person(**values)  # type: ignore[arg-type]


def rules_of(p: Person) -> set[str]:
    return {w.rule for w in check_person(p, TODAY)}


def test_clean_person_has_no_findings() -> None:
    assert rules_of(person()) == set()


def test_invalid_check_digit() -> None:
    p = person()
    wrong = p.id_number[:17] + ("0" if p.id_number[17] != "0" else "1")
    assert "invalid_check_digit" in rules_of(replace(p, id_number=wrong, id_number_raw=wrong))


def test_id_inconsistent_with_birth_date() -> None:
    p = person()
    assert "id_birth_mismatch" in rules_of(replace(p, birth_date=date(1961, 5, 6)))
    assert "id_birth_mismatch" not in rules_of(p)


def test_id_inconsistent_with_sex() -> None:
    p = person()
    assert "id_sex_mismatch" in rules_of(replace(p, sex="女"))
    assert "id_sex_mismatch" not in rules_of(p)


def test_15_digit_not_upgraded() -> None:
    p = person()
    old = p.id_number[:6] + p.id_number[8:17]
    assert "id_not_upgraded" in rules_of(replace(p, id_number_raw=old))
    assert "id_not_upgraded" not in rules_of(p)


def test_implausible_ages() -> None:
    assert "implausible_age" in rules_of(person(born=TODAY + timedelta(days=30)))
    assert "implausible_age" in rules_of(person(born=date(1890, 1, 1)))  # 136 and still active
    assert "implausible_age" not in rules_of(person(born=date(1890, 1, 1), status="死亡"))
    assert "implausible_age" not in rules_of(person(born=date(1930, 1, 1)))


def test_birth_after_record_date() -> None:
    assert "birth_after_record" in rules_of(person(registered_on=date(1950, 1, 1)))
    assert "birth_after_record" not in rules_of(person(registered_on=date(1970, 1, 1)))


def test_inactive_registered_again_after_death() -> None:
    dead = person(status="死亡", status_date=date(2000, 1, 1), registered_on=date(2005, 3, 1))
    assert "inactive_with_later_records" in rules_of(dead)
    ok = person(status="死亡", status_date=date(2000, 1, 1), registered_on=date(1980, 3, 1))
    assert "inactive_with_later_records" not in rules_of(ok)


def test_parent_younger_than_child() -> None:
    head = person("王父", born=date(1960, 1, 1))
    child = person("王子", born=date(1965, 1, 1), relation="子")
    grandchild = person("王孙", born=date(1995, 1, 1), relation="孙子")
    mother = person("李母", born=date(1966, 1, 1), male=False, relation="母亲")
    findings = check_household([head, child, grandchild, mother])
    assert {w.person_id for w in findings} == {child.id, mother.id}
    assert all(w.rule == "implausible_relation" for w in findings)
    fine = [
        head,
        person("王子", born=date(1985, 1, 1), relation="子"),
        person("李母", born=date(1935, 1, 1), relation="母亲"),
    ]
    assert check_household(fine) == []
    assert check_household([child]) == []  # no head: nothing to compare


def test_share_colours_and_thresholds() -> None:
    assert share_colour(0.051) == "red"
    assert share_colour(0.05) == "yellow"
    assert share_colour(0.03) == "yellow"
    assert share_colour(0.0299) == "blue"
    shares = station_shares({"A": 100, "B": 100, "C": 100}, {"A": 6, "B": 4})
    assert [(s.station, s.colour) for s in shares] == [("A", "red"), ("B", "yellow"), ("C", "blue")]
    assert StationShare("D", 0, 0).share == 0.0


# --- rules over the database (groups and links) ----------------------------------------
def _add(ctx: AppContext, *people: Person) -> None:
    ctx.persons.upsert_many(people)


def _scan(ctx: AppContext) -> dict[str, int]:
    ctx.registry.scan_warnings(today=TODAY)
    return ctx.registry.warning_counts()


def test_duplicate_id_numbers_across_persons(ctx: AppContext) -> None:
    a = person("王伟", household_no="H1")
    b = replace(
        person("王卫", household_no="H2", relation="户主"), id_number=a.id_number, id_number_raw=a.id_number
    )
    c = person("李明", born=date(1970, 2, 2), household_no="H3")
    # upsert_many keys by ID number, so insert the duplicate through separate calls with distinct ids
    _add(ctx, a, c)
    ctx.registry_store.write_chunk(
        ctx.registry_store.start_import(
            file_name="t", file_sha256="x", file_size=0, encoding="", mapping={}, by="t"
        ).id,
        [
            {
                "id": b.id,
                "name": b.name,
                "name_key": b.name,
                "former_name": "",
                "id_number": b.id_number,
                "id_number_raw": b.id_number_raw,
                "sex": b.sex,
                "ethnicity": "",
                "birth_date": b.birth_date,
                "household_no": b.household_no,
                "relation": b.relation,
                "address": "",
                "station": b.station,
                "status": "正常",
                "registered_on": None,
                "status_date": None,
                "import_id": "",
            }
        ],
        [],
        [],
        1,
    )
    counts = _scan(ctx)
    assert counts["duplicate_id"] == 2
    found = {w.person_id for w in ctx.registry.warnings("duplicate_id")}
    assert found == {a.id, b.id}


def test_same_name_and_birth_in_different_households(ctx: AppContext) -> None:
    a = person("张丽", born=date(1980, 3, 3), male=False, household_no="H1")
    b = person("張麗", born=date(1980, 3, 3), male=False, household_no="H2", id_number="", id_number_raw="")
    same_household = person("刘强", born=date(1975, 1, 1), household_no="H3")
    twin = person(
        "刘强", born=date(1975, 1, 1), household_no="H3", id_number="", id_number_raw="", relation="子"
    )
    _add(ctx, a, b, same_household, twin)
    counts = _scan(ctx)
    assert counts["multi_registration"] == 2
    assert {w.person_id for w in ctx.registry.warnings("multi_registration")} == {a.id, b.id}


def _batch_with_links(
    ctx: AppContext, people: list[Person], category: BatchCategory, created: datetime
) -> Batch:
    batch = ctx.batches.add(
        Batch(id=new_id(), archive_id="T-1", category=category, station_id=ctx.station.id, created_at=created)
    )
    for i, p in enumerate(people, start=1):
        page = ctx.pages.add(
            Page(
                id=new_id(),
                batch_id=batch.id,
                seq=i,
                original_sha256=f"{i:064d}",
                captured_at=created,
                state=PageState.LINKED,
            )
        )
        ctx.links.link(PageLink(page_id=page.id, person_id=p.id, method=LinkMethod.CONFIRMED, linked_by="t"))
    return batch


def test_batch_linked_to_unrelated_households(ctx: AppContext) -> None:
    a = person("王一", household_no="H1", address="甲路1号")
    b = person("李二", born=date(1970, 1, 1), household_no="H2", address="乙路2号")
    c = person("王三", born=date(1971, 1, 1), household_no="H3", address="甲路1号")  # same address as H1
    _add(ctx, a, b, c)
    bad = _batch_with_links(ctx, [a, b], BatchCategory.MOVE_IN, datetime(2026, 1, 1))
    _batch_with_links(ctx, [a, c], BatchCategory.MOVE_IN, datetime(2026, 1, 1))  # related by address
    counts = _scan(ctx)
    assert counts["batch_unrelated_households"] == 1
    (w,) = ctx.registry.warnings("batch_unrelated_households")
    assert w.batch_id == bad.id and w.detail["households"] == ["H1", "H2"]


def test_deceased_person_with_later_pages(ctx: AppContext) -> None:
    dead = person("赵死", status="死亡", status_date=date(2010, 1, 1))
    alive = person("赵活", born=date(1970, 1, 1))
    _add(ctx, dead, alive)
    _batch_with_links(ctx, [dead], BatchCategory.ID_CARD, datetime(2015, 6, 1))  # later ID-card business
    _batch_with_links(
        ctx, [dead], BatchCategory.DEATH, datetime(2015, 6, 1)
    )  # the death record itself is fine
    _batch_with_links(ctx, [alive], BatchCategory.ID_CARD, datetime(2015, 6, 1))
    counts = _scan(ctx)
    assert counts["inactive_with_later_records"] == 1
    (w,) = ctx.registry.warnings("inactive_with_later_records")
    assert w.person_id == dead.id and w.page_id


def test_scan_exports_csv_and_station_shares(ctx: AppContext, tmp_path: pytest.TempPathFactory) -> None:
    import csv
    from pathlib import Path

    people = [person(f"员{i}", born=date(1950, 1, 1) + timedelta(days=i), station="甲所") for i in range(40)]
    people[0] = replace(people[0], sex="女")  # one finding in 40 persons = 2.5 % → blue
    people += [person(f"乙{i}", born=date(1951, 1, 1) + timedelta(days=i), station="乙所") for i in range(10)]
    people[-1] = replace(people[-1], birth_date=date(1900, 1, 1))  # 1 in 10 → red
    _add(ctx, *people)
    counts = _scan(ctx)
    assert counts["id_sex_mismatch"] == 1
    shares = {s.station: s for s in ctx.registry.station_shares()}
    assert shares["甲所"].colour == "blue" and shares["乙所"].colour == "red"
    out = Path(str(tmp_path)) / "w.csv"
    n = ctx.registry.export_warnings_csv(out)
    assert n == sum(counts.values())
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:2] == ["规则", "rule"] and len(rows) == n + 1


def test_cancelled_scan_keeps_previous_findings(ctx: AppContext) -> None:
    import threading

    from hukou_scan.services.guard import OpenGuard
    from hukou_scan.services.registry import RegistryService

    guard = OpenGuard(username="reviewer1")
    svc = RegistryService(ctx.registry_store, guard)
    _add(ctx, person(sex="女"))
    svc.scan_warnings(today=TODAY)
    before = svc.warning_counts()
    assert before["id_sex_mismatch"] == 1
    _add(ctx, person("新增", born=date(1955, 1, 1), sex="女"))
    cancel = threading.Event()
    cancel.set()
    svc.scan_warnings(today=TODAY, cancel=cancel)
    assert svc.warning_counts() == before
    assert [(e[0], e[2]) for e in guard.events] == [("warnings_scan", "ok"), ("warnings_scan", "cancelled")]
