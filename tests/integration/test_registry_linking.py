"""LinkingService end to end: OCR fields → proposals → one-key confirm / household / manual / unlink."""

from __future__ import annotations

from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import (
    ExtractedField,
    LinkMethod,
    OcrResult,
    PageState,
)
from hukou_scan.domain.sample import SampleHousehold, generate_households
from hukou_scan.errors import NotFoundError
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.linking import LinkingService
from tests.registry_helpers import recognised_page, write_registry_csv


@pytest.fixture
def guard() -> OpenGuard:
    return OpenGuard(username="clerk1")


@pytest.fixture
def linking(ctx: AppContext, guard: OpenGuard) -> LinkingService:
    return LinkingService(ctx.pages, ctx.persons, ctx.links, ctx.registry_store, guard)


@pytest.fixture
def households(ctx: AppContext, tmp_path: Path) -> list[SampleHousehold]:
    hs = generate_households(30, seed=5)
    ctx.registry.import_file(write_registry_csv(tmp_path / "reg.csv", hs))
    return hs


def test_propose_stores_candidates_but_links_nothing(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    target = households[2].members[0]
    page_id = recognised_page(
        ctx,
        {"id_number": target.id_number, "name": target.name, "birth_date": target.birth_date.isoformat()},  # type: ignore[union-attr]
    )
    props = linking.propose(page_id)
    assert props[0].person.id_number == target.id_number
    assert props[0].preselected and props[0].score == 100.0
    assert not any(p.preselected for p in props[1:])
    assert linking.links(page_id) == []  # nothing linked silently
    assert ctx.pages.get(page_id).state == PageState.RECOGNIZED
    assert linking.candidates(page_id) == props


def test_confirm_top_candidate_records_who_when_how(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    target = households[4].members[1]
    assert target.birth_date is not None
    page_id = recognised_page(
        ctx, {"name": "玉" + target.name[1:], "birth_date": target.birth_date.isoformat()}
    )
    props = linking.propose(page_id)
    assert props, "an OCR-confused name with a birth date must still find candidates"
    link = linking.confirm(page_id)
    assert link.method == LinkMethod.CONFIRMED
    assert link.person_id == props[0].person.id
    assert link.linked_by == "clerk1" and link.linked_at is not None
    assert link.reasons == props[0].reasons
    assert ctx.pages.get(page_id).state == PageState.LINKED
    assert [e[0] for e in guard.events].count("link") == 1


def test_low_score_is_not_preselected(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    target = households[6].members[0]
    page_id = recognised_page(ctx, {"name": target.name})
    props = linking.propose(page_id)
    assert props and not any(p.preselected for p in props)


def test_household_page_links_all_members_with_roles(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    h = next(h for h in households if len(h.members) >= 3)
    page_id = recognised_page(ctx, {"household_no": h.household_no})
    props = linking.propose(page_id)
    assert len(props) == len(h.members) and all(p.preselected for p in props)
    assert props[0].role == "户主"
    links = linking.confirm_all(page_id)
    assert {(lk.role) for lk in links} == {m.relation for m in h.members}
    assert len(linking.links(page_id)) == len(h.members)


def test_manual_search_link_and_unlink(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    target = households[9].members[0]
    page_id = recognised_page(ctx, {})
    assert linking.propose(page_id) == []
    with pytest.raises(NotFoundError):
        linking.confirm(page_id)
    found = linking.search(target.id_number[:14])
    assert target.id_number in {p.id_number for p in found}
    person = next(p for p in found if p.id_number == target.id_number)
    assert linking.search(target.name)
    assert linking.search(target.household_no)
    link = linking.link_manual(page_id, person.id, role="本人")
    assert link.method == LinkMethod.MANUAL and link.role == "本人"
    assert ctx.pages.get(page_id).state == PageState.LINKED
    assert linking.unlink(page_id, person.id)
    assert not linking.unlink(page_id, person.id)
    assert linking.links(page_id) == []
    assert ctx.pages.get(page_id).state == PageState.RECOGNIZED
    assert [e[0] for e in guard.events][-2:] == ["link", "unlink"]
    with pytest.raises(NotFoundError):
        linking.link_manual(page_id, "nope")


def test_reproposal_replaces_candidates_and_keeps_links(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    target = households[1].members[0]
    page_id = recognised_page(ctx, {"id_number": target.id_number, "name": target.name})
    linking.propose(page_id)
    linking.confirm(page_id)
    again = linking.propose(page_id)
    assert len(again) == len({p.person.id for p in again})
    assert len(linking.links(page_id)) == 1


def test_permissions_are_checked_in_the_service(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    from hukou_scan.domain import Role
    from hukou_scan.errors import PermissionDenied

    class DenyGuard(OpenGuard):
        def require(self, *roles: Role, station_id: str | None = None) -> None:
            raise PermissionDenied("无权限", "denied")

    svc = LinkingService(ctx.pages, ctx.persons, ctx.links, ctx.registry_store, DenyGuard())
    target = households[0].members[0]
    page_id = recognised_page(ctx, {"id_number": target.id_number})
    with pytest.raises(PermissionDenied):  # proposing needs a role too (the OCR worker runs as system)
        svc.propose(page_id)
    linking.propose(page_id)
    with pytest.raises(PermissionDenied):
        svc.confirm(page_id)
    with pytest.raises(PermissionDenied):
        svc.links(page_id)
    assert linking.links(page_id) == []


def test_household_table_rows_are_matched_per_member(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    h = next(h for h in households if len(h.members) >= 3)
    moved_in = next(x for x in households if x is not h).members[0]  # listed here, registered elsewhere
    fields: dict[str, str] = {}
    page_fields: list[ExtractedField] = [ExtractedField("household_no", h.household_no, confidence=0.9)]
    for m in (*h.members[:2], moved_in):
        name = ("玉" + m.name[1:]) if m is h.members[1] else m.name  # one OCR-confused name
        page_fields += [
            ExtractedField("name", name, confidence=0.8),
            ExtractedField(
                "relation",
                "户主" if m is h.members[0] else "妻" if m is h.members[1] else "婿",
                confidence=0.8,
            ),
            ExtractedField("birth_date", m.birth_date.isoformat() if m.birth_date else "", confidence=0.8),
            ExtractedField("id_number", m.id_number, confidence=0.8),
        ]
    page_id = recognised_page(ctx, fields)
    ctx.pages.save_ocr(
        page_id, OcrResult(text="", words=[], engine="fake", width=1, height=1, fields=page_fields)
    )
    props = linking.propose(page_id)
    ids = {p.person.id_number for p in props}
    assert {m.id_number for m in h.members} | {moved_in.id_number} == ids
    assert props[0].role == "户主"
    moved = next(p for p in props if p.person.id_number == moved_in.id_number)
    assert moved.role == "婿" and moved.preselected
    links = linking.confirm_all(page_id)
    assert len(links) == len(ids)


def test_manual_search_by_old_15_digit_number(
    households: list[SampleHousehold], linking: LinkingService
) -> None:
    target = next(m for h in households for m in h.members if len(m.id_number_raw) == 15)
    assert target.id_number in {p.id_number for p in linking.search(target.id_number_raw)}


def test_correction_is_shown_as_a_proposal_and_made_final_only_by_confirmation(
    ctx: AppContext, households: list[SampleHousehold], linking: LinkingService, guard: OpenGuard
) -> None:
    """Link-then-correct: a misread digit the candidate's number explains is proposed, not applied."""
    target = households[3].members[0]
    number = target.id_number_raw or target.id_number
    pos = len(number) - 3
    wrong_digit = "7" if number[pos] != "7" else "1"
    wrong = number[:pos] + wrong_digit + number[pos + 1 :]
    alts = tuple(
        ((wrong_digit, 0.6), (number[pos], 0.35)) if i == pos else ((ch, 0.97), ("8", 0.01))
        for i, ch in enumerate(number)
    )
    id_field = ExtractedField(
        "id_number", wrong, wrong, None, 0.6, False, ("id_check_digit",), True, alternatives=alts
    )
    name_field = ExtractedField("name", target.name, target.name, None, 0.9)
    page_id = recognised_page(ctx, [id_field, name_field], archive_id="A-2", original_sha256="b" * 64)
    props = linking.propose(page_id)
    top = linking.candidates(page_id)[0]
    assert top.person.id_number == target.id_number
    assert any(r.startswith("id_number_corrected:") for r in top.reasons)
    assert not props[0].preselected  # a corrected reading never pre-selects by itself
    (corr,) = top.corrections
    assert (corr.field, corr.raw, corr.corrected) == ("id_number", wrong, number)
    stored = ctx.pages.get_ocr(page_id)
    assert stored is not None
    assert next(f for f in stored.fields if f.name == "id_number").value == wrong  # not applied yet

    linking.confirm(page_id)
    after = ctx.pages.get_ocr(page_id)
    assert after is not None
    f = next(f for f in after.fields if f.name == "id_number")
    assert f.value == target.id_number and f.raw == wrong  # the reading is kept
    assert "confirmed_correction" in f.reasons and f.valid
    assert "reading_corrected" in [e[0] for e in guard.events]
