"""Every service entry point checks the role in the core (issue 10), and station scoping holds.

(a) A completeness test walks every public method of every ``*Service`` class in
``hukou_scan.services`` and fails when a method is neither in :data:`ROLES` (the roles
that may call it) nor in :data:`EXEMPT` (with the reason it needs no role) — a new
entry point cannot slip in unchecked.

(b) For each :data:`ROLES` entry the method is called by a logged-in user holding none
of those roles (a real :class:`SecurityService` and :class:`SessionGuard` on the ``ctx``
fixture); it must raise :class:`PermissionDenied` before any effect: the database
(every table but the audit log), the page store, the settings file and the services'
in-memory state are fingerprinted before and after.  When the roles cover every
non-admin role, the call is made logged out (interactive mode) instead.

(c) Station scoping: a clerk or searcher of one station cannot list, change, link,
view or export another station's batches unless granted all stations.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import logging
import pkgutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from argon2 import PasswordHasher

import hukou_scan.services as services_pkg
from hukou_scan.app import AppContext
from hukou_scan.domain import (
    BatchCategory,
    ExtractedField,
    OcrResult,
    PageGeometry,
    Person,
    Quad,
    Role,
    Station,
    User,
)
from hukou_scan.domain.search import SearchFilters
from hukou_scan.errors import PermissionDenied
from hukou_scan.security import PasswordHashing
from hukou_scan.security.audit import GENESIS, event_hash
from hukou_scan.services.capture import BatchDraft
from hukou_scan.services.dashboard import DashboardReport
from hukou_scan.services.export import ExportRequest, ExportSource
from hukou_scan.services.handover import HandoverRequest, HandoverSelection
from hukou_scan.services.ocr import RunSummary
from hukou_scan.services.security import SecurityService

ADMIN_PW = "Adm1n-secret"
PW = "Passw0rd!"
C, R, S, A = Role.CLERK, Role.REVIEWER, Role.SEARCHER, Role.ADMIN
NON_ADMIN = frozenset({C, R, S})


def _frame(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((240, 320, 3), 40, np.uint8)
    img[30:210, 50:270] = 230
    img[60:70, 70:250] = rng.integers(0, 80, (10, 180, 3), dtype=np.uint8)
    return img


@dataclass
class Env:
    """The world every call runs against: two stations, batches, pages, a person, a sample."""

    ctx: AppContext
    sec: SecurityService
    tmp: Path
    station_b: Station
    batch_a: str  # open, station A (this workstation)
    page_a: str
    page_a2: str  # a second page of batch A (linked to the person)
    closed_a: str  # closed batch of station A with a QA sample
    closed_page: str
    sample_id: str
    batch_b: str  # open, station B
    page_b: str
    person_id: str
    import_file: Path
    report: DashboardReport
    created: set[str] = field(default_factory=set)

    def login_lacking(self, roles: tuple[Role, ...]) -> User | None:
        """Log in a user holding none of ``roles`` (own station only); ``None`` = logged out."""
        self.sec.logout()
        held = NON_ADMIN - set(roles)
        if not held:
            return None
        return self.login_as(frozenset(held))

    def login_as(
        self, roles: frozenset[Role], station_id: str | None = None, all_stations: bool = False
    ) -> User:
        """Log in a (created on first use) user with ``roles``; station A unless ``station_id``."""
        name = "u_" + "_".join(sorted(r.value for r in roles))
        name += ("_b" if station_id else "") + ("_all" if all_stations else "")
        self.sec.logout()
        if name not in self.created:
            self.sec.login("admin", ADMIN_PW)
            self.sec.add_user(
                name, "测试用户", PW, sorted(roles), station_id=station_id, all_stations=all_stations
            )
            self.sec.logout()
            self.created.add(name)
        return self.sec.login(name, PW)


def _text_ocr(text: str, id_number: str = "") -> OcrResult:
    fields = [ExtractedField("id_number", id_number, confidence=0.9)] if id_number else []
    return OcrResult(text=text, words=[], engine="fake", width=320, height=240, fields=fields)


@pytest.fixture
def env(ctx: AppContext, tmp_path: Path) -> Iterator[Env]:
    nas = tmp_path / "nas"
    nas.mkdir()
    ctx.settings = ctx.settings.with_changes(
        extra={**ctx.settings.extra, "sync": {"target": nas.as_uri(), "workers": 1}}
    )
    # Built as the OS system actor, before the interactive session starts.
    station_b = ctx.stations.ensure("S0002", "另一所")
    cap = ctx.capture
    a = cap.new_batch(BatchDraft("A-0001", BatchCategory.BIRTH, expected_pages=2))
    page_a = cap.capture(a.id, _frame(1)).page.id
    page_a2 = cap.capture(a.id, _frame(2)).page.id
    closed = cap.new_batch(BatchDraft("A-0002", BatchCategory.BIRTH, expected_pages=1))
    closed_page = cap.capture(closed.id, _frame(3)).page.id
    cap.close_batch(closed.id, paper_returned=True)
    sample = ctx.qa.draw_sample(closed.id, rate=1.0, seed=7, ignore_checks=True)
    b = cap.new_batch(BatchDraft("B-0001", BatchCategory.BIRTH, station_id=station_b.id))
    page_b = cap.capture(b.id, _frame(4)).page.id
    cap.set_current_batch(a.id)
    person = Person(
        id="p-1", name="张测试", id_number="110101199003071234", household_no="H1", station="S0001"
    )
    ctx.persons.upsert_many([person])
    for pid, text in (
        (page_a, "常住人口登记表 甲所 测试文本"),
        (page_a2, "常住人口登记表 乙页"),
        (page_b, "常住人口登记表 另一所 测试文本"),
        (closed_page, "常住人口登记表 已关闭"),
    ):
        ctx.pages.save_ocr(pid, _text_ocr(text, person.id_number))
    ctx.linking.propose(page_a)
    ctx.linking.link_manual(page_a2, person.id)
    ctx.linking.link_manual(page_b, person.id)
    ctx.search.index_pages([page_a, page_a2, page_b, closed_page])
    csv = tmp_path / "registry.csv"
    csv.write_text("姓名,公民身份号码\n李四,110101199003071234\n", encoding="utf-8")

    report = ctx.dashboard.report()
    sec = ctx.security
    sec.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    sec.begin_interactive()
    sec.create_first_admin("admin", "管理员", ADMIN_PW)
    yield Env(
        ctx,
        sec,
        tmp_path,
        station_b,
        a.id,
        page_a,
        page_a2,
        closed.id,
        closed_page,
        sample.id,
        b.id,
        page_b,
        person.id,
        csv,
        report,
    )
    sec.logout()
    if ctx.capture.hot_folder is not None:
        ctx.capture.stop_hot_folder()
    ctx.sync.stop(5)


def _admin_id(e: Env) -> str:
    acct = e.sec.users.by_username("admin")
    assert acct is not None
    return acct.user.id


def _my_id(e: Env) -> str:
    user = e.sec.guard.user
    return user.id if user is not None else ""


# --- the table -----------------------------------------------------------------------------------

Call = Callable[[Env], Any]

ROLES: dict[str, tuple[tuple[Role, ...], Call]] = {
    # capture: clerk captures and reworks; reviewers may look at a batch's pages (re-capture queue)
    "CaptureService.autocapture_config": ((C,), lambda e: e.ctx.capture.autocapture_config()),
    "CaptureService.capture_keys": ((C,), lambda e: e.ctx.capture.capture_keys()),
    "CaptureService.set_option": ((C,), lambda e: e.ctx.capture.set_option("enabled", False)),
    "CaptureService.camera_controls": ((C,), lambda e: e.ctx.capture.camera_controls("cam0")),
    "CaptureService.save_camera_controls": (
        (C,),
        lambda e: e.ctx.capture.save_camera_controls("cam0", e.ctx.capture.camera_controls("cam0")),
    ),
    "CaptureService.list_cameras": ((C,), lambda e: e.ctx.capture.list_cameras()),
    "CaptureService.last_values": ((C,), lambda e: e.ctx.capture.last_values()),
    "CaptureService.new_batch": (
        (C,),
        lambda e: e.ctx.capture.new_batch(BatchDraft("X-1", BatchCategory.BIRTH)),
    ),
    "CaptureService.open_batches": ((C, R), lambda e: e.ctx.capture.open_batches()),
    "CaptureService.batch": ((C, R), lambda e: e.ctx.capture.batch(e.batch_a)),
    "CaptureService.set_current_batch": ((C,), lambda e: e.ctx.capture.set_current_batch(None)),
    "CaptureService.progress": ((C, R), lambda e: e.ctx.capture.progress(e.batch_a)),
    "CaptureService.close_batch": ((C,), lambda e: e.ctx.capture.close_batch(e.batch_a, paper_returned=True)),
    "CaptureService.capture": ((C,), lambda e: e.ctx.capture.capture(e.batch_a, _frame(9))),
    "CaptureService.import_file": ((C,), lambda e: e.ctx.capture.import_file(e.batch_a, e.import_file)),
    "CaptureService.import_files": ((C,), lambda e: e.ctx.capture.import_files(e.batch_a, [e.import_file])),
    "CaptureService.start_hot_folder": ((C,), lambda e: e.ctx.capture.start_hot_folder(folder=e.tmp / "hot")),
    "CaptureService.list_pages": ((C, R), lambda e: e.ctx.capture.list_pages(e.batch_a)),
    "CaptureService.page_changes": ((C, R), lambda e: e.ctx.capture.page_changes(e.batch_a, {})),
    "CaptureService.reorder": ((C,), lambda e: e.ctx.capture.reorder(e.batch_a, [e.page_a2, e.page_a])),
    "CaptureService.move": ((C,), lambda e: e.ctx.capture.move(e.page_a, 1)),
    "CaptureService.delete_page": ((C,), lambda e: e.ctx.capture.delete_page(e.page_a)),
    "CaptureService.undo_delete": ((C,), lambda e: e.ctx.capture.undo_delete(e.page_a)),
    "CaptureService.rotate": ((C,), lambda e: e.ctx.capture.rotate(e.page_a)),
    "CaptureService.replace_page": ((C,), lambda e: e.ctx.capture.replace_page(e.page_a, _frame(8))),
    "CaptureService.thumbnail": ((C, R), lambda e: e.ctx.capture.thumbnail(e.ctx.pages.get(e.page_a))),
    "CaptureService.page_image": ((C, R), lambda e: e.ctx.capture.page_image(e.ctx.pages.get(e.page_a))),
    "CaptureService.get_page": ((C, R), lambda e: e.ctx.capture.get_page(e.page_a)),
    "CaptureService.original_image": (
        (C, R),
        lambda e: e.ctx.capture.original_image(e.ctx.pages.get(e.page_a), 64),
    ),
    "CaptureService.set_corners": (
        (C,),
        lambda e: e.ctx.capture.set_corners(
            e.page_a, Quad((0.0, 0.0), (200.0, 0.0), (200.0, 200.0), (0.0, 200.0))
        ),
    ),
    "CaptureService.set_split": ((C,), lambda e: e.ctx.capture.set_split(e.page_a, True)),
    "CaptureService.set_dewarp": ((C,), lambda e: e.ctx.capture.set_dewarp(e.page_a, False)),
    # imaging: clerk (and reviewer corrections); the background loop runs as system:processing
    "ProcessingService.preview": ((C,), lambda e: e.ctx.processing.preview(_frame(1))),
    "ProcessingService.batch_master_format": (
        (C, R),
        lambda e: e.ctx.processing.batch_master_format(e.batch_a),
    ),
    "ProcessingService.process_page": ((C, R), lambda e: e.ctx.processing.process_page(e.page_a)),
    "ProcessingService.reprocess": ((C, R), lambda e: e.ctx.processing.reprocess(e.page_a, PageGeometry())),
    "ProcessingService.enqueue": ((C, R), lambda e: e.ctx.processing.enqueue(e.page_a)),
    "ProcessingService.recover": ((C, R), lambda e: e.ctx.processing.recover()),
    "ProcessingService.counts": ((C, R), lambda e: e.ctx.processing.counts()),
    "ProcessingService.run_pending": ((C, R), lambda e: e.ctx.processing.run_pending()),
    "PipelineService.run_until_idle": ((C, R), lambda e: e.ctx.pipeline.run_until_idle()),
    # OCR queue: clerk or reviewer; the dispatcher runs as system:ocr
    "OcrService.enqueue": ((C, R), lambda e: e.ctx.ocr.enqueue(e.page_a)),
    "OcrService.mark_duplicate": ((C, R), lambda e: e.ctx.ocr.mark_duplicate(e.page_a)),
    "OcrService.rerun": ((C, R), lambda e: e.ctx.ocr.rerun([e.page_a])),
    "OcrService.rerun_failed": ((C, R), lambda e: e.ctx.ocr.rerun_failed()),
    "OcrService.cancel_queued": ((C, R), lambda e: e.ctx.ocr.cancel_queued()),
    "OcrService.counts": ((C, R), lambda e: e.ctx.ocr.counts()),
    "OcrService.failures": ((C, R), lambda e: e.ctx.ocr.failures()),
    "OcrService.page_labels": ((C, R), lambda e: e.ctx.ocr.page_labels([e.page_a])),
    "OcrService.recover": ((C, R), lambda e: e.ctx.ocr.recover()),
    "OcrService.run_pending": ((C, R), lambda e: e.ctx.ocr.run_pending()),
    # linking: clerk links in their station; proposals are also shown to reviewers
    "LinkingService.propose": ((C, R), lambda e: e.ctx.linking.propose(e.page_a)),
    "LinkingService.candidates": ((C, R), lambda e: e.ctx.linking.candidates(e.page_a)),
    "LinkingService.link_states": ((C, R), lambda e: e.ctx.linking.link_states([e.page_a])),
    "LinkingService.confirm": ((C,), lambda e: e.ctx.linking.confirm(e.page_a)),
    "LinkingService.confirm_all": ((C,), lambda e: e.ctx.linking.confirm_all(e.page_a, [e.person_id])),
    "LinkingService.link_manual": ((C,), lambda e: e.ctx.linking.link_manual(e.page_a, e.person_id)),
    "LinkingService.unlink": ((C,), lambda e: e.ctx.linking.unlink(e.page_a2, e.person_id)),
    "LinkingService.links": ((C, R, S), lambda e: e.ctx.linking.links(e.page_a2)),
    "LinkingService.linker_names": ((C, R, S), lambda e: e.ctx.linking.linker_names()),
    "LinkingService.search": ((C, R), lambda e: e.ctx.linking.search("张测试")),
    # registry: import by administrators, data-quality warnings by reviewers
    "RegistryService.preview": ((A,), lambda e: e.ctx.registry.preview(e.import_file)),
    "RegistryService.import_file": ((A,), lambda e: e.ctx.registry.import_file(e.import_file)),
    "RegistryService.export_bad_rows": (
        (A,),
        lambda e: e.ctx.registry.export_bad_rows("x", e.tmp / "bad.csv"),
    ),
    "RegistryService.imports": ((A,), lambda e: e.ctx.registry.imports()),
    "RegistryService.scan_warnings": ((R,), lambda e: e.ctx.registry.scan_warnings()),
    "RegistryService.warning_counts": ((R,), lambda e: e.ctx.registry.warning_counts()),
    "RegistryService.warnings": ((R,), lambda e: e.ctx.registry.warnings()),
    "RegistryService.station_shares": ((R,), lambda e: e.ctx.registry.station_shares()),
    "RegistryService.export_warnings_csv": (
        (R,),
        lambda e: e.ctx.registry.export_warnings_csv(e.tmp / "w.csv"),
    ),
    # search: searchers search and view; indexing is system work or follows a clerk's/reviewer's edit
    "SearchService.index_pages": ((C, R), lambda e: e.ctx.search.index_pages([e.page_a])),
    "SearchService.index_page": ((C, R), lambda e: e.ctx.search.index_page(e.page_a)),
    "SearchService.update_index": ((C, R), lambda e: e.ctx.search.update_index()),
    "SearchService.reindex": ((A,), lambda e: e.ctx.search.reindex()),
    "SearchService.search": ((S,), lambda e: e.ctx.search.search("登记表")),
    "SearchService.person_pages": ((S,), lambda e: e.ctx.search.person_pages(e.person_id)),
    "SearchService.image_path": (
        (S,),
        lambda e: e.ctx.search.image_path(e.ctx.pages.get(e.page_a).original_sha256),
    ),
    "SearchService.open_page": ((S,), lambda e: e.ctx.search.open_page(e.page_a)),
    "SearchService.thumbnail": ((S,), lambda e: e.ctx.search.thumbnail(e.page_a)),
    # export: searchers, with a purpose
    "ExportService.plan": ((S,), lambda e: e.ctx.export.plan(ExportSource.batch(e.batch_a))),
    "ExportService.resolve_batch": ((S,), lambda e: e.ctx.export.resolve_batch(e.batch_a)),
    "ExportService.resolve_person": ((S,), lambda e: e.ctx.export.resolve_person(e.person_id)),
    "ExportService.export": (
        (S,),
        lambda e: e.ctx.export.export(
            ExportRequest(ExportSource.batch(e.batch_a), "核查", e.tmp / "out.pdf")
        ),
    ),
    # hand-over to the archive: reviewers (and administrators)
    "HandoverService.select": ((R,), lambda e: e.ctx.handover.select(HandoverSelection())),
    "HandoverService.summaries": ((R,), lambda e: e.ctx.handover.summaries(HandoverSelection())),
    "HandoverService.handover": (
        (R,),
        lambda e: e.ctx.handover.handover(HandoverRequest(HandoverSelection(), output=e.tmp / "handover")),
    ),
    # QA: reviewers; clerks see checks, samples of their batches and the re-capture queue
    "QaService.auto_checks": ((R, C), lambda e: e.ctx.qa.auto_checks(e.closed_a)),
    "QaService.draw_sample": ((R,), lambda e: e.ctx.qa.draw_sample(e.closed_a, ignore_checks=True)),
    "QaService.batches_for_review": ((R,), lambda e: e.ctx.qa.batches_for_review()),
    "QaService.sample_pages": ((R,), lambda e: e.ctx.qa.sample_pages(e.sample_id)),
    "QaService.page_numbers": ((R, C), lambda e: e.ctx.qa.page_numbers([e.page_a])),
    "QaService.page_review_info": ((R,), lambda e: e.ctx.qa.page_review_info(e.sample_id, e.closed_page)),
    "QaService.reproduce": ((R,), lambda e: e.ctx.qa.reproduce(e.sample_id)),
    "QaService.sample": ((R,), lambda e: e.ctx.qa.sample(e.sample_id)),
    "QaService.open_samples": ((R,), lambda e: e.ctx.qa.open_samples()),
    "QaService.samples_of": ((R, C), lambda e: e.ctx.qa.samples_of(e.closed_a)),
    "QaService.results": ((R,), lambda e: e.ctx.qa.results(e.sample_id)),
    "QaService.record": ((R,), lambda e: e.ctx.qa.record(e.sample_id, e.closed_page, True)),
    "ReocrService.start": ((R,), lambda e: e.ctx.reocr.start("tests.ocr_fakes:FakeEngine")),
    "ReocrService.campaigns": ((R,), lambda e: e.ctx.reocr.campaigns()),
    "ReocrService.status": ((R,), lambda e: e.ctx.reocr.status("c")),
    "ReocrService.pause": ((R,), lambda e: e.ctx.reocr.pause("c")),
    "ReocrService.resume": ((R,), lambda e: e.ctx.reocr.resume("c")),
    "ReocrService.diff": ((R,), lambda e: e.ctx.reocr.diff("c")),
    "ReocrService.accept": ((R,), lambda e: e.ctx.reocr.accept("c")),
    "ReocrService.reject": ((R,), lambda e: e.ctx.reocr.reject("c")),
    "QaService.finish": ((R,), lambda e: e.ctx.qa.finish(e.sample_id)),
    "QaService.recapture_queue": ((C, R), lambda e: e.ctx.qa.recapture_queue()),
    "QaService.mark_recaptured": ((C, R), lambda e: e.ctx.qa.mark_recaptured(e.closed_page)),
    # dashboard: administrators, reviewers, clerks (scoped to their station)
    "DashboardService.report": ((A, R, C), lambda e: e.ctx.dashboard.report()),
    "DashboardService.warnings": ((A, R, C), lambda e: e.ctx.dashboard.warnings()),
    "DashboardService.export_csv": (
        (A, R, C),
        lambda e: e.ctx.dashboard.export_csv(e.report, e.tmp / "stats.csv"),
    ),
    # sync: clerks and reviewers of this station; restore and the audit anchor check by administrators
    "SyncService.engine": ((C, R), lambda e: e.ctx.sync.engine()),
    "SyncService.sync_now": ((C, R), lambda e: e.ctx.sync.sync_now()),
    "SyncService.catalogue": ((C, R), lambda e: e.ctx.sync.catalogue()),
    "SyncService.verify": ((C, R), lambda e: e.ctx.sync.verify()),
    "SyncService.status": ((C, R, S), lambda e: e.ctx.sync.status()),
    "SyncService.pages_in_state": ((C, R, S), lambda e: e.ctx.sync.pages_in_state()),
    "SyncService.holds_page_store": ((C, R), lambda e: e.ctx.sync.holds_page_store()),
    "SyncService.restore": ((A,), lambda e: e.ctx.sync.restore(e.ctx.sync.target, e.tmp / "restored")),
    "SyncService.check_audit_anchor": ((A,), lambda e: e.ctx.sync.check_audit_anchor()),
    "SyncService.remote_audit_anchor": ((A,), lambda e: e.ctx.sync.remote_audit_anchor()),
    "SyncService.start_background": ((C, R), lambda e: e.ctx.sync.start_background(60)),
    "SyncService.reconfigure": ((A,), lambda e: e.ctx.sync.reconfigure(e.ctx.sync.config)),
    # users and audit
    "SecurityService.reset_password": ((A,), lambda e: e.sec.reset_password(_admin_id(e), "N3w-passw0rd")),
    "SecurityService.list_users": ((A,), lambda e: e.sec.list_users()),
    "SecurityService.add_user": ((A,), lambda e: e.sec.add_user("intruder", "入侵", PW, [A])),
    "SecurityService.update_user": ((A,), lambda e: e.sec.update_user(_my_id(e), roles=[A])),
    "SecurityService.unlock_user": ((A,), lambda e: e.sec.unlock_user(_my_id(e))),
    "SecurityService.reveal_id_number": ((C, R, S), lambda e: e.sec.reveal_id_number(e.person_id, "核查")),
    "SecurityService.record_settings_change": (
        (A,),
        lambda e: e.sec.record_settings_change("general", {"x": (1, 2)}),
    ),
    "SecurityService.verify_audit": ((A,), lambda e: e.sec.verify_audit()),
    "SecurityService.audit_events": ((A,), lambda e: e.sec.audit_events()),
    "SecurityService.audit_actions": ((A,), lambda e: e.sec.audit_actions()),
    "SecurityService.audit_names": ((A,), lambda e: e.sec.audit_names([])),
    "SecurityService.export_audit_csv": ((A,), lambda e: e.sec.export_audit_csv(e.tmp / "audit.csv")),
}

EXEMPT: dict[str, str] = {
    "CaptureService.add_listener": "wiring by the composition root; no data",
    "CaptureService.guard_username": "the current user's own name",
    "CaptureService.stop_hot_folder": "stopping a watcher must work at logout and shutdown",
    "CoverLabelService.read": "reads a 档号 off an image the caller already holds; touches no stored data",
    "OcrService.engines": "names of installed OCR engines; no data",
    "OcrService.start": "worker lifecycle: the dispatcher works as system:ocr on jobs authorised users queued",
    "OcrService.notify": "only wakes the dispatcher",
    "OcrService.stop": "stopping a worker must work at logout and shutdown",
    "OcrService.close": "stopping worker processes must work at logout and shutdown",
    "OcrService.worker_pids": "process ids for diagnostics and tests; no data",
    "OcrService.busy_worker_pids": "process ids for diagnostics and tests; no data",
    "ProcessingService.close": "stopping worker processes must work at logout and shutdown",
    "ProcessingService.worker_pids": "process ids for diagnostics and tests; no data",
    "ProcessingService.busy_worker_pids": "process ids for diagnostics and tests; no data",
    "PipelineService.start": "worker lifecycle: the loop recovers and works as system:processing",
    "PipelineService.notify": "only wakes the processing thread",
    "PipelineService.stop": "stopping a worker must work at logout and shutdown",
    "SyncService.wake": "only wakes the background loop (started by an authorised user)",
    "SyncService.request": "queues at most one upload request of the station's own pages (after a "
    "role-checked capture); the run that answers it is role-checked and audited",
    "SyncService.stop": "stopping a worker must work at logout and shutdown",
    "SecurityService.begin_interactive": "only tightens: from then on nothing is allowed before login",
    "SecurityService.needs_first_admin": "whether the first-start dialog is shown; no data",
    "SecurityService.create_first_admin": "refused once any user exists",
    "SecurityService.login": "authenticates (audited, lockout)",
    "SecurityService.must_change_password": "about the current user's own session",
    "SecurityService.logout": "ends the current user's own session",
    "SecurityService.start_cli_session": "a token for the already logged-in user only (audited)",
    "SecurityService.resume_cli_session": "authenticates by a token bound to the OS uid, sliding expiry",
    "SecurityService.end_cli_session": "ends a session whose token the caller holds (audited)",
    "SecurityService.lock_screen": "the current user's own session (audited)",
    "SecurityService.unlock_screen": "re-checks the current user's password (audited, lockout)",
    "SecurityService.change_password": "the current user's own password, old password required (audited)",
    "SecurityService.display_id": "masks according to the guard's answer",
    "SecurityService.audit_anchor": "the chain tip (seq, hash) is not secret; the sync worker embeds it",
}


def _service_methods() -> set[str]:
    found: set[str] = set()
    for info in pkgutil.iter_modules(services_pkg.__path__):
        mod = importlib.import_module(f"hukou_scan.services.{info.name}")
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if cls.__module__ != mod.__name__ or not name.endswith("Service"):
                continue
            for attr, value in vars(cls).items():
                if attr.startswith("_") or isinstance(value, property):
                    continue
                if inspect.isfunction(value) or isinstance(value, staticmethod | classmethod):
                    found.add(f"{name}.{attr}")
    return found


def test_every_service_entry_point_has_a_role_or_a_stated_exemption() -> None:
    methods = _service_methods()
    unlisted = sorted(methods - ROLES.keys() - EXEMPT.keys())
    assert not unlisted, f"public service methods without a role check entry or exemption: {unlisted}"
    stale = sorted((ROLES.keys() | EXEMPT.keys()) - methods)
    assert not stale, f"table entries for methods that no longer exist: {stale}"
    assert not (ROLES.keys() & EXEMPT.keys())
    assert all(reason.strip() for reason in EXEMPT.values())


# --- (b) a forbidden action fails in the core, before any effect -------------------------------


def _fingerprint(e: Env) -> str:
    """Everything a call could change, except the audit log (a denial is audited)."""
    h = hashlib.sha256()
    url = e.ctx.settings.db_url
    assert url.startswith("sqlite:///")
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
            )
            if r[0] not in ("audit_events", "user_states", "users") and not r[0].startswith("sqlite_")
        ]
        for t in tables:
            rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"'))
            h.update(t.encode() + b"\0" + "\n".join(rows).encode())
        # users: everything but login bookkeeping
        for r in con.execute(
            "SELECT username, roles, active, station_id, all_stations, password_hash FROM users ORDER BY username"
        ):
            h.update(repr(r).encode())
    finally:
        con.close()
    for p in sorted(e.ctx.settings.data_dir.rglob("*")):
        if p.is_file() and "hukou.sqlite3" not in p.name and p.suffix != ".log":
            h.update(str(p.relative_to(e.ctx.settings.data_dir)).encode())
    for p in sorted(e.ctx.settings.config_dir.rglob("*")):
        if p.is_file():
            h.update(p.read_bytes())
    for p in sorted(e.tmp.glob("*")):
        if p.name not in ("data", "config", "nas"):
            h.update(p.name.encode())
    cap = e.ctx.capture
    state = (
        cap.current_batch_id,
        cap.hot_folder is not None,
        dict(cap._section),
        e.ctx.sync._thread is not None,
        e.ctx.sync._engine is not None,
        e.ctx.ocr.running,
    )
    h.update(repr(state).encode())
    return h.hexdigest()


@pytest.mark.parametrize("key", sorted(ROLES))
def test_forbidden_call_fails_in_the_core_before_any_effect(env: Env, key: str) -> None:
    roles, call = ROLES[key]
    user = env.login_lacking(roles)
    assert user is None or (not (user.roles & set(roles)) and Role.ADMIN not in user.roles)
    before = _fingerprint(env)
    n_events = env.ctx.audit_chain.store.count()
    with pytest.raises(PermissionDenied):
        call(env)
    assert _fingerprint(env) == before, f"{key} changed something before refusing"
    last = env.ctx.audit_chain.store.last()
    assert last is not None and last.action == "permission_denied" and last.outcome == "denied"
    assert env.ctx.audit_chain.store.count() == n_events + 1  # the denial, and nothing else


@pytest.mark.parametrize(
    "key",
    [
        "CaptureService.list_pages",
        "LinkingService.link_manual",
        "OcrService.counts",
        "SearchService.search",
        "SyncService.status",
        "QaService.sample",
        "RegistryService.warning_counts",
    ],
)
def test_the_same_call_is_allowed_with_the_role(env: Env, key: str) -> None:
    """The table is not vacuous: holding one of the roles makes the call go through."""
    roles, call = ROLES[key]
    env.login_as(frozenset({roles[0]}))
    call(env)


# --- background workers act as the system -------------------------------------------------------


def test_ocr_dispatcher_and_sync_loop_work_as_system_while_logged_out(
    env: Env, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Logged out in interactive mode nothing is allowed — except the named system workers.

    The OCR dispatcher thread stores a result and runs the app's real post-recognition
    hooks (link proposals, search indexing — both role-checked) as ``system:ocr``; the
    recognition itself (worker processes) is replaced to keep the test fast.
    """
    ctx = env.ctx
    env.sec.logout()
    with pytest.raises(PermissionDenied):
        ctx.ocr.counts()
    with pytest.raises(PermissionDenied):
        ctx.linking.propose(env.page_a2)
    with ctx.session_guard.acting_as_system("test-setup"):
        ctx.ocr.enqueue(env.page_a2)
    ocr = ctx.ocr
    actors: list[str] = []
    ocr.hooks.append(lambda page_id: actors.append(ctx.session_guard.actor))

    def fake_dispatch(*_a: Any, **_k: Any) -> RunSummary:
        summary = RunSummary()
        job = ocr.jobs.claim("ocr", "test")
        assert job is not None
        ocr._succeed(job, _text_ocr("常住人口登记表 重新识别", "110101199003071234"), summary)
        return summary

    monkeypatch.setattr(ocr, "_dispatch", fake_dispatch)
    caplog.set_level(logging.INFO)
    ocr.start()
    assert ocr._thread is not None
    ocr._thread.join(10)
    ocr.stop()
    assert actors == ["system:ocr"]
    assert not [r for r in caplog.records if "hook failed" in r.getMessage()]
    assert ctx.registry_store.proposals(env.page_a2)  # the linking hook ran (as system)
    assert ctx.pages.get(env.page_a2).state.value in ("recognized", "linked")

    sync_actors: list[str] = []

    def one_pass(progress: Any, cancel: Any) -> None:
        sync_actors.append(ctx.session_guard.actor)
        ctx.sync._stop.set()

    monkeypatch.setattr(ctx.sync, "_run_sync", one_pass)
    ctx.sync._stop.clear()
    ctx.sync._loop(0.01)
    assert sync_actors == ["system:sync"]
    assert ctx.session_guard.actor == "anonymous"  # the scope ended with the loop
    with pytest.raises(PermissionDenied):
        ctx.sync.status()


# --- (c) station scoping -------------------------------------------------------------------------


def test_clerk_sees_and_changes_only_their_own_station(env: Env) -> None:
    ctx = env.ctx
    clerk_b = env.login_as(frozenset({C}), station_id=env.station_b.id)
    assert clerk_b.station_id == env.station_b.id
    with pytest.raises(PermissionDenied):
        ctx.capture.open_batches()  # this workstation's station is A
    for call in (
        lambda: ctx.capture.list_pages(env.batch_a),
        lambda: ctx.capture.page_changes(env.batch_a, {}),
        lambda: ctx.capture.batch(env.batch_a),
        lambda: ctx.capture.get_page(env.page_a),
        lambda: ctx.capture.capture(env.batch_a, _frame(5)),
        lambda: ctx.capture.delete_page(env.page_a),
        lambda: ctx.capture.close_batch(env.batch_a, paper_returned=True),
        lambda: ctx.capture.set_current_batch(env.batch_a),
    ):
        with pytest.raises(PermissionDenied):
            call()
    # a clerk of station A: own batches yes, station B's no
    env.login_as(frozenset({C}))
    assert [p.id for p in ctx.capture.list_pages(env.batch_a)] == [env.page_a, env.page_a2]
    assert env.batch_b not in {b.id for b in ctx.capture.open_batches()}
    for call in (
        lambda: ctx.capture.list_pages(env.batch_b),
        lambda: ctx.capture.get_page(env.page_b),
        lambda: ctx.capture.capture(env.batch_b, _frame(6)),
        lambda: ctx.capture.delete_page(env.page_b),
        lambda: ctx.capture.close_batch(env.batch_b, paper_returned=True),
        lambda: ctx.processing.reprocess(env.page_b, PageGeometry()),
        lambda: ctx.ocr.enqueue(env.page_b),
        lambda: ctx.capture.page_image(ctx.pages.get(env.page_b)),
        lambda: ctx.ocr.rerun([env.page_a, env.page_b]),  # refused as a whole, page A untouched
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert ctx.pages.get(env.page_b).state.value != "deleted"
    assert ctx.jobs.counts("ocr").get("queued", 0) == 0
    # granted all stations: may work on B
    env.login_as(frozenset({C}), all_stations=True)
    assert [p.id for p in ctx.capture.list_pages(env.batch_b)] == [env.page_b]


def test_clerk_cannot_link_pages_of_another_station(env: Env) -> None:
    ctx = env.ctx
    env.login_as(frozenset({C}))
    link = ctx.linking.link_manual(env.page_a, env.person_id)
    assert link.page_id == env.page_a
    with pytest.raises(PermissionDenied):
        ctx.linking.link_manual(env.page_b, env.person_id)
    with pytest.raises(PermissionDenied):
        ctx.linking.unlink(env.page_b, env.person_id)
    with pytest.raises(PermissionDenied):
        ctx.linking.confirm(env.page_b)
    with pytest.raises(PermissionDenied):
        ctx.linking.links(env.page_b)
    assert [lk.person_id for lk in ctx.links.for_page(env.page_b)] == [env.person_id]  # untouched
    events = [e[0] for e in ctx.session_guard.events[-4:]]
    assert events == ["permission_denied"] * 4


def test_searcher_finds_views_and_exports_only_their_own_station(env: Env) -> None:
    ctx = env.ctx
    env.login_as(frozenset({S}))
    hits = ctx.search.search("测试文本").hits
    assert [h.page_id for h in hits] == [env.page_a]
    with pytest.raises(PermissionDenied):
        ctx.search.search("测试文本", SearchFilters(station_id=env.station_b.id))
    with pytest.raises(PermissionDenied):
        ctx.search.open_page(env.page_b)
    assert ctx.search.open_page(env.page_a).page.id == env.page_a
    assert [h.page_id for h in ctx.search.person_pages(env.person_id)] == [env.page_a2]
    with pytest.raises(PermissionDenied):
        ctx.export.plan(ExportSource.batch(env.batch_b))
    with pytest.raises(PermissionDenied):
        ctx.export.plan(ExportSource.pages([env.page_a, env.page_b]))
    with pytest.raises(PermissionDenied):
        ctx.export.export(ExportRequest(ExportSource.person(env.person_id), "核查", env.tmp / "p.pdf"))
    assert not (env.tmp / "p.pdf").exists()
    assert ctx.export.plan(ExportSource.batch(env.batch_a)).page_count == 2
    # granted all stations: both
    env.login_as(frozenset({S}), all_stations=True)
    assert {h.page_id for h in ctx.search.search("测试文本").hits} == {env.page_a, env.page_b}
    assert ctx.export.plan(ExportSource.pages([env.page_a, env.page_b])).page_count == 2


def test_reviewer_hands_over_only_their_own_station(env: Env) -> None:
    ctx = env.ctx
    env.login_as(frozenset({R}))
    assert {b.id for b in ctx.handover.select(HandoverSelection())} == {env.batch_a, env.closed_a}
    with pytest.raises(PermissionDenied):
        ctx.handover.select(HandoverSelection(station_id=env.station_b.id))
    res = ctx.handover.handover(HandoverRequest(HandoverSelection(), output=env.tmp / "h1"))
    assert res.volumes == 2  # station B's batch is not in the package
    env.login_as(frozenset({R}), all_stations=True)
    assert env.batch_b in {b.id for b in ctx.handover.select(HandoverSelection())}


# --- the audit anchor in the sync catalogue ------------------------------------------------------


def test_audit_anchor_travels_in_the_catalogue_and_exposes_a_rewritten_history(env: Env) -> None:
    ctx = env.ctx
    env.login_as(frozenset({C}))
    ctx.sync.sync_now()
    cat = ctx.sync.engine().read_catalogue()
    assert cat is not None and set(cat["audit_anchor"]) == {"seq", "hash"}
    anchored = cat["audit_anchor"]
    assert ctx.audit_chain.store.get(int(anchored["seq"])).hash == anchored["hash"]  # type: ignore[union-attr]
    env.sec.logout()
    env.sec.login("admin", ADMIN_PW)
    assert ctx.sync.check_audit_anchor()["ok"] is True
    report = ctx.sync.restore(ctx.sync.target, env.tmp / "restored")
    assert report.audit_anchors[ctx.station.code] == anchored
    assert report.audit_check is not None and report.audit_check["ok"] is True
    # An attacker with only the local database edits an early event and re-hashes the whole
    # chain consistently: the chain alone still verifies, the anchor from the target does not.
    events = list(ctx.audit_chain.store.iter_events())
    prev = GENESIS
    rewritten = []
    for ev in events:
        if ev.seq == 1:
            ev = replace(ev, target="forged")
        ev = replace(ev, prev_hash=prev)
        ev = replace(ev, hash=event_hash(ev))
        rewritten.append(ev)
        prev = ev.hash
    con = sqlite3.connect(ctx.settings.db_url.removeprefix("sqlite:///"))
    with con:
        con.execute("DROP TRIGGER audit_events_no_update")  # the attacker owns the database file
        for ev in reversed(rewritten):
            con.execute(
                "UPDATE audit_events SET target = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (ev.target, ev.prev_hash, ev.hash, ev.seq),
            )
    con.close()
    assert ctx.audit_chain.verify().ok  # consistent rewrite: invisible without the anchor
    result = ctx.sync.check_audit_anchor()
    assert result["ok"] is False and result["anchor"] == anchored


def test_catalogue_is_not_rewritten_only_because_the_audit_log_grew(env: Env) -> None:
    ctx = env.ctx
    env.login_as(frozenset({C}))
    first = ctx.sync.sync_now()
    assert first.catalogue_written
    ctx.session_guard.audit("something_else")
    again = ctx.sync.sync_now()
    assert not again.catalogue_written and again.uploaded == 0


@pytest.mark.usefixtures("cli_login")
def test_cli_audit_verify_takes_the_anchor_from_the_sync_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hukou_scan.cli import main

    nas = tmp_path / "nas-cli"
    nas.mkdir()
    monkeypatch.setenv("HUKOU_STORAGE_URL", nas.as_uri())
    assert main(["audit", "verify", "--anchor-from-sync"]) != 0  # nothing synced yet: no anchor
    assert main(["sync", "--json"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--anchor-from-sync", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["ok"] is True and out["checked"] >= 1


def test_each_kind_of_action_leaves_an_audit_event_with_who_and_where(env: Env) -> None:
    """View, search, export, link/unlink, edit, delete, settings change, sync and restore."""
    ctx = env.ctx
    user = env.login_as(frozenset({C, R, S}))
    actions: list[tuple[str, Callable[[], Any]]] = [
        ("view_page", lambda: ctx.search.open_page(env.page_a, "登记表")),
        ("search", lambda: ctx.search.search("登记表")),
        ("person_search", lambda: ctx.linking.search("张测试")),
        ("view_person", lambda: ctx.search.person_pages(env.person_id)),
        ("id_reveal", lambda: env.sec.reveal_id_number(env.person_id, "核对身份")),
        ("link", lambda: ctx.linking.link_manual(env.page_a, env.person_id)),
        ("unlink", lambda: ctx.linking.unlink(env.page_a, env.person_id)),
        ("rotate_page", lambda: ctx.capture.rotate(env.page_a2)),
        ("reorder_pages", lambda: ctx.capture.reorder(env.batch_a, [env.page_a2, env.page_a])),
        ("delete_page", lambda: ctx.capture.delete_page(env.page_a2)),
        ("undo_delete", lambda: ctx.capture.undo_delete(env.page_a2)),
        ("settings_change", lambda: ctx.capture.set_option("auto_capture_test", True)),
        ("ocr_rerun", lambda: ctx.ocr.rerun([env.page_a])),
        (
            "export",
            lambda: ctx.export.export(
                ExportRequest(ExportSource.batch(env.batch_a), "户籍核查", env.tmp / "a.pdf")
            ),
        ),
        ("sync", lambda: ctx.sync.sync_now()),
    ]
    for action, call in actions:
        before = ctx.audit_chain.store.count()
        call()
        new = [e for e in ctx.audit_chain.store.iter_events(from_seq=before) if e.seq > before]
        mine = [e for e in new if e.action == action]
        assert mine, f"{action}: no audit event (got {[e.action for e in new]})"
        assert mine[-1].username == user.username and mine[-1].station == ctx.station.code
    export_event = next(
        e for e in reversed(list(ctx.audit_chain.store.iter_events())) if e.action == "export"
    )
    assert export_event.details["purpose"] == "户籍核查"
    env.login_as(frozenset({A}))
    before = ctx.audit_chain.store.count()
    ctx.sync.restore(ctx.sync.target, env.tmp / "restored")
    after = [e.action for e in ctx.audit_chain.store.iter_events(from_seq=before) if e.seq > before]
    assert "restore" in after and "audit_verify" in after  # the anchor check of the restore
    assert ctx.audit_chain.verify().ok
