"""Issue 16 item 12: two ``hukou-scan sync`` runs at once never both upload everything.

Two real processes start together against the same target (a ``file://`` folder and
the moto S3 server); the sync lock row of the target lets exactly one of them upload,
the other refuses with a clear message and exit code 75 (or waits with ``--wait`` and
then finds nothing left to do).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.storage.security import AuditFilter
from hukou_scan.storage.sync import SyncRepository
from tests.s3_server import MotoS3
from tests.sync_helpers import make_batch

REPO = Path(__file__).resolve().parents[2]
N_OBJECTS = 2 * 12 * 2  # two batches of 12 pages, original + processed image each


def _settings(extra: str) -> None:
    cfg_dir = Path(os.environ["HUKOU_CONFIG_DIR"])
    cfg_dir.mkdir(parents=True, exist_ok=True)
    # 120 kB/s over ~720 kB: the first run takes ~6 s, long enough to overlap on a loaded machine.
    (cfg_dir / "settings.toml").write_text(f"[sync]\n{extra}workers = 2\nbandwidth_kbps = 120\n", "utf-8")


def _two_runs(*extra_args: str) -> list[tuple[int, dict[str, object] | None, str]]:
    cmd = [sys.executable, "-m", "hukou_scan", "sync", "--json", *extra_args]
    procs = [
        subprocess.Popen(cmd, cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=180)
        lines = stdout.decode().strip().splitlines()
        out.append((p.returncode, json.loads(lines[-1]) if lines else None, stderr.decode()))
    return out


def _check_one_uploads(ctx: AppContext, target: str) -> None:
    for seed in range(2):
        make_batch(ctx, 12, size=20_000, seed=seed)
    results = sorted(_two_runs(), key=lambda r: r[0])
    (ok_code, ok_out, _), (busy_code, busy_out, busy_err) = results
    assert ok_code == 0 and busy_code == 75, results
    assert ok_out is not None and ok_out["sync"]["uploaded"] == N_OBJECTS  # type: ignore[index]
    assert busy_out is None
    assert "另一个同步正在向同一目标上传" in busy_err and "Traceback" not in busy_err
    assert len(SyncRepository(ctx.db).objects(target)) == N_OBJECTS
    events = ctx.security.audit_store.query(AuditFilter(action="sync"), limit=50)
    assert sorted(e.outcome for e in events) == ["busy", "ok"]

    # With --wait the second run takes its turn and finds nothing left to upload.
    make_batch(ctx, 12, size=20_000, seed=7)
    results = sorted(_two_runs("--wait", "120"), key=lambda r: r[1]["sync"]["uploaded"])  # type: ignore[index]
    assert [r[0] for r in results] == [0, 0], results
    uploaded = [r[1]["sync"]["uploaded"] for r in results]  # type: ignore[index]
    assert uploaded == [0, 24]
    assert len(SyncRepository(ctx.db).objects(target)) == N_OBJECTS + 24


def test_two_syncs_to_a_folder(ctx: AppContext, tmp_path: Path) -> None:
    target = (tmp_path / "nas").as_uri()
    _settings(f'target = "{target}"\n')
    _check_one_uploads(ctx, target)


@pytest.mark.s3
def test_two_syncs_to_s3(ctx: AppContext, s3: MotoS3) -> None:
    bucket = s3.create_bucket("t-two-syncs")
    target = f"s3://{bucket}/st"
    o = s3.options()
    _settings(
        f'target = "{target}"\nendpoint_url = "{o["endpoint_url"]}"\nkey = "{o["key"]}"\n'
        f'secret = "{o["secret"]}"\nregion = "{o["region"]}"\n'
    )
    _check_one_uploads(ctx, target)
