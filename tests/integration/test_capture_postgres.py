"""Capture on the shared PostgreSQL catalogue: durable pages + jobs, import-log dedupe, migration down/up."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.camera import SimulatedCamera, Step
from hukou_scan.config import load_settings
from hukou_scan.domain import BatchCategory
from hukou_scan.services.capture import BatchDraft
from hukou_scan.storage.db import Database

pytestmark = pytest.mark.postgres


def test_capture_and_import_dedupe_on_postgres(pg_db_url: str, tmp_path: Path) -> None:
    ctx = AppContext(load_settings().with_changes(db_url=pg_db_url), log_to_file=False)
    try:
        b = ctx.capture.new_batch(BatchDraft(archive_id="PG-1", category=BatchCategory.ID_CARD))
        cam = SimulatedCamera([Step("page", 2, 0)], size=(320, 240), realtime=False, loop=False)
        cam.open()
        r = ctx.capture.capture(b.id, cam.read())
        assert ctx.pages.get(r.page.id).seq == 1
        job = ctx.jobs.claim("process", "pg")
        assert job is not None and job.page_id == r.page.id
        img = tmp_path / "x.png"
        Image.new("RGB", (40, 30), (1, 2, 3)).save(img)
        assert len(ctx.capture.import_file(b.id, img).pages) == 1
        assert ctx.capture.import_file(b.id, img).duplicate
        # a second import racing past the first check is refused by the primary key, inserting nothing
        entry = ctx.capture.repo.find_import(ctx.capture.repo.imports()[0].file_sha256)
        assert entry is not None
        assert not ctx.capture.repo.add_pages([], file_sha256=entry.file_sha256)
        assert len(ctx.capture.list_pages(b.id)) == 2
    finally:
        ctx.close()


def test_migration_0002_down_and_up_on_postgres(pg_db_url: str) -> None:
    from sqlalchemy import inspect

    db = Database(pg_db_url)
    try:
        db.upgrade(backup=False)
        assert "import_log" in inspect(db.engine).get_table_names()
        db.downgrade("0001_core")
        assert "import_log" not in inspect(db.engine).get_table_names()
        db.upgrade(backup=False)
        assert db.current_revision() == db.head_revision()
        assert "import_log" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
