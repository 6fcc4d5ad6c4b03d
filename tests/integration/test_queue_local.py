"""The job queue on a single SQLite station (issue 19): the local runner behind the same
worker interface, re-OCR campaigns without PostgreSQL, reviewer-only and audited."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.config import load_settings
from hukou_scan.domain.models import OcrResult, OcrWord, Page, PageState, Role, User, new_id
from hukou_scan.errors import ConfigError, PermissionDenied
from hukou_scan.services.queue import LocalWorker, QueueOptions
from hukou_scan.storage.security import AuditFilter
from tests.integration.test_queue_postgres import ENGINE, add_pages


def local_ctx(settings_dir: Path, extra: str = "") -> AppContext:
    settings_dir.mkdir(parents=True, exist_ok=True)
    (settings_dir / "settings.toml").write_text(
        f'[general]\nocr_engine = "{ENGINE}"\n\n[ocr]\nmode = "plain"\n' + extra, "utf-8"
    )
    return AppContext(load_settings(), log_to_file=False)


def test_sqlite_station_keeps_the_local_runner(settings: object, tmp_path: Path) -> None:
    ctx = local_ctx(tmp_path / "config")
    try:
        assert ctx.queue_options.backend == "local"
        assert ctx.ocr.options.dispatch  # the station's own OCR dispatcher still runs
        assert not ctx.queue_store.defer_index  # hooks run inline, as before
        worker = ctx.queue_worker("local")
        assert isinstance(worker, LocalWorker)
        pages = add_pages(ctx, 3)
        for p in pages:
            ctx.jobs.enqueue("ocr", p)
        summary = worker.run(until_idle=True)
        assert summary.by_kind == {"ocr": 3} and summary.failed == 0
        assert all(ctx.pages.get(p).ocr_engine == "counting" for p in pages)
        assert ctx.search.search(ctx.pages.get(pages[0]).ocr_text.split()[-1]).hits  # indexed inline
    finally:
        ctx.close()


def test_procrastinate_backend_refused_on_sqlite() -> None:
    with pytest.raises(ConfigError):
        QueueOptions.from_section({"backend": "procrastinate"}, sqlite=True)
    with pytest.raises(ConfigError):
        QueueOptions.from_section({"backend": "celery"}, sqlite=False)


def test_reocr_campaign_on_sqlite_reviewer_only_and_audited(settings: object, tmp_path: Path) -> None:
    ctx = local_ctx(tmp_path / "config")
    try:
        pages = add_pages(ctx, 3, captured=datetime(2026, 10, 1))
        for p in pages:
            ctx.pages.save_ocr(p, OcrResult("旧", [OcrWord("旧", 1, 1, 5, 5, 0.9)], "old", 160, 90))
        guard = ctx.session_guard
        guard.set_user(User(new_id(), "clerk1", "采集员", frozenset({Role.CLERK}), all_stations=True))
        with pytest.raises(PermissionDenied):
            ctx.reocr.start(ENGINE, mode="plain")
        guard.set_user(User(new_id(), "rev1", "核查员", frozenset({Role.REVIEWER}), all_stations=True))
        c = ctx.reocr.start(ENGINE, mode="plain", engine_version="old")
        assert c.total == 3
        ctx.reocr.pause(c.id)
        with guard.acting_as_system("test"):
            assert ctx.queue_worker().run(until_idle=True).by_kind == {}  # paused: nothing read
        ctx.reocr.resume(c.id)
        with guard.acting_as_system("test"):
            assert ctx.queue_worker().run(until_idle=True).by_kind == {"reocr": 3}
        st = ctx.reocr.status(c.id)
        assert (st.status, st.read, st.pending) == ("done", 3, 3)
        assert all(ctx.pages.get(p).ocr_text == "旧" for p in pages)  # kept until accepted
        assert ctx.reocr.accept(c.id, pages[:2]) == {"accepted": 2}
        assert ctx.reocr.reject(c.id) == 1
        assert [ctx.pages.get(p).ocr_text == "旧" for p in pages] == [False, False, True]
        guard.set_user(User(new_id(), "adm", "管理员", frozenset({Role.ADMIN}), all_stations=True))
        actions = [e.action for e in ctx.security.audit_events(AuditFilter(), limit=100)]
        for action in ("reocr_start", "reocr_pause", "reocr_resume", "reocr_accept", "reocr_reject"):
            assert action in actions
        assert "permission_denied" in actions
    finally:
        ctx.close()


def test_reocr_cli_needs_a_login(settings: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reocr", "list"]) != 0
    assert "登录" in capsys.readouterr().err


def test_reocr_cli_start_and_status(cli_login: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["reocr", "start", "--engine", ENGINE, "--from", "2026-01-01", "--json"]) == 0
    c = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert c["total"] == 0 and c["status"] == "done"
    assert main(["reocr", "status", c["id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == c["id"]
    assert main(["reocr", "accept", c["id"], "--all", "--json"]) == 0


def _recaptured_pages(ctx: AppContext) -> list[str]:
    """Three processed pages of one batch; the third is the same sheet as the first
    (same image), so its reading is the same text."""
    pages = add_pages(ctx, 2)
    first = ctx.pages.get(pages[0])
    again = ctx.pages.add(
        Page(
            id=new_id(),
            batch_id=first.batch_id,
            seq=ctx.pages.next_seq(first.batch_id),
            original_sha256=first.original_sha256,
            captured_at=first.captured_at,
            state=PageState.PROCESSED,
        )
    )
    pages.append(again.id)
    for p in pages:  # the test pages are their own derivative
        ctx.pages.update(p, derivative_sha256=ctx.pages.get(p).original_sha256)
    return pages


def test_local_worker_checks_recaptures_and_backfills_thumbnails(settings: object, tmp_path: Path) -> None:
    ctx = local_ctx(tmp_path / "config")
    try:
        pages = _recaptured_pages(ctx)
        for p in pages:
            ctx.jobs.enqueue("ocr", p)
        worker = ctx.queue_worker("local")
        assert worker.run(until_idle=True).by_kind == {"ocr": 3}
        # the duplicate-capture check the station's OCR service runs, here too
        flagged = {p: ctx.pages.get(p).quality.get("duplicate") for p in pages}
        assert flagged[pages[1]] is None
        marks = [f for f in (flagged[pages[0]], flagged[pages[2]]) if f]
        assert marks and {m["page_id"] for m in marks} <= {pages[0], pages[2]}
        # pages without a stored thumbnail get one from the queue, once
        assert sorted(ctx.pages.pages_without_thumbnail()) == sorted(pages)
        assert ctx.queue_store.queue_thumbnails(pages) == 3
        assert ctx.queue_store.queue_thumbnails(pages) == 0  # already queued
        assert ctx.queue_worker("local").run(until_idle=True).by_kind == {"thumb": 3}
        assert ctx.pages.pages_without_thumbnail() == []
        thumb = ctx.pages.thumbnail(pages[1])
        assert thumb is not None and thumb[:2] == b"\xff\xd8"
        # a re-processed page (new derivative) is outdated again
        ctx.pages.update(pages[1], derivative_sha256=ctx.pages.get(pages[0]).original_sha256)
        assert ctx.pages.pages_without_thumbnail() == [pages[1]]
    finally:
        ctx.close()
