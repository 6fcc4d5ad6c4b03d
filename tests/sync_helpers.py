"""Synthetic pages and shared helpers for the sync tests and benchmark (random bytes or noise
frames; never real residents' data)."""

from __future__ import annotations

import json
import os
import random
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from hukou_scan.app import AppContext
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    LinkMethod,
    OcrResult,
    OcrWord,
    Page,
    PageLink,
    PaperLocation,
    Person,
    new_id,
)
from hukou_scan.services.capture import BatchDraft
from hukou_scan.storage.records.core import JobRecord
from tests.s3_server import MotoS3


def make_batch(ctx: AppContext, n_pages: int, size: int = 20_000, seed: int = 0, link: bool = True) -> Batch:
    """A batch with ``n_pages`` pages (original + processed image each), OCR text and a link."""
    rng = random.Random(seed)
    batch = ctx.batches.add(
        Batch(
            id=new_id(),
            archive_id=f"A-{seed:04d}",
            category=BatchCategory.BIRTH,
            station_id=ctx.station.id,
            location=PaperLocation(room="一", cabinet="3", shelf="2", box=str(seed), volume="1"),
            created_by="clerk1",
        )
    )
    person = Person(id=new_id(), name=f"测试人{seed}", id_number="", household_no=f"H{seed:05d}")
    if link:
        ctx.persons.upsert_many([person])
    t0 = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None) + timedelta(days=seed)
    for i in range(1, n_pages + 1):
        original = ctx.blobs.put(rng.randbytes(size))
        processed = ctx.blobs.put(rng.randbytes(size // 2))
        page = Page(
            id=new_id(),
            batch_id=batch.id,
            seq=i,
            original_sha256=original,
            captured_at=t0 + timedelta(seconds=i),
            operator="clerk1",
        )
        ctx.pages.add(page)
        ctx.pages.update(page.id, processed_sha256=processed)
        ctx.pages.save_ocr(
            page.id,
            OcrResult(
                text=f"常住人口登记表 第{i}页",
                words=[OcrWord("常住人口登记表", 10, 10, 200, 30, 0.9)],
                engine="fake",
                width=100,
                height=100,
            ),
        )
        if link and i == 1:
            ctx.links.link(
                PageLink(page_id=page.id, person_id=person.id, method=LinkMethod.MANUAL, score=1.0)
            )
    return batch


# -- upload requests as queue jobs, against the moto server (the s3/bucket fixtures) --
def sync_section(s3: MotoS3, bucket: str, **extra: Any) -> str:
    """A ``[sync]`` section pointing at ``s3://bucket/st`` (values of ``extra`` as TOML scalars)."""
    o = s3.options()
    lines = [
        f'target = "s3://{bucket}/st"',
        f'endpoint_url = "{o["endpoint_url"]}"',
        f'key = "{o["key"]}"',
        f'secret = "{o["secret"]}"',
        f'region = "{o["region"]}"',
        "backoff_base_s = 0.05",
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    return "\n[sync]\n" + "\n".join(lines) + "\n"


def capture_pages(ctx: AppContext, n: int, seed: int = 0, size: tuple[int, int] = (240, 320)) -> list[str]:
    """``n`` camera captures (noise frames, so every original is different) in a new batch."""
    rng = np.random.default_rng(seed)
    batch = ctx.capture.new_batch(
        BatchDraft(archive_id=f"S-{seed}-{new_id()[:6]}", category=BatchCategory.BIRTH)
    )
    return [
        ctx.capture.capture(batch.id, rng.integers(0, 255, (*size, 3), dtype=np.uint8)).page.id
        for _ in range(n)
    ]


def bucket_keys(s3: MotoS3, bucket: str) -> set[str]:
    """The object keys under ``s3://bucket/st/objects/`` (what an upload run put there)."""
    listing = s3.client().list_objects_v2(Bucket=bucket, Prefix="st/objects/")
    return {o["Key"] for o in listing.get("Contents", [])}


def sync_rows(ctx: AppContext) -> list[JobRecord]:
    """The station's upload-request rows, oldest first (detached, to read after the session)."""
    with ctx.db.session() as s:
        rows = list(
            s.scalars(select(JobRecord).where(JobRecord.kind == "sync").order_by(JobRecord.created_at))
        )
        s.expunge_all()
    return rows


def kill_a_sync_worker_mid_upload(ctx: AppContext, tmp_path: Path) -> int:
    """Two batches of 15 pages and an upload request; a ``worker --sync`` process (with the
    station's settings under ``tmp_path/config``, slow enough by their bandwidth limit) is
    SIGKILLed once 6 objects are verified.  Returns how many were verified by then."""
    from hukou_scan.storage.sync import SyncRepository
    from tests.integration.test_queue_postgres import start_worker, wait_until, worker_env

    for seed in range(2):
        make_batch(ctx, 15, size=40_000, seed=seed)
    assert ctx.sync.request()
    target, repo = ctx.sync.target, SyncRepository(ctx.db)
    doomed = start_worker(
        worker_env(tmp_path, tmp_path / "config", tmp_path / "data"), "--sync", "--name", "doomed"
    )
    try:
        wait_until(lambda: len(repo.objects(target, ["verified"])) >= 6, 90)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
        doomed.communicate()
    partial = len(repo.objects(target, ["verified"]))
    assert 6 <= partial < 60
    return partial


# -- fault accounting shared by the integration fault tests ---------------------------
FAULTS: dict[str, int] = {"pages_synced": 0, "faults_injected": 0, "pages_lost": 0, "duplicates": 0}


def check_remote(ctx: AppContext, store: Any, restore_into: Path | None = None) -> dict[str, int]:
    """Count lost pages and duplicates on a target (and, optionally, after a restore).

    *Lost*: a live page that is not ``verified`` locally, or whose objects are not all on
    the target, or that no manifest describes.  *Duplicates*: objects on the target no
    page references, a page described by two manifests or twice in one, or restored rows
    beyond the original count.
    """
    from hukou_scan.domain import PageState, SyncState
    from hukou_scan.sync.manifest import page_hashes

    pages = [p for b in ctx.batches.list(station_id=ctx.station.id) for p in ctx.pages.list_batch(b.id)]
    live = [p for p in pages if p.state != PageState.DELETED]
    expected = {h for p in pages for h in page_hashes(p)}
    remote = [k.rsplit("/", 1)[-1] for k in store.list("objects/")]
    described: list[str] = []
    for key in store.list("manifests/"):
        man = json.loads(store.get(key))
        described.extend(p["id"] for p in man["pages"])
    remote_set = set(remote)
    lost = sum(
        1
        for p in live
        if p.sync_state != SyncState.VERIFIED
        or not set(page_hashes(p)) <= remote_set
        or p.id not in described
    )
    dups = (
        (len(remote) - len(remote_set)) + len(remote_set - expected) + (len(described) - len(set(described)))
    )
    result = {"pages": len(live), "lost": lost, "duplicates": dups}
    if restore_into is not None:
        from hukou_scan.storage.db import Database
        from hukou_scan.storage.sync import RestoreWriter

        db = Database(f"sqlite:///{restore_into / 'hukou.sqlite3'}")
        try:
            counts = RestoreWriter(db).counts()
        finally:
            db.dispose()
        result["restored_pages"] = counts["pages"]
        result["duplicates"] += max(0, counts["pages"] - len(live))
        result["lost"] += max(0, len(live) - counts["pages"])
    return result


def record(result: dict[str, int], faults: int) -> None:
    FAULTS["pages_synced"] += result["pages"]
    FAULTS["faults_injected"] += faults
    FAULTS["pages_lost"] += result["lost"]
    FAULTS["duplicates"] += result["duplicates"]


@pytest.fixture(scope="module")
def fault_summary() -> Iterator[None]:
    """Print (and save to .pytest_cache) the running fault totals when a fault-test module ends."""
    yield
    line = json.dumps({"sync_fault_summary": FAULTS})
    print("\n" + line)
    cache = Path(__file__).resolve().parents[1] / ".pytest_cache"
    cache.mkdir(exist_ok=True)
    (cache / "sync_fault_summary.json").write_text(line + "\n")
