"""Progress dashboard (统计): per station, batch, day and clerk.

Counts pages captured → processed → recognised → linked → reviewed → synced (grouped
by the page's station, batch, capture day or clerk: "day" is a cohort — the pages
captured that day and how far they have got since), the QA
pass rate of decided spot-check samples, throughput per clerk, and data-quality
warnings per station with the colouring the archive offices use: red above 5 %,
yellow 3–5 %, blue below 3 % of a station's records.

Warnings come from a *provider* returning :class:`WarningCount` rows.  The
composition root uses :func:`registry_warning_counts` (the registry area's last
data-quality scan: findings per station and rule, share of persons with a finding)
when the registry holds persons, and otherwise falls back to
:meth:`StatsQueries.page_warning_counts` (page-level findings: invalid OCR fields,
low-confidence fields, failed pages, share of pages).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hukou_scan.domain import Role
from hukou_scan.domain.csvfile import open_csv
from hukou_scan.registry import warnings as registry_rules
from hukou_scan.services.guard import Guard
from hukou_scan.storage.qa import PageFact, StatsQueries
from hukou_scan.storage.registry import RegistryStore

log = logging.getLogger(__name__)

GROUPS = ("station", "batch", "day", "clerk")

WARNING_LABELS: dict[str, tuple[str, str]] = {
    "ocr_field_invalid": ("识别字段校验不通过", "invalid OCR field"),
    "ocr_needs_review": ("低置信度字段", "low-confidence field"),
    "page_failed": ("处理失败页", "failed page"),
    **registry_rules.RULES,
}


@dataclass(frozen=True)
class WarningCount:
    """Findings of one kind at one station.

    ``station`` is a station id or, for registry data, the station as the registry
    names it; ``records`` is the station's record count (persons or pages) and
    ``warned_records`` the distinct records with at least one finding, when known.
    """

    station: str
    kind: str
    count: int
    records: int
    warned_records: int | None = None


WarningProvider = Callable[[], list[WarningCount]]


def registry_warning_counts(store: RegistryStore, page: int = 5000) -> list[WarningCount]:
    """Per station and rule, from the registry area's last scan (empty when it holds no persons)."""
    totals = store.station_totals()
    if not totals:
        return []
    warned = store.warned_persons_by_station()
    counts: dict[tuple[str, str], int] = {}
    offset = 0
    while True:
        rows = store.warnings(None, page, offset)
        for w in rows:
            counts[(w.station, w.rule)] = counts.get((w.station, w.rule), 0) + 1
        if len(rows) < page:
            break
        offset += page
    return [
        WarningCount(st, rule, n, totals.get(st, 0), warned.get(st, 0))
        for (st, rule), n in sorted(counts.items())
    ]


def page_warning_counts(stats: StatsQueries) -> list[WarningCount]:
    return [WarningCount(sid, kind, n, total) for sid, kind, n, total in stats.page_warning_counts()]


def warning_colour(rate: float) -> str:
    """``red`` above 5 %, ``yellow`` from 3 % to 5 %, ``blue`` below 3 %."""
    if rate > 0.05:
        return "red"
    if rate >= 0.03:
        return "yellow"
    return "blue"


@dataclass
class StatRow:
    key: str
    label: str
    captured: int = 0
    processed: int = 0
    recognized: int = 0
    linked: int = 0
    reviewed: int = 0
    synced: int = 0
    qa_samples: int = 0  # decided spot-check samples
    qa_passed: int = 0  # … of which the batch was accepted
    qa_pages: int = 0  # pages reviewed in decided samples
    qa_pages_passed: int = 0
    qa_pass_rate: float | None = None  # share of sampled pages that passed

    @property
    def qa_accept_rate(self) -> float | None:
        """Share of decided samples whose batch was accepted."""
        return self.qa_passed / self.qa_samples if self.qa_samples else None


@dataclass
class ClerkThroughput:
    operator: str
    day: str
    pages: int
    first: datetime
    last: datetime
    name: str = ""  # the clerk's display name (``operator`` is the username pages record)

    @property
    def pages_per_hour(self) -> float:
        hours = (self.last - self.first).total_seconds() / 3600.0
        return round(self.pages / hours, 1) if hours >= 0.05 else float(self.pages)


@dataclass
class StationWarnings:
    station_id: str
    station_code: str
    by_kind: dict[str, int] = field(default_factory=dict)
    total: int = 0
    denominator: int = 0
    warned_records: int | None = None

    @property
    def rate(self) -> float:
        return self.total / self.denominator if self.denominator else 0.0

    @property
    def colour(self) -> str:
        return warning_colour(self.rate)


@dataclass
class DashboardReport:
    group: str
    rows: list[StatRow]
    throughput: list[ClerkThroughput]
    warnings: list[StationWarnings]
    warnings_source: str
    generated_at: datetime


class DashboardService:
    """Read-only statistics; administrators and reviewers see every station they may,
    clerks their own station.

    Args:
        stats: the storage projections.
        guard: role checks and audit.
        warnings_provider: data-quality warning rows (see module docstring).
        warnings_source: a short label of where warnings come from (shown in the UI).
    """

    def __init__(
        self,
        stats: StatsQueries,
        guard: Guard,
        warnings_providers: Sequence[tuple[str, WarningProvider]] = (),
    ) -> None:
        self.stats = stats
        self.guard = guard
        self.warnings_providers = list(warnings_providers)
        self.warnings_source = "none"

    def _scope(self) -> str | None:
        user = self.guard.require(Role.ADMIN, Role.REVIEWER, Role.CLERK)
        if user is None or Role.ADMIN in user.roles or user.all_stations:
            return None
        return user.station_id

    def report(
        self,
        group: str = "station",
        since: datetime | None = None,
        until: datetime | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> DashboardReport:
        """Everything the dashboard shows, in one pass over the pages."""
        if group not in GROUPS:
            raise ValueError(f"group must be one of {GROUPS}")
        station_scope = self._scope()
        stations = {s.id: s for s in self.stats.stations()}
        rows: dict[str, StatRow] = {}
        tp: dict[tuple[str, str], ClerkThroughput] = {}
        names = self.stats.operator_names()
        n = 0
        for f in self.stats.page_facts(station_id=station_scope, since=since, until=until):
            if cancel is not None and cancel.is_set():
                break
            key, label = _group_key(f, group, stations, names)
            row = rows.get(key)
            if row is None:
                row = rows[key] = StatRow(key=key, label=label)
            _count(row, f)
            day = local_day(f.captured_at)
            t = tp.get((f.operator, day))
            if t is None:
                tp[(f.operator, day)] = ClerkThroughput(
                    f.operator, day, 1, f.captured_at, f.captured_at, names.get(f.operator, "")
                )
            else:
                t.pages += 1
                t.first, t.last = min(t.first, f.captured_at), max(t.last, f.captured_at)
            n += 1
            if progress is not None and n % 5000 == 0:
                progress(n, 0, "")
        if group in ("station", "batch"):
            for station_id, batch_id, status, rate, sampled in self.stats.sample_outcomes():
                if station_scope and station_id != station_scope:
                    continue
                key = station_id if group == "station" else batch_id
                row = rows.get(key)
                if row is None or status == "open":
                    continue
                row.qa_samples += 1
                row.qa_passed += status == "passed"
                row.qa_pages += sampled
                row.qa_pages_passed += round((rate or 0.0) * sampled)
            for row in rows.values():
                row.qa_pass_rate = row.qa_pages_passed / row.qa_pages if row.qa_pages else None
        warnings = self._warnings(station_scope, stations)  # sets warnings_source
        self.guard.audit("dashboard_view", target=group, pages=n)
        return DashboardReport(
            group=group,
            rows=sorted(rows.values(), key=lambda r: r.label),
            throughput=sorted(tp.values(), key=lambda t: (t.day, t.operator)),
            warnings=warnings,
            warnings_source=self.warnings_source,
            generated_at=datetime.now(),
        )

    def warnings(self) -> list[StationWarnings]:
        """Data-quality warnings per station the current user may see."""
        return self._warnings(self._scope())

    def _warnings(
        self, station_scope: str | None = None, stations: dict[str, Any] | None = None
    ) -> list[StationWarnings]:
        """Warnings of the first provider that has any (see module docstring)."""
        stations = stations if stations is not None else {s.id: s for s in self.stats.stations()}
        by_code = {s.code: s for s in stations.values()} | {s.name: s for s in stations.values()}
        rows: list[WarningCount] = []
        self.warnings_source = "none"
        for name, provider in self.warnings_providers:
            rows = provider()
            if rows:
                self.warnings_source = name
                break
        out: dict[str, StationWarnings] = {}
        for r in rows:
            st = stations.get(r.station) or by_code.get(r.station)
            if station_scope and (st is None or st.id != station_scope):
                continue
            key = st.id if st else r.station
            w = out.setdefault(key, StationWarnings(key, st.code if st else (r.station or "-")))
            w.by_kind[r.kind] = w.by_kind.get(r.kind, 0) + r.count
            w.denominator = max(w.denominator, r.records)
            if r.warned_records is not None:
                w.warned_records = max(w.warned_records or 0, r.warned_records)
        for w in out.values():
            if w.warned_records is not None:
                w.total = w.warned_records
            else:  # per-kind counts only: a record with two kinds counts twice, capped at all records
                w.total = min(w.denominator, sum(w.by_kind.values())) if w.denominator else 0
        return sorted(out.values(), key=lambda w: w.station_code)

    def export_csv(self, report: DashboardReport, path: Path) -> Path:
        """Write the report's tables to one CSV (UTF-8 with BOM so Excel shows Chinese).

        Same roles as viewing the report; the export is audited (what and which file).
        """
        self._scope()
        with open_csv(path) as w:  # formula-safe cells, path checked, atomic
            cols = [
                "key",
                "label",
                "captured",
                "processed",
                "recognized",
                "linked",
                "reviewed",
                "synced",
                "qa_samples",
                "qa_passed",
                "qa_pages",
                "qa_pages_passed",
                "qa_pass_rate",
            ]
            w.writerow([f"group={report.group}"])
            w.writerow(cols)
            for r in report.rows:
                d = asdict(r)
                w.writerow([_cell(d[c]) for c in cols])
            w.writerow([])
            w.writerow(["operator", "day", "pages", "first", "last", "pages_per_hour"])
            for t in report.throughput:
                w.writerow(
                    [
                        _cell(t.operator),
                        t.day,
                        t.pages,
                        t.first.isoformat(),
                        t.last.isoformat(),
                        t.pages_per_hour,
                    ]
                )
            w.writerow([])
            w.writerow([f"warnings_source={report.warnings_source}"])
            w.writerow(["station", "kind", "count", "records", "rate", "colour"])
            for sw in report.warnings:
                for kind, count in sorted(sw.by_kind.items()):
                    w.writerow([sw.station_code, kind, count, sw.denominator, f"{sw.rate:.4f}", sw.colour])
            self.guard.audit(  # before the file takes its name: no export without its event
                "export", path.name, what="statistics_csv", group=report.group, rows=len(report.rows)
            )
        return path


def _cell(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:.4f}"
    if v is None:
        return ""
    return v


def local_day(at: datetime) -> str:
    """The local calendar day of a stored (naive UTC) time: a shift that works until
    01:00 local time counts on the day it worked, not on the UTC day."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone().date().isoformat()


def _group_key(
    f: PageFact, group: str, stations: dict[str, Any], names: dict[str, str] | None = None
) -> tuple[str, str]:
    if group == "station":
        st = stations.get(f.station_id)
        return f.station_id, f"{f.station_code} {st.name}" if st else f.station_code
    if group == "batch":
        return f.batch_id, f.archive_id
    if group == "day":
        d = local_day(f.captured_at)
        return d, d
    return f.operator or "-", (names or {}).get(f.operator, "") or f.operator or "-"


_ORDER = ["captured", "processed", "recognized", "linked", "reviewed", "synced"]


def _count(row: StatRow, f: PageFact) -> None:
    rank = _ORDER.index(f.state) if f.state in _ORDER else 0
    row.captured += 1
    row.processed += f.processed or rank >= 1
    row.recognized += f.ocr_done or rank >= 2
    row.linked += f.linked or rank >= 3
    row.reviewed += f.review_state in ("passed", "recapture") or rank == 4
    row.synced += f.sync_state == "verified" or rank >= 5


def totals(rows: Iterable[StatRow]) -> StatRow:
    t = StatRow(key="total", label="合计 / total")
    for r in rows:
        for c in _ORDER:
            setattr(t, c, getattr(t, c) + getattr(r, c))
        t.qa_samples += r.qa_samples
        t.qa_passed += r.qa_passed
        t.qa_pages += r.qa_pages
        t.qa_pages_passed += r.qa_pages_passed
    t.qa_pass_rate = t.qa_pages_passed / t.qa_pages if t.qa_pages else None
    return t


def series(rows: Sequence[StatRow], metric: str) -> list[tuple[str, float]]:
    """(label, value) pairs for a chart."""
    return [(r.label, float(getattr(r, metric) or 0)) for r in rows]
