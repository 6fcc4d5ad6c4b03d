"""Issue 16 item 8: the quick page-store check (``db check`` without ``--verify``)
catches a truncated page file by its recorded size, without hashing."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import delete

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import BatchCategory, PaperLocation
from hukou_scan.services.capture import BatchDraft
from hukou_scan.storage.records.hardening import BlobSizeRecord


def _page_sha(ctx: AppContext) -> str:
    batch = ctx.capture.new_batch(
        BatchDraft(
            archive_id="A-16-8",
            category=BatchCategory.MOVE_IN,
            location=PaperLocation(room="1", cabinet="1", shelf="1", box="1", volume="1"),
        )
    )
    noise = np.random.default_rng(8).integers(0, 255, (1100, 1500, 3), dtype=np.uint8)
    receipt = ctx.capture.capture(batch.id, noise, source_device="test")
    return ctx.pages.get(receipt.page.id).original_sha256


def _check(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, object]]:
    code = main(["db", "check", "--json", *extra])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_quick_check_reports_truncated_page_file(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    sha = _page_sha(ctx)
    path = ctx.blobs.path_for(sha)
    assert path.stat().st_size > 1_500_000  # a ~2 MB camera original
    code, report = _check(capsys)
    assert code == 0 and report["corrupt"] == []  # intact
    with open(path, "r+b") as fh:
        fh.truncate(1024)
    code, report = _check(capsys)
    assert code == 7 and report["corrupt"] == [sha] and report["clean"] is False
    code, report = _check(capsys, "--verify")  # hashing still finds it too
    assert code == 7 and report["corrupt"] == [sha]


def test_quick_check_learns_sizes_of_files_written_before_sizes_were_kept(
    ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = _page_sha(ctx)
    with ctx.db.session() as s:
        s.execute(delete(BlobSizeRecord))  # as after upgrading an older database
    code, report = _check(capsys)
    assert code == 0 and report["corrupt"] == []
    assert ctx.blob_sizes.sizes() == {sha: ctx.blobs.path_for(sha).stat().st_size}
    with open(ctx.blobs.path_for(sha), "r+b") as fh:
        fh.truncate(1024)
    code, report = _check(capsys)
    assert code == 7 and report["corrupt"] == [sha]
