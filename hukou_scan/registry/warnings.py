"""Data-quality rules over the registry and the digitized pages (重错假户口 checks).

Why hand-written: these are the population-data rectification rules themselves
(duplicate numbers, one person registered twice, check digits, 15-digit numbers,
implausible ages and relations, inactive persons with later records, batches that
mix unrelated households).  Every rule yields :class:`StoredWarning` findings one at a
time so a scan over a million persons streams: persons come ordered by household in
keyset pages, duplicate groups come from ``GROUP BY`` queries in the store.

Per station, :func:`station_shares` gives the share of persons with at least one
warning and its colour: red above 5 %, yellow from 3 % to 5 %, blue below 3 %.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from hukou_scan.domain import Person, idnumber
from hukou_scan.domain.csvfile import open_csv
from hukou_scan.registry.variants import fold
from hukou_scan.storage.registry import BatchLink, StoredWarning

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]

RULES: dict[str, tuple[str, str]] = {
    "duplicate_id": ("身份号码重复", "Duplicate ID number across persons"),
    "multi_registration": (
        "同名同出生日期分属不同户（一人多户）",
        "Same name and birth date in different households",
    ),
    "invalid_check_digit": ("身份号码校验位错误", "Invalid ID check digit"),
    "id_birth_mismatch": ("身份号码与出生日期不符", "ID number inconsistent with birth date"),
    "id_sex_mismatch": ("身份号码与性别不符", "ID number inconsistent with sex"),
    "id_not_upgraded": ("15 位身份号码未升位", "15-digit ID number not upgraded"),
    "implausible_age": ("年龄不合理", "Implausible age"),
    "implausible_relation": (
        "家庭关系不合理（长辈不比晚辈年长）",
        "Implausible family relation (parent not older than child)",
    ),
    "birth_after_record": ("出生日期晚于登记日期", "Birth after the record date"),
    "inactive_with_later_records": (
        "注销或死亡人员仍有后续记录",
        "Cancelled or deceased person with later records",
    ),
    "batch_unrelated_households": (
        "同一批次的页面关联到无关的户",
        "One batch's pages linked to unrelated households",
    ),
}
"""Rule code → (Chinese title, English title), in the order the views list them."""

INACTIVE = ("死亡", "注销")
ACTIVE = ("正常", "")
CHILD = {
    "子",
    "女",
    "长子",
    "次子",
    "三子",
    "四子",
    "长女",
    "次女",
    "三女",
    "四女",
    "儿子",
    "女儿",
    "养子",
    "养女",
    "继子",
    "继女",
}
GRANDCHILD = {"孙子", "孙女", "外孙子", "外孙女", "孙"}
PARENT = {"父亲", "母亲", "父", "母", "公公", "婆婆", "岳父", "岳母"}
GRANDPARENT = {"祖父", "祖母", "外祖父", "外祖母"}
MIN_GENERATION_GAP_YEARS = 12
MAX_AGE_YEARS = 120
EARLIEST_BIRTH = date(1870, 1, 1)
# Batches whose business is the cancellation itself may follow a death/cancellation.
_CLOSING_CATEGORIES = {"死亡", "注销和恢复", "档案管理"}

RED_ABOVE = 0.05
YELLOW_FROM = 0.03


class WarningSource(Protocol):
    """What the scan reads (implemented by :class:`hukou_scan.storage.registry.RegistryStore`)."""

    def count_persons(self) -> int: ...

    def iter_persons_by_household(self, page_size: int = 20000) -> Iterator[Person]: ...

    def duplicate_id_groups(self) -> Iterator[list[Person]]: ...

    def same_name_birth_groups(self) -> Iterator[list[Person]]: ...

    def all_batch_links(self) -> Iterator[BatchLink]: ...


def _years(a: date, b: date) -> float:
    return (b - a).days / 365.2425


def _finding(rule: str, p: Person, detail_zh: str, detail_en: str, **extra: object) -> StoredWarning:
    zh, en = RULES[rule]
    return StoredWarning(
        rule=rule,
        person_id=p.id,
        page_id=None,
        batch_id=None,
        station=p.station,
        household_no=p.household_no,
        message_zh=f"{zh}：{detail_zh}" if detail_zh else zh,
        message_en=f"{en}: {detail_en}" if detail_en else en,
        detail={"name": p.name, "id_number": p.id_number_raw or p.id_number, **extra},
    )


# --- single-person rules ---------------------------------------------------------------
def check_person(p: Person, today: date) -> list[StoredWarning]:
    """ID-number, age and record-date rules of one person."""
    out: list[StoredWarning] = []
    raw = idnumber.normalize(p.id_number_raw or p.id_number)
    if len(raw) == 18 and raw[:17].isdigit():
        expected = idnumber.check_digit(raw[:17])
        if expected != raw[17]:
            out.append(_finding("invalid_check_digit", p, f"应为 {expected}", f"should be {expected}"))
    elif len(raw) == 15 and raw.isdigit():
        out.append(_finding("id_not_upgraded", p, "", ""))
    if len(raw) in (15, 18) and raw[: len(raw) - 1].isdigit():
        id_birth = idnumber.birth_date(raw)
        if id_birth is None:
            out.append(
                _finding(
                    "id_birth_mismatch", p, "号码中的出生日期不存在", "the number's birth date does not exist"
                )
            )
        elif p.birth_date and id_birth != p.birth_date:
            out.append(
                _finding(
                    "id_birth_mismatch",
                    p,
                    f"号码 {id_birth.isoformat()}，登记 {p.birth_date.isoformat()}",
                    f"number says {id_birth.isoformat()}, record says {p.birth_date.isoformat()}",
                )
            )
        id_sex = idnumber.sex(raw)
        if id_sex and p.sex and id_sex != p.sex:
            out.append(
                _finding(
                    "id_sex_mismatch",
                    p,
                    f"号码为{id_sex}，登记为{p.sex}",
                    f"number says {id_sex}, record says {p.sex}",
                )
            )
    if p.birth_date:
        if p.birth_date > today:
            out.append(_finding("implausible_age", p, "出生日期在未来", "birth date in the future"))
        elif p.birth_date < EARLIEST_BIRTH or (
            _years(p.birth_date, today) > MAX_AGE_YEARS and not p.status.startswith(INACTIVE)
        ):
            age = int(_years(p.birth_date, today))
            out.append(_finding("implausible_age", p, f"{age} 岁仍在册", f"{age} years old and still active"))
        if p.registered_on and p.birth_date > p.registered_on:
            out.append(
                _finding(
                    "birth_after_record",
                    p,
                    f"登记于 {p.registered_on.isoformat()}",
                    f"registered on {p.registered_on.isoformat()}",
                )
            )
        if p.status_date and p.birth_date > p.status_date:
            out.append(
                _finding(
                    "birth_after_record",
                    p,
                    f"变动于 {p.status_date.isoformat()}",
                    f"status changed on {p.status_date.isoformat()}",
                )
            )
    if (
        p.status.startswith(INACTIVE)
        and p.status_date
        and p.registered_on
        and p.registered_on > p.status_date
    ):
        out.append(
            _finding(
                "inactive_with_later_records",
                p,
                f"{p.status}于 {p.status_date.isoformat()}，之后 {p.registered_on.isoformat()} 又有登记",
                f"{p.status} on {p.status_date.isoformat()}, registered again on {p.registered_on.isoformat()}",
            )
        )
    return out


def check_household(members: Sequence[Person]) -> list[StoredWarning]:
    """Generation order inside one household: parents older than children by a plausible gap."""
    heads = [m for m in members if m.relation == "户主" and m.birth_date]
    if not heads:
        return []
    head = heads[0]
    assert head.birth_date is not None
    out: list[StoredWarning] = []
    for m in members:
        if m is head or not m.birth_date:
            continue
        gap = _years(head.birth_date, m.birth_date)  # positive: member younger than head
        gen = MIN_GENERATION_GAP_YEARS
        younger_needed = (m.relation in CHILD and gap < gen) or (m.relation in GRANDCHILD and gap < 2 * gen)
        older_needed = (m.relation in PARENT and -gap < gen) or (m.relation in GRANDPARENT and -gap < 2 * gen)
        if younger_needed or older_needed:
            out.append(_relation_finding(m, head, gap))
    return out


def _relation_finding(m: Person, head: Person, gap: float) -> StoredWarning:
    older = "户主年长" if gap >= 0 else "户主年幼"
    return _finding(
        "implausible_relation",
        m,
        f"{m.relation}与户主相差 {abs(gap):.1f} 岁（{older}）",
        f"{m.relation} and the household head are {abs(gap):.1f} years apart ({'head older' if gap >= 0 else 'head younger'})",
        head_id=head.id,
    )


# --- group rules -----------------------------------------------------------------------
def check_duplicate_ids(groups: Iterable[list[Person]]) -> Iterator[StoredWarning]:
    for grp in groups:
        where = "、".join(sorted({p.household_no or "-" for p in grp}))
        for p in grp:
            yield _finding(
                "duplicate_id",
                p,
                f"{len(grp)} 人共用，户号 {where}",
                f"shared by {len(grp)} persons, households {where}",
                group=grp[0].id_number,
            )
        active = [p for p in grp if p.status in ACTIVE]
        for p in grp:
            if p.status.startswith(INACTIVE) and active:
                yield _finding(
                    "inactive_with_later_records",
                    p,
                    f"同一号码在户 {active[0].household_no} 仍为正常",
                    f"the same number is still active in household {active[0].household_no}",
                )


def check_multi_registration(groups: Iterable[list[Person]]) -> Iterator[StoredWarning]:
    for grp in groups:
        where = "、".join(sorted({p.household_no or "-" for p in grp}))
        for p in grp:
            yield _finding(
                "multi_registration",
                p,
                f"户号 {where}",
                f"households {where}",
                group=f"{fold(p.name)}|{p.birth_date}",
            )


def check_links(links: Iterable[BatchLink], inactive: dict[str, Person]) -> Iterator[StoredWarning]:
    """Batch-level rules over confirmed links: inactive persons on later pages; unrelated households."""
    current: str | None = None
    batch_links: list[BatchLink] = []
    for bl in links:
        p = inactive.get(bl.person_id)
        if (
            p is not None
            and p.status_date
            and bl.batch_created_at
            and bl.batch_created_at.date() > p.status_date
            and bl.batch_category not in _CLOSING_CATEGORIES
        ):
            yield StoredWarning(
                rule="inactive_with_later_records",
                person_id=p.id,
                page_id=bl.page_id,
                batch_id=bl.batch_id,
                station=p.station,
                household_no=p.household_no,
                message_zh=f"{RULES['inactive_with_later_records'][0]}：{p.status}后的{bl.batch_category}业务页面",
                message_en=f"{RULES['inactive_with_later_records'][1]}: a {bl.batch_category} page after {p.status}",
                detail={"name": p.name, "id_number": p.id_number_raw or p.id_number},
            )
        if bl.batch_id != current:
            if batch_links:
                yield from _check_batch(batch_links)
            current, batch_links = bl.batch_id, []
        batch_links.append(bl)
    if batch_links:
        yield from _check_batch(batch_links)


def _check_batch(links: list[BatchLink]) -> Iterator[StoredWarning]:
    households = sorted({bl.household_no for bl in links if bl.household_no})
    if len(households) < 2:
        return
    parent = {h: h for h in households}

    def find(h: str) -> str:
        while parent[h] != h:
            parent[h] = parent[parent[h]]
            h = parent[h]
        return h

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    # Households are related when one person (same ID number) or one address appears in both.
    by_key: dict[str, str] = {}
    for bl in links:
        if not bl.household_no:
            continue
        for key in (
            f"id:{bl.id_number}" if bl.id_number else "",
            f"addr:{fold(bl.address)}" if bl.address else "",
        ):
            if key:
                if key in by_key:
                    union(by_key[key], bl.household_no)
                else:
                    by_key[key] = bl.household_no
    groups = sorted({find(h) for h in households})
    if len(groups) < 2:
        return
    zh, en = RULES["batch_unrelated_households"]
    first = links[0]
    yield StoredWarning(
        rule="batch_unrelated_households",
        person_id=None,
        page_id=first.page_id,
        batch_id=first.batch_id,
        station=first.station,
        household_no="、".join(households),
        message_zh=f"{zh}：户号 {'、'.join(households)}",
        message_en=f"{en}: households {', '.join(households)}",
        detail={"households": households, "pages": sorted({bl.page_id for bl in links})},
    )


# --- the scan --------------------------------------------------------------------------
def scan(
    source: WarningSource,
    today: date | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[StoredWarning]:
    """All findings, streamed.  Stops early (without error) when ``cancel`` is set."""
    today = today or date.today()
    total = source.count_persons()
    inactive: dict[str, Person] = {}
    household: list[Person] = []
    for done, p in enumerate(source.iter_persons_by_household(), start=1):
        if household and (p.household_no != household[0].household_no or not p.household_no):
            yield from check_household(household)
            household = []
        household.append(p)
        yield from check_person(p, today)
        if p.status.startswith(INACTIVE) and p.status_date:
            inactive[p.id] = p
        if done % 20000 == 0:
            if progress:
                progress(done, total, "persons")
            if cancel is not None and cancel.is_set():
                return
    if household:
        yield from check_household(household)
    if progress:
        progress(total, total, "duplicates")
    yield from check_duplicate_ids(source.duplicate_id_groups())
    yield from check_multi_registration(source.same_name_birth_groups())
    yield from check_links(source.all_batch_links(), inactive)


@dataclass(frozen=True)
class StationShare:
    station: str
    persons: int
    warned: int

    @property
    def share(self) -> float:
        return self.warned / self.persons if self.persons else 0.0

    @property
    def colour(self) -> str:
        """``red`` above 5 %, ``yellow`` from 3 % to 5 %, ``blue`` below 3 %."""
        return share_colour(self.share)


def share_colour(share: float) -> str:
    if share > RED_ABOVE:
        return "red"
    if share >= YELLOW_FROM:
        return "yellow"
    return "blue"


def station_shares(totals: dict[str, int], warned: dict[str, int]) -> list[StationShare]:
    return sorted(
        (StationShare(st, n, warned.get(st, 0)) for st, n in totals.items()),
        key=lambda s: (-s.share, s.station),
    )


def write_csv(
    warnings: Iterable[StoredWarning],
    out: Path,
    mask_ids: bool = False,
    before_commit: Callable[[int], None] | None = None,
) -> int:
    """The findings as a UTF-8-BOM CSV (opens directly in Excel on Chinese Windows).

    ``before_commit`` is called with the row count before the file takes its name (the
    caller audits there, so an export that could not be audited leaves no file).
    """
    n = 0
    with open_csv(out) as w:
        w.writerow(
            ["规则", "rule", "派出所", "户号", "姓名", "公民身份号码", "页面", "批次", "说明", "description"]
        )
        for x in warnings:
            number = str(x.detail.get("id_number", ""))
            w.writerow(
                [
                    RULES.get(x.rule, (x.rule, x.rule))[0],
                    x.rule,
                    x.station,
                    x.household_no,
                    x.detail.get("name", ""),
                    idnumber.mask(number) if mask_ids and number else number,
                    x.page_id or "",
                    x.batch_id or "",
                    x.message_zh,
                    x.message_en,
                ]
            )
            n += 1
        if before_commit is not None:
            before_commit(n)
    return n
