"""Sync under faults, against a real S3-protocol server (moto) started on loopback by the tests.

Each test injects faults, lets sync finish, then counts lost pages and duplicates on
the target (and after a restore from the target alone).  The totals are printed at the
end of the module (run with ``-s`` to see them) and must be zero lost, zero duplicates.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain import SyncState
from hukou_scan.errors import StorageError, SyncError
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.sync import SyncConfig, SyncService, restore_archive
from hukou_scan.storage.blobstore import BlobStore
from hukou_scan.storage.sync import SyncRepository
from hukou_scan.sync.store import open_store
from tests.polling import wait_until
from tests.s3_server import MotoS3
from tests.sync_helpers import check_remote, fault_summary, make_batch, record

pytestmark = [pytest.mark.s3, pytest.mark.slow, pytest.mark.usefixtures("fault_summary")]
REPO = Path(__file__).resolve().parents[2]
__all__ = ["fault_summary"]  # the module-scoped fixture that prints the totals


def make_service(ctx: AppContext, s3: MotoS3, target: str, **cfg: Any) -> SyncService:
    config = SyncConfig(
        target=target, options=s3.options(), backoff_base_s=0.05, offline_backoff_max_s=0.5, **cfg
    )
    return SyncService(config, SyncRepository(ctx.db), ctx.blobs, ctx.station, OpenGuard())


def verified_objects(ctx: AppContext, target: str) -> int:
    return len(SyncRepository(ctx.db).objects(target, ["verified"]))


def test_storage_server_killed_mid_upload(ctx: AppContext, s3: MotoS3, bucket: str, tmp_path: Path) -> None:
    for seed in range(3):
        make_batch(ctx, 10, size=60_000, seed=seed)
    target = f"s3://{bucket}/st"
    svc = make_service(ctx, s3, target, max_attempts=2, bandwidth_bytes_per_s=600_000, workers=2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            svc.sync_now()
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    wait_until(lambda: verified_objects(ctx, target) >= 5, 30)
    s3.stop()  # the storage server dies with uploads in flight
    t.join(60)
    assert errors and isinstance(errors[0], SyncError) and errors[0].retryable
    partial = verified_objects(ctx, target)
    assert 5 <= partial < 60
    s3.start()  # it comes back (moto keeps its data in-process, like a real server's disk)
    rep = svc.sync_now()
    assert rep.verified == 60 - partial and not rep.failed
    store = svc.engine().store
    rrep = restore_archive(svc.config, target, tmp_path / "restored")
    result = check_remote(ctx, store, tmp_path / "restored")
    assert rrep.ok and result["lost"] == 0 and result["duplicates"] == 0 and result["restored_pages"] == 30
    record(result, faults=1)


def test_connections_refused_for_a_while_then_background_catches_up(
    ctx: AppContext, s3: MotoS3, bucket: str
) -> None:
    batch = make_batch(ctx, 8, size=10_000)
    target = f"s3://{bucket}/st"
    svc = make_service(ctx, s3, target, max_attempts=1, interval_s=0.2)
    s3.stop()  # nothing listens on the port: connection refused
    svc.start_background(interval_s=0.2)
    try:
        wait_until(lambda: svc.status().offline, 30)
        time.sleep(1.0)  # several refused attempts while offline
        assert {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.LOCAL}
        s3.start()
        wait_until(lambda: {p.sync_state for p in ctx.pages.list_batch(batch.id)} == {SyncState.VERIFIED}, 30)
        wait_until(lambda: not svc.status().offline, 30)
    finally:
        svc.stop()
    result = check_remote(ctx, svc.engine().store)
    assert result["lost"] == 0 and result["duplicates"] == 0
    record(result, faults=1)


def test_remote_objects_corrupted_and_deleted_are_found_and_reuploaded(
    ctx: AppContext, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    make_batch(ctx, 6, size=8_000)
    target = f"s3://{bucket}/st"
    svc = make_service(ctx, s3, target)
    svc.sync_now()
    client = s3.client()
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="st/objects/")["Contents"])
    client.delete_object(Bucket=bucket, Key=keys[0])
    # Same size, different bytes, stored without a SHA-256 checksum: only a re-read finds it.
    body = client.get_object(Bucket=bucket, Key=keys[1])["Body"].read()
    client.put_object(Bucket=bucket, Key=keys[1], Body=body[::-1])
    # Different bytes stored *with* their own SHA-256: the server checksum no longer matches ours.
    client.put_object(Bucket=bucket, Key=keys[2], Body=b"garbage" * 10, ChecksumAlgorithm="SHA256")
    man = next(k["Key"] for k in client.list_objects_v2(Bucket=bucket, Prefix="st/manifests/")["Contents"])
    client.delete_object(Bucket=bucket, Key=man)
    vrep, srep = svc.verify()
    assert len(vrep.missing) == 1 and len(vrep.corrupt) == 2 and len(vrep.manifests_bad) == 1
    assert srep is not None and srep.uploaded == 3 and srep.manifests_written == 1
    assert svc.verify(deep=True)[0].clean
    rrep = restore_archive(svc.config, target, tmp_path / "restored")
    result = check_remote(ctx, svc.engine().store, tmp_path / "restored")
    assert rrep.ok and result["lost"] == 0 and result["duplicates"] == 0
    record(result, faults=4)


def test_sync_process_killed_with_sigkill_mid_batch_then_restarted(
    ctx: AppContext, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    for seed in range(2):
        make_batch(ctx, 20, size=40_000, seed=seed)
    target = f"s3://{bucket}/st"
    cfg_dir = Path(os.environ["HUKOU_CONFIG_DIR"])
    cfg_dir.mkdir(parents=True, exist_ok=True)
    opts = s3.options()
    settings = (
        "[sync]\n"
        f'target = "{target}"\nendpoint_url = "{opts["endpoint_url"]}"\nkey = "testing"\nsecret = "testing"\n'
        'region = "us-east-1"\nworkers = 2\nbandwidth_kbps = 400\nbackoff_base_s = 0.05\n'
    )
    (cfg_dir / "settings.toml").write_text(settings, "utf-8")
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "hukou_scan", "sync", "--json"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: verified_objects(ctx, target) >= 6, 60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    partial = verified_objects(ctx, target)
    assert 6 <= partial < 80
    # Second run, no bandwidth limit: it completes what the killed one started.
    (cfg_dir / "settings.toml").write_text(settings.replace("bandwidth_kbps = 400", "bandwidth_kbps = 0"))
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert out["pages"] == {"verified": 40}
    assert out["sync"]["uploaded"] + out["sync"]["already_present"] == 80 - partial
    store = open_store(target, opts)
    rrep = restore_archive(SyncConfig(options=opts), target, tmp_path / "restored")
    result = check_remote(ctx, store, tmp_path / "restored")
    assert rrep.ok and result["lost"] == 0 and result["duplicates"] == 0
    assert len(SyncRepository(ctx.db).objects(target)) == 80  # one outbox row per object, no duplicates
    record(result, faults=1)


@contextlib.contextmanager
def tiny_tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {res.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_restore_onto_a_full_disk_fails_clearly_and_corrupts_nothing(
    ctx: AppContext, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    make_batch(ctx, 20, size=100_000)
    target = f"s3://{bucket}/st"
    svc = make_service(ctx, s3, target)
    svc.sync_now()
    with tiny_tmpfs(tmp_path / "small", "1500k") as small:
        into = small / "restored"
        with pytest.raises(StorageError) as exc:
            restore_archive(svc.config, target, into, cancel=None)
        assert "磁盘已满" in exc.value.zh and "disk is full" in exc.value.en
        blobs = BlobStore(into / "blobs")
        sweep = blobs.sweep(referenced=set(blobs.iter_hashes()), verify=True)
        assert sweep.corrupt == [] and sweep.missing == []  # every file written is whole
        assert not list((into / "blobs").rglob("*.part"))
        partial = len(list(blobs.iter_hashes()))
        assert 0 < partial < 40
        # Space freed: the same restore resumes and completes.
        subprocess.run(["mount", "-o", "remount,size=20m", str(small)], check=True)
        rep = restore_archive(svc.config, target, into)
        assert rep.ok and rep.objects_present == partial
        result = check_remote(ctx, svc.engine().store, into)
        assert result["lost"] == 0 and result["duplicates"] == 0
    record(result, faults=1)


def test_encrypted_sync_with_read_back_verification_and_restore(
    ctx: AppContext, s3: MotoS3, bucket: str, tmp_path: Path
) -> None:
    from hukou_scan.sync.crypto import generate_key_file

    make_batch(ctx, 5, size=20_000)
    key = generate_key_file(tmp_path / "sync.key")
    target = f"s3://{bucket}/enc"
    svc = make_service(ctx, s3, target, encrypt=True, key_file=str(key), verify_after_upload="read")
    rep = svc.sync_now()
    assert rep.verified == 10 and not rep.failed
    client = s3.client()
    for obj in client.list_objects_v2(Bucket=bucket, Prefix="enc/")["Contents"]:
        assert client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()[:4] == b"HKE1"
    assert svc.verify(deep=True)[0].clean
    rrep = restore_archive(SyncConfig(options=s3.options()), target, tmp_path / "r", key_file=str(key))
    result = check_remote(ctx, _DecryptingStore(svc), tmp_path / "r")
    assert rrep.ok and result["lost"] == 0 and result["duplicates"] == 0


class _DecryptingStore:
    """Read-only view of an encrypted target for :func:`check_remote` (which parses manifests)."""

    def __init__(self, svc: SyncService) -> None:
        self.store = svc.engine().store
        self.cipher = svc.engine().cipher

    def list(self, prefix: str) -> Any:
        return self.store.list(prefix)

    def get(self, key: str) -> bytes:
        assert self.cipher is not None
        return self.cipher.decrypt(self.store.get(key))
