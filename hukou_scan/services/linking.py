"""Page-to-person linking: proposals after OCR, one-key confirmation, manual links, unlink.

Nothing is linked silently.  :meth:`LinkingService.propose` (the post-recognition
hook) only stores ranked candidates; the best one is *pre-selected* only when the
page names it beyond doubt (:func:`hukou_scan.registry.matching.is_certain`: exact ID,
agreeing name, no near-duplicate twin one misread digit away), its score reaches the
threshold and it stands clear of the runner-up; a clerk confirms it with one call
(:meth:`confirm`).  Every link records who, when and how
(``confirmed`` from a proposal, ``manual`` from a search), and every link and unlink
is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from hukou_scan.domain import ExtractedField, LinkMethod, PageLink, PageState, Person, Role, idnumber
from hukou_scan.errors import HukouScanError, NotFoundError
from hukou_scan.registry.matching import HOUSEHOLD_ROW_MIN, corrections_for, rank_page
from hukou_scan.services.guard import Guard
from hukou_scan.storage.registry import Proposal, RegistryStore
from hukou_scan.storage.repositories import BatchRepository, LinkRepository, PageRepository, PersonRepository

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 85.0
_RECOGNISED = (PageState.RECOGNIZED, PageState.LINKED)
DEFAULT_MARGIN = 10.0


@dataclass(frozen=True)
class LinkingSettings:
    """``threshold``: pre-select the top candidate at or above this score; ``margin``: only when
    it leads the runner-up by at least this much; ``limit``: candidates kept per page."""

    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    limit: int = 10

    @classmethod
    def from_section(cls, section: dict[str, object]) -> LinkingSettings:
        def num(key: str, default: float) -> float:
            v = section.get(key, default)
            return float(v) if isinstance(v, (int, float, str)) else default

        return cls(
            threshold=num("preselect_threshold", DEFAULT_THRESHOLD),
            margin=num("preselect_margin", DEFAULT_MARGIN),
            limit=int(num("candidates", 10)),
        )


def _in_page_order(
    original: Sequence[ExtractedField], changed: Sequence[ExtractedField]
) -> list[ExtractedField]:
    """``changed`` (same fields, some replaced) back in the order of ``original``."""
    pool = list(changed)
    out: list[ExtractedField] = []
    for f in original:
        k = next(i for i, g in enumerate(pool) if g.name == f.name and g.raw == f.raw and g.box == f.box)
        out.append(pool.pop(k))
    return out


class LinkingService:
    def __init__(
        self,
        pages: PageRepository,
        persons: PersonRepository,
        links: LinkRepository,
        store: RegistryStore,
        guard: Guard,
        settings: LinkingSettings | None = None,
        batches: BatchRepository | None = None,
        user_names: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.pages = pages
        self.persons = persons
        self.links_repo = links
        self.store = store
        self.guard = guard
        self.settings = settings or LinkingSettings()
        self.batches = batches  # for station scoping (a clerk links only their station's pages)
        self._user_names = user_names

    def _require(self, page_id: str, *roles: Role) -> None:
        """Role check plus the station of the page's batch (when the batches are known)."""
        station_id = None
        if self.batches is not None:
            station_id = self.batches.get(self.pages.get(page_id).batch_id).station_id
        self.guard.require(*roles, station_id=station_id)

    def _username(self) -> str:
        user = self.guard.user
        if user is not None:
            return user.username
        return str(getattr(self.guard, "actor", None) or getattr(self.guard, "username", "system"))

    # -- proposals ---------------------------------------------------------------------------
    def propose(self, page_id: str) -> list[Proposal]:
        """Rank candidates from the page's extracted fields and store them (post-OCR hook).

        Safe to call again (re-recognition replaces the proposals); links are untouched.
        Runs as ``system:ocr`` from the OCR dispatcher; a person needs the clerk role.
        """
        self._require(page_id, Role.CLERK, Role.REVIEWER)
        ocr = self.pages.get_ocr(page_id)
        cands, household = rank_page(ocr.fields if ocr else [], self.store, limit=self.settings.limit)
        rows = []
        for i, c in enumerate(cands):
            if household:
                pre = c.score >= HOUSEHOLD_ROW_MIN
            else:
                runner_up = cands[1].score if len(cands) > 1 else 0.0
                pre = (
                    c.certain
                    and c.score >= self.settings.threshold
                    and c.score - runner_up >= self.settings.margin
                )
            rows.append(
                {
                    "person_id": c.person.id,
                    "rank": i,
                    "score": c.score,
                    "role": c.role,
                    "reasons": list(c.reasons),
                    "preselected": pre,
                }
            )
        self.store.replace_proposals(page_id, rows)
        log.info("page %s: %d link candidate(s) proposed", page_id, len(rows))
        return self.store.proposals(page_id)

    def link_states(self, page_ids: Sequence[str]) -> dict[str, str]:
        """Where each page stands for the clerk: ``linked`` (linked to someone), ``review``
        (candidates wait for confirmation) or ``unlinked`` (text recognised, nobody linked
        or proposed).  Pages not yet recognised, blank pages and deleted ones are left out.
        """
        self.guard.require(Role.CLERK, Role.REVIEWER)
        # light columns only: the capture screen asks this for the whole batch every few seconds
        rows = self.pages.text_states(page_ids)
        live = [pid for pid in page_ids if pid in rows and rows[pid][0] != PageState.DELETED]
        linked = self.links_repo.pages_with_links(live)
        text = [pid for pid in live if pid not in linked and rows[pid][0] in _RECOGNISED and rows[pid][1]]
        proposed = self.store.pages_with_proposals(text)
        out = {pid: "linked" for pid in linked}
        out.update({pid: "review" if pid in proposed else "unlinked" for pid in text})
        return out

    def candidates(self, page_id: str) -> list[Proposal]:
        """Stored candidates, best first (empty until :meth:`propose` ran).

        Each carries the readings it would correct (link-then-correct: what was read →
        the candidate's value, with the share of the evidence) so the clerk sees why.
        """
        self._require(page_id, Role.CLERK, Role.REVIEWER)
        props = self.store.proposals(page_id)
        if not any("_corrected:" in r for p in props for r in p.reasons):
            return props
        ocr = self.pages.get_ocr(page_id)
        fields = ocr.fields if ocr else []
        return [replace(p, corrections=tuple(corrections_for(fields, p.person, p.reasons))) for p in props]

    # -- linking -----------------------------------------------------------------------------
    def confirm(self, page_id: str, person_id: str | None = None, role: str | None = None) -> PageLink:
        """Link the top candidate (or the given proposed person): the clerk's one key."""
        self._require(page_id, Role.CLERK)
        props = self.store.proposals(page_id)
        if not props:
            raise NotFoundError(
                "该页面没有候选人员，请手工查找关联。",
                "This page has no candidates; search and link by hand.",
            )
        chosen = props[0] if person_id is None else next((p for p in props if p.person.id == person_id), None)
        if chosen is None:
            raise NotFoundError("该人员不在候选列表中。", "That person is not among the page's candidates.")
        self._accept_corrections(page_id, chosen)
        return self._link(
            page_id,
            chosen.person.id,
            role if role is not None else chosen.role,
            chosen.score,
            chosen.reasons,
            LinkMethod.CONFIRMED,
        )

    def _accept_corrections(self, page_id: str, chosen: Proposal) -> None:
        """The clerk confirmed a candidate whose values correct the reading: make them the page's.

        The field's ``raw`` (what was read) is kept; its value becomes the candidate's,
        marked ``confirmed_correction``.  Nothing else ever writes a correction.
        """
        if not any("_corrected:" in r for r in chosen.reasons):
            return
        ocr = self.pages.get_ocr(page_id)
        if ocr is None:
            return
        fixes = {c.field: c for c in corrections_for(ocr.fields, chosen.person, chosen.reasons)}
        if not fixes:
            return
        fields = []
        done: set[str] = set()
        for f in sorted(ocr.fields, key=lambda f: -f.confidence):
            c = fixes.get(f.name)
            if c is not None and f.name not in done:
                done.add(f.name)
                value = (idnumber.to18(c.corrected) or c.corrected) if f.name == "id_number" else c.corrected
                f = replace(
                    f,
                    value=value,
                    valid=True,
                    needs_review=False,
                    reasons=(*f.reasons, "confirmed_correction"),
                )
            fields.append(f)
        self.pages.save_ocr(page_id, replace(ocr, fields=_in_page_order(ocr.fields, fields)))
        self.guard.audit("reading_corrected", page_id, person_id=chosen.person.id, fields=sorted(fixes))
        log.info("page %s: reading corrected on confirmation (%s)", page_id, ", ".join(sorted(fixes)))

    def confirm_all(self, page_id: str, person_ids: Sequence[str] | None = None) -> list[PageLink]:
        """Link several proposed persons at once (a household page: all members with their roles).

        Without ``person_ids`` the pre-selected proposals are linked.
        """
        self._require(page_id, Role.CLERK)
        props = self.store.proposals(page_id)
        wanted = set(person_ids) if person_ids is not None else {p.person.id for p in props if p.preselected}
        chosen = [p for p in props if p.person.id in wanted]
        if not chosen:
            raise NotFoundError("没有可确认的候选人员。", "No candidates to confirm.")
        return [
            self._link(
                page_id, p.person.id, p.role or p.person.relation, p.score, p.reasons, LinkMethod.CONFIRMED
            )
            for p in chosen
        ]

    def link_manual(self, page_id: str, person_id: str, role: str = "") -> PageLink:
        """Link a person the clerk found by searching."""
        self._require(page_id, Role.CLERK)
        self.persons.get(person_id)  # NotFoundError for a stale id
        return self._link(page_id, person_id, role, 0.0, ("manual",), LinkMethod.MANUAL)

    def unlink(self, page_id: str, person_id: str) -> bool:
        self._require(page_id, Role.CLERK)
        removed = self.links_repo.unlink(page_id, person_id)
        if removed:
            self.guard.audit("unlink", page_id, person_id=person_id)
            page = self.pages.get(page_id)
            if page.state == PageState.LINKED and not self.links_repo.for_page(page_id):
                self.pages.update(page_id, state=PageState.RECOGNIZED)
            log.info("page %s: link removed", page_id)
        return removed

    def links(self, page_id: str) -> list[PageLink]:
        self._require(page_id, Role.CLERK, Role.REVIEWER, Role.SEARCHER)
        return self.links_repo.for_page(page_id)

    def linker_names(self) -> dict[str, str]:
        """User name → display name, for showing who linked a page (links store the user name).

        Why: the link panel showed 「zhangli」 where the station knows the clerk as 「张丽」.
        Who may read the links may read who made them (same roles as :meth:`links`).
        """
        self.guard.require(Role.CLERK, Role.REVIEWER, Role.SEARCHER)
        return self._user_names() if self._user_names is not None else {}

    def search(self, text: str, limit: int = 50) -> list[Person]:
        """Manual search by ID number (or its start), household number or name (audited with the query)."""
        self.guard.require(Role.CLERK, Role.REVIEWER)
        found = self.store.search(text, limit)
        self.guard.audit("person_search", query=text, results=len(found))
        return found

    def _link(
        self,
        page_id: str,
        person_id: str,
        role: str,
        score: float,
        reasons: Sequence[str],
        method: LinkMethod,
    ) -> PageLink:
        page = self.pages.get(page_id)
        if page.state == PageState.DELETED:
            raise HukouScanError("页面已删除，不能关联。", "The page is deleted and cannot be linked.")
        link = self.links_repo.link(
            PageLink(
                page_id=page_id,
                person_id=person_id,
                role=role,
                score=score,
                method=method,
                reasons=tuple(reasons),
                linked_by=self._username(),
            )
        )
        if page.state == PageState.RECOGNIZED:
            self.pages.update(page_id, state=PageState.LINKED)
        self.guard.audit("link", page_id, person_id=person_id, method=method.value, role=role, score=score)
        log.info("page %s linked (%s)", page_id, method.value)
        return link
