"""The job queue on a single SQLite station (issue 19): the local runner behind the same
worker interface, re-OCR campaigns without PostgreSQL, reviewer-only and audited."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.config import load_settings
from hukou_scan.domain.models import OcrResult, OcrWord, Role, User, new_id
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
