"""Quality spot-check (抽检) and batch acceptance.

Flow: automatic checks on every page of a batch (count against the paper, order,
duplicates, blank, blur, residual skew, dpi) → a seeded random sample at the
configured rate (default 5 %, DA/T 31-2017 practice; archives may demand 20 % or
100 %) → a reviewer passes or fails each sampled page with reasons → failed pages go
back to the capture queue (``review_state = "recapture"``) → the batch is accepted only
when the sample's pass rate reaches the threshold (default 95 %).

The sample is a pure function of (population in page order, rate, seed), so an
inspector can reproduce it later with :meth:`QaService.reproduce`.

Page quality comes from the imaging area (``Page.quality``, shape documented in
:mod:`hukou_scan.imaging.quality`: ``{"<key>": {"flag": bool, "value": float, …}}``):
``blank``, ``blur``, ``skew_residual_deg`` (flag at the imaging threshold, or
``[qa] max_skew_deg`` when set), ``dpi_low`` (effective dpi; also compared with
``[qa] min_dpi``), ``duplicate`` (same content as another page, set after OCR by
:mod:`hukou_scan.services.ocr`), the other capture flags (over/under-exposed, cut off, glare, hand,
no page) as "quality", and ``Page.dpi``.  Absent keys are simply not checked.
"""

from __future__ import annotations

import logging
import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hukou_scan.domain import Batch, BatchStatus, Page, PageState, Role, new_id
from hukou_scan.domain.validation import clean_text
from hukou_scan.errors import HukouScanError
from hukou_scan.security.masking import mask_id
from hukou_scan.services.guard import Guard
from hukou_scan.storage.db import Database
from hukou_scan.storage.qa import QaResult, QaSample, QaStore, pages_in_review_state
from hukou_scan.storage.repositories import BatchRepository, LinkRepository, PageRepository, PersonRepository

log = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 0.05
DEFAULT_PASS_THRESHOLD = 0.95
DEFAULT_MIN_DPI = 200.0
# Other imaging flags that make a page unfit for acceptance (see hukou_scan.imaging.quality).
OTHER_QUALITY_FLAGS = frozenset({"overexposed", "underexposed", "cut_off", "glare", "hand", "no_page"})
MAX_NOTE = 1000

QA_REASONS: dict[str, tuple[str, str]] = {
    "image_quality": ("图像质量不合格", "image quality"),
    "incomplete": ("内容不完整", "content incomplete"),
    "page_count": ("页数与纸质不符", "page count differs from paper"),
    "ocr_fields": ("识别字段错误", "OCR fields wrong"),
    "links": ("关联错误", "wrong links"),
    "order": ("页序错误", "page order"),
    "other": ("其他", "other"),
}

ISSUE_LABELS: dict[str, tuple[str, str]] = {
    "missing": ("缺页", "missing pages"),
    "extra": ("多页", "more pages than expected"),
    "duplicate": ("重复页", "duplicate page"),
    "order": ("页序异常", "page order"),
    "blank": ("空白页", "blank page"),
    "blur": ("模糊", "blurred"),
    "skew": ("残余倾斜", "residual skew"),
    "dpi": ("分辨率不足", "resolution below minimum"),
    "quality": ("图像质量问题", "image quality flag"),
    "failed": ("处理失败", "processing failed"),
    "recapture": ("待重拍", "awaiting re-capture"),
}


@dataclass(frozen=True)
class QaIssue:
    kind: str
    page_id: str | None = None
    page_no: int | None = None  # the page number a person reads (position in the batch), not Page.seq
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "page_id": self.page_id, "page_no": self.page_no, "detail": self.detail}


@dataclass
class QaCheckReport:
    batch_id: str
    expected: int | None
    actual: int
    issues: list[QaIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.issues:
            out[i.kind] = out.get(i.kind, 0) + 1
        return out


@dataclass
class PageReviewInfo:
    page_id: str
    expected_pages: int | None
    captured_pages: int
    fields: list[tuple[str, str, bool, bool]]  # name, value (ID masked), valid, needs_review
    links: list[tuple[str, str, str, str]]  # person name, ID (masked), role, method


def pick_sample(population: Sequence[str], rate: float, seed: int) -> list[str]:
    """The sampled ids, in population order: ``ceil(rate·n)`` of them, at least one.

    Pure and deterministic (:class:`random.Random` with the given seed), which is what
    makes a sample reproducible for an inspection.
    """
    n = len(population)
    if n == 0:
        return []
    k = min(n, max(1, math.ceil(rate * n - 1e-9)))
    chosen = set(random.Random(seed).sample(range(n), k))
    return [population[i] for i in range(n) if i in chosen]


def _flag(entry: Any) -> bool:
    """Whether a ``Page.quality`` entry is flagged.

    The imaging area stores ``{"flag": bool, "value": float, …}``; plain booleans are
    accepted too (older rows, imports).  Absent or unreadable entries are not flagged.
    """
    if isinstance(entry, dict):
        return bool(entry.get("flag", False))
    if isinstance(entry, bool):
        return entry
    if isinstance(entry, str):
        return entry.strip().lower() in {"1", "true", "yes", "y"}
    return False


def _value(entry: Any) -> float | None:
    v = entry.get("value") if isinstance(entry, dict) else entry
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v)):
        return float(v)
    return None


def _value_text(entry: Any) -> str:
    v = _value(entry)
    return "" if v is None else f"{v:g}"


class QaService:
    """Automatic checks, sampling, reviewer verdicts and batch acceptance.

    Args:
        db: for the recapture-queue query.
        pages, batches: repositories.
        store: sample/result persistence.
        guard: role checks (reviewers; clerks may run the automatic checks) and audit.
        config: the ``[qa]`` settings section (``sample_rate``, ``pass_threshold``,
            ``min_dpi``, ``max_skew_deg``).
        links, persons: for the reviewer's view of a page's links (optional).
    """

    def __init__(
        self,
        db: Database,
        pages: PageRepository,
        batches: BatchRepository,
        store: QaStore,
        guard: Guard,
        config: dict[str, Any] | None = None,
        links: LinkRepository | None = None,
        persons: PersonRepository | None = None,
    ) -> None:
        cfg = config or {}
        self.db = db
        self.links = links
        self.persons = persons
        self.pages = pages
        self.batches = batches
        self.store = store
        self.guard = guard
        self.sample_rate = float(cfg.get("sample_rate", DEFAULT_SAMPLE_RATE))
        self.pass_threshold = float(cfg.get("pass_threshold", DEFAULT_PASS_THRESHOLD))
        self.min_dpi = float(cfg.get("min_dpi", DEFAULT_MIN_DPI))
        skew_cfg = cfg.get("max_skew_deg")
        self.max_skew_deg = None if skew_cfg is None else float(skew_cfg)
        _check_rate(self.sample_rate, "sample_rate")
        _check_rate(self.pass_threshold, "pass_threshold")

    # -- automatic checks -------------------------------------------------------------
    def auto_checks(self, batch_id: str) -> QaCheckReport:
        """Check every page of the batch; nothing is changed."""
        batch = self.batches.get(batch_id)
        self.guard.require(Role.REVIEWER, Role.CLERK, station_id=batch.station_id)
        pages = self.pages.list_batch(batch_id)
        return self._checks(batch.expected_pages, batch_id, pages)

    def _checks(self, expected: int | None, batch_id: str, pages: list[Page]) -> QaCheckReport:
        from hukou_scan.imaging.quality import MESSAGES as QUALITY_MESSAGES  # OpenCV: load on use

        report = QaCheckReport(batch_id=batch_id, expected=expected, actual=len(pages))
        if expected is not None and len(pages) < expected:
            report.issues.append(QaIssue("missing", detail=f"{expected - len(pages)}"))
        elif expected is not None and len(pages) > expected:
            report.issues.append(QaIssue("extra", detail=f"{len(pages) - expected}"))
        seen: dict[str, int] = {}
        last_no: int | None = None
        # ``pages`` are the visible pages in the clerk's order; gaps in ``seq`` left by deleted
        # or re-taken pages are not an order problem (they were raised as one before).  The
        # order is judged by the printed page numbers below.
        numbers = {p.id: i for i, p in enumerate(pages, start=1)}
        for i, p in enumerate(pages, start=1):
            q = p.quality or {}
            for sha in {p.original_sha256, p.processed_sha256}:
                if sha and sha in seen:
                    report.issues.append(
                        QaIssue("duplicate", p.id, i, f"与第 {seen[sha]} 页相同 / same as {seen[sha]}")
                    )
                    break
            else:  # not byte-identical: the OCR content check (services.ocr) may still say "same sheet"
                dup = q.get("duplicate")
                other = numbers.get(str(dup.get("page_id", ""))) if isinstance(dup, dict) else None
                if _flag(dup) and other is not None:  # a deleted other page leaves no issue
                    report.issues.append(
                        QaIssue(
                            "duplicate", p.id, i, f"与第 {other} 页内容相同？ / same content as page {other}?"
                        )
                    )
            for sha in {p.original_sha256, p.processed_sha256}:
                if sha:
                    seen.setdefault(sha, i)
            page_no = q.get("page_number")
            if isinstance(page_no, int) and not isinstance(page_no, bool):
                if last_no is not None and page_no <= last_no:
                    report.issues.append(
                        QaIssue("order", p.id, i, f"印刷页码 {page_no} / printed page {page_no}")
                    )
                last_no = page_no
            if _flag(q.get("blank")):
                report.issues.append(QaIssue("blank", p.id, i))
            if _flag(q.get("blur")):
                report.issues.append(QaIssue("blur", p.id, i, _value_text(q.get("blur"))))
            skew = _value(q.get("skew_residual_deg"))
            if (self.max_skew_deg is None and _flag(q.get("skew_residual_deg"))) or (
                self.max_skew_deg is not None and skew is not None and abs(skew) > self.max_skew_deg
            ):
                report.issues.append(QaIssue("skew", p.id, i, f"{abs(skew or 0.0):.2f}°"))
            eff_dpi = _value(q.get("dpi_low"))
            if _flag(q.get("dpi_low")) or (eff_dpi is not None and eff_dpi < self.min_dpi):
                report.issues.append(QaIssue("dpi", p.id, i, f"{eff_dpi:.0f} dpi" if eff_dpi else ""))
            elif p.dpi is not None and p.dpi < self.min_dpi:
                report.issues.append(QaIssue("dpi", p.id, i, f"{p.dpi:.0f} dpi"))
            for key in sorted(OTHER_QUALITY_FLAGS & q.keys()):
                if _flag(q.get(key)):
                    report.issues.append(QaIssue("quality", p.id, i, " / ".join(QUALITY_MESSAGES[key])))
            if p.state == PageState.FAILED:
                report.issues.append(QaIssue("failed", p.id, i, p.state_reason[:200]))
            if p.review_state == "recapture":
                report.issues.append(QaIssue("recapture", p.id, i))
        return report

    # -- sampling ---------------------------------------------------------------------
    def draw_sample(
        self,
        batch_id: str,
        *,
        rate: float | None = None,
        seed: int | None = None,
        ignore_checks: bool = False,
    ) -> QaSample:
        """Run the automatic checks and draw the spot-check sample for a batch.

        Refuses while the automatic checks find problems (unless ``ignore_checks``,
        which is audited), while another sample of the batch is open, or after the
        batch was accepted.
        """
        batch = self.batches.get(batch_id)
        self.guard.require(Role.REVIEWER, station_id=batch.station_id)
        rate = self.sample_rate if rate is None else float(rate)
        _check_rate(rate, "rate")
        if batch.status == BatchStatus.ACCEPTED:
            raise HukouScanError("该批次已验收。", "This batch has already been accepted.")
        if self.store.samples(batch_id=batch_id, status="open"):
            raise HukouScanError(
                "该批次已有未完成的抽检。", "This batch already has an unfinished spot-check sample."
            )
        pages = self.pages.list_batch(batch_id)
        if not pages:
            raise HukouScanError("该批次没有页面，无法抽检。", "The batch has no pages to sample.")
        report = self._checks(batch.expected_pages, batch_id, pages)
        if not report.ok and not ignore_checks:
            summary_zh = "、".join(f"{ISSUE_LABELS[k][0]} {n}" for k, n in report.counts().items())
            summary_en = ", ".join(f"{ISSUE_LABELS[k][1]}: {n}" for k, n in report.counts().items())
            raise HukouScanError(
                f"自动检查未通过：{summary_zh}。",
                f"The automatic checks found problems: {summary_en}.",
                hint_zh="请先处理这些问题（重拍或补拍），或由核查员确认后强制抽检。",
                hint_en="Fix them first (re-capture), or let a reviewer override.",
            )
        seed = secrets.randbits(62) if seed is None else int(seed)
        population = [p.id for p in pages]
        chosen = pick_sample(population, rate, seed)
        sample = self.store.add_sample(
            QaSample(
                id=new_id(),
                batch_id=batch_id,
                seed=seed,
                rate=rate,
                pass_threshold=self.pass_threshold,
                population=tuple(population),
                page_ids=tuple(chosen),
                auto_issues=tuple(i.to_dict() for i in report.issues),
                created_by=_actor(self.guard),
            )
        )
        self.batches.set_status(batch_id, BatchStatus.IN_REVIEW)
        self.guard.audit(
            "qa_sample",
            target=batch_id,
            sample_id=sample.id,
            seed=seed,
            rate=rate,
            population=len(population),
            sampled=len(chosen),
            auto_issues=len(report.issues),
            checks_overridden=bool(ignore_checks and not report.ok),
        )
        log.info("batch %s: sampled %d of %d pages", batch_id, len(chosen), len(population))
        return sample

    def batches_for_review(self) -> list[Batch]:
        """Closed, in-review or rejected batches the current reviewer may sample."""
        user = self.guard.require(Role.REVIEWER)
        scope = None if user is None or Role.ADMIN in user.roles or user.all_stations else user.station_id
        wanted = {BatchStatus.CLOSED, BatchStatus.IN_REVIEW, BatchStatus.REJECTED}
        return [b for b in self.batches.list(station_id=scope) if b.status in wanted]

    def page_numbers(self, page_ids: Sequence[str]) -> dict[str, int]:
        """The numbers a reviewer reads for these pages (position in their batch, not ``seq``)."""
        self.guard.require(Role.REVIEWER, Role.CLERK)
        return self.pages.page_numbers(page_ids)

    def sample_pages(self, sample_id: str) -> list[Page]:
        """The sampled pages in page order (for the reviewer's screen)."""
        s = self.sample(sample_id)
        return self.pages.get_many(list(s.page_ids))

    def page_review_info(self, sample_id: str, page_id: str) -> PageReviewInfo:
        """What the reviewer checks besides the image: OCR fields, links, page count.

        ID numbers are masked unless the reviewer may see them in full.
        """
        s = self.sample(sample_id)
        if page_id not in s.page_ids:
            raise HukouScanError("该页不在本次抽检样本中。", "This page is not part of the sample.")
        batch = self.batches.get(s.batch_id)
        ocr = self.pages.get_ocr(page_id)
        full = self.guard.can_view_full_id()
        fields = []
        for f in ocr.fields if ocr else []:
            value = f.value if full or f.name != "id_number" else mask_id(f.value)
            fields.append((f.name, value, f.valid, f.needs_review))
        links = []
        for link in self.links.for_page(page_id) if self.links else []:
            name, number = "", ""
            if self.persons is not None:
                try:
                    person = self.persons.get(link.person_id)
                except HukouScanError:
                    person = None
                if person is not None:
                    name = person.name
                    number = person.id_number if full else mask_id(person.id_number)
            links.append((name, number, link.role, link.method.value))
        self.guard.audit("view_page", target=page_id, context="qa")
        return PageReviewInfo(
            page_id=page_id,
            expected_pages=batch.expected_pages,
            captured_pages=len(s.population),
            fields=fields,
            links=links,
        )

    def reproduce(self, sample_id: str) -> list[str]:
        """Recompute a stored sample from its seed (for an inspection); equals ``page_ids``."""
        s = self.sample(sample_id)
        return pick_sample(list(s.population), s.rate, s.seed)

    def sample(self, sample_id: str) -> QaSample:
        s = self.store.get_sample(sample_id)
        self.guard.require(Role.REVIEWER, station_id=self.batches.get(s.batch_id).station_id)
        return s

    def open_samples(self) -> list[QaSample]:
        """Unfinished samples the current reviewer may work on."""
        self.guard.require(Role.REVIEWER)
        out = []
        for s in self.store.samples(status="open"):
            try:
                self.guard.require(Role.REVIEWER, station_id=self.batches.get(s.batch_id).station_id)
            except HukouScanError:
                continue
            out.append(s)
        return out

    def samples_of(self, batch_id: str) -> list[QaSample]:
        batch = self.batches.get(batch_id)
        self.guard.require(Role.REVIEWER, Role.CLERK, station_id=batch.station_id)
        return self.store.samples(batch_id=batch_id)

    def results(self, sample_id: str) -> list[QaResult]:
        self.sample(sample_id)
        return self.store.results(sample_id)

    # -- verdicts ---------------------------------------------------------------------
    def record(
        self, sample_id: str, page_id: str, passed: bool, reasons: Sequence[str] = (), note: str = ""
    ) -> QaResult:
        """A reviewer's verdict on one sampled page.  A failed page needs at least one reason
        and goes back to the capture queue."""
        sample = self.store.get_sample(sample_id)
        batch = self.batches.get(sample.batch_id)
        user = self.guard.require(Role.REVIEWER, station_id=batch.station_id)
        if sample.status != "open":
            raise HukouScanError("该抽检已结束。", "This spot-check sample is already decided.")
        if page_id not in sample.page_ids:
            raise HukouScanError("该页不在本次抽检样本中。", "This page is not part of the sample.")
        bad = [r for r in reasons if r not in QA_REASONS]
        if bad:
            raise HukouScanError(f"未知的不合格原因：{bad[0]!r}", f"Unknown failure reason: {bad[0]!r}")
        if not passed and not reasons:
            raise HukouScanError("不合格时请至少选择一个原因。", "Choose at least one reason for a failure.")
        note = _clean_note(note)
        result = self.store.save_result(
            QaResult(
                sample_id=sample_id,
                page_id=page_id,
                passed=passed,
                reasons=tuple(dict.fromkeys(reasons)) if not passed else (),
                note=note,
                reviewer=user.username if user else _actor(self.guard),
            )
        )
        page = self.pages.get(page_id)
        if passed:
            values: dict[str, Any] = {"review_state": "passed"}
            if page.state in (PageState.RECOGNIZED, PageState.LINKED):
                values["state"] = PageState.REVIEWED
            self.pages.update(page_id, **values)
        else:
            reason_text = "; ".join(QA_REASONS[r][1] for r in result.reasons)
            self.pages.update(page_id, review_state="recapture", state_reason=f"QA: {reason_text}")
        self.guard.audit(
            "qa_review",
            target=page_id,
            outcome="ok" if passed else "failed",
            sample_id=sample_id,
            reasons=list(result.reasons),
        )
        return result

    def finish(self, sample_id: str) -> QaSample:
        """Decide the sample: batch accepted at ≥ threshold pass rate, else rejected."""
        sample = self.store.get_sample(sample_id)
        batch = self.batches.get(sample.batch_id)
        user = self.guard.require(Role.REVIEWER, station_id=batch.station_id)
        if sample.status != "open":
            raise HukouScanError("该抽检已结束。", "This spot-check sample is already decided.")
        results = {r.page_id: r for r in self.store.results(sample_id)}
        missing = [p for p in sample.page_ids if p not in results]
        if missing:
            raise HukouScanError(
                f"还有 {len(missing)} 页未核查。", f"{len(missing)} sampled page(s) are not reviewed yet."
            )
        passed = sum(1 for p in sample.page_ids if results[p].passed)
        rate = passed / len(sample.page_ids)
        ok = rate + 1e-9 >= sample.pass_threshold
        status = "passed" if ok else "failed"
        self.store.decide(sample_id, status, rate, user.username if user else _actor(self.guard))
        self.batches.set_status(sample.batch_id, BatchStatus.ACCEPTED if ok else BatchStatus.REJECTED)
        self.guard.audit(
            "qa_decision",
            target=sample.batch_id,
            outcome="accepted" if ok else "rejected",
            sample_id=sample_id,
            pass_rate=round(rate, 4),
            sampled=len(sample.page_ids),
        )
        return self.store.get_sample(sample_id)

    def recapture_queue(self, station_id: str | None = None) -> list[Page]:
        """Pages a reviewer sent back for re-capture (the capture screen shows these)."""
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=station_id)
        return self.pages.get_many(pages_in_review_state(self.db, "recapture", station_id))

    def mark_recaptured(self, page_id: str) -> None:
        """The capture side calls this after replacing a page a reviewer sent back."""
        page = self.pages.get(page_id)
        batch = self.batches.get(page.batch_id)
        self.guard.require(Role.CLERK, Role.REVIEWER, station_id=batch.station_id)
        if page.review_state != "recapture":
            return
        self.pages.update(page_id, review_state="", state_reason="")
        self.guard.audit("qa_recaptured", target=page_id)


def _actor(guard: Guard) -> str:
    u = guard.user
    return u.username if u else str(getattr(guard, "actor", "system"))


def _check_rate(rate: float, name: str) -> None:
    if not (0.0 < rate <= 1.0) or math.isnan(rate):
        raise HukouScanError(
            f"{name} 须在 0 到 1 之间（例如 0.05 表示 5%）。",
            f"{name} must be in (0, 1] (e.g. 0.05 for 5 %).",
        )


def _clean_note(note: str) -> str:
    return clean_text(note, field_zh="备注", field_en="note", max_len=MAX_NOTE, multiline=True)
