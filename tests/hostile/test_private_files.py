"""Issue 16 item 7: files with personal data or secrets are 0600 (folders 0700) whatever
the umask, stay so when rewritten, and the S3 secret leaves ``settings.toml`` for the
keyring (here the 0600 file fallback: there is no OS keyring on a headless station)."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.config import SecretStore, load_settings, resolved_section, save_settings
from tests.export_pages import seed

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_settings_file_is_private_and_stays_private(tmp_path: Path) -> None:
    cfg = Path(os.environ["HUKOU_CONFIG_DIR"])
    s = load_settings()
    path = save_settings(s.with_changes(extra={"sync": {"target": "file:///x"}}))
    assert mode(path) == 0o600 and mode(cfg) == 0o700
    path.chmod(0o644)  # an administrator's slip, or an older build
    s = load_settings()
    save_settings(s.with_changes(extra={**s.extra, "capture": {"hot_folder": str(tmp_path)}}))
    assert mode(path) == 0o600
    # an ordinary command (it saves a settings section) never makes it 0644 again
    ctx = AppContext(load_settings(), log_to_file=False)
    try:
        ctx.save_settings_section("capture", {"hot_folder": str(tmp_path / "in")})
    finally:
        ctx.close()
    assert mode(path) == 0o600


def test_plaintext_s3_secret_moves_to_the_keyring_on_start() -> None:
    cfg = Path(os.environ["HUKOU_CONFIG_DIR"])
    cfg.mkdir(parents=True)
    path = cfg / "settings.toml"
    path.write_text('[sync]\ntarget = "s3://b/p"\nkey = "AKIA-TEST"\nsecret = "s3cr3t-value"\n', "utf-8")
    path.chmod(0o644)
    ctx = AppContext(log_to_file=False)
    try:
        text = path.read_text("utf-8")
        assert "s3cr3t-value" not in text and 'secret = "keyring:sync.secret"' in text
        assert mode(path) == 0o600
        assert SecretStore(cfg).get("sync.secret") == "s3cr3t-value"
        assert mode(cfg / "secrets.json") == 0o600
        # the service sees the real secret
        assert ctx.sync.config.options["secret"] == "s3cr3t-value"
        assert resolved_section(ctx.settings, "sync")["secret"] == "s3cr3t-value"
    finally:
        ctx.close()
    # saving settings with a new plaintext secret stores it in the keyring too
    s = load_settings()
    save_settings(s.with_changes(extra={**s.extra, "sync": {**s.section("sync"), "secret": "rotated"}}))
    assert "rotated" not in path.read_text("utf-8")
    assert SecretStore(cfg).get("sync.secret") == "rotated"


def test_database_logs_page_store_and_exports_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging.handlers

    root = logging.getLogger()  # an earlier test's log file handler would be kept otherwise
    kept = [h for h in root.handlers if not isinstance(h, logging.handlers.RotatingFileHandler)]
    monkeypatch.setattr(root, "handlers", kept)
    ctx = AppContext(load_settings())  # fresh data dir, log to file
    try:
        data = ctx.settings.data_dir
        s = seed(ctx, n_pages=2, link=False)
        db = data / "hukou.sqlite3"
        assert mode(data) == 0o700
        assert mode(db) == 0o600
        for companion in (data / "hukou.sqlite3-wal", data / "hukou.sqlite3-shm"):
            if companion.exists():
                assert mode(companion) == 0o600, companion
        assert ctx.log_path is not None
        logging.getLogger("hukou_scan.test").warning("probe")
        assert mode(ctx.log_path) == 0o600 and mode(ctx.log_path.parent) == 0o700
        blob = ctx.blobs.path_for(s.pages[0].original_sha256)
        assert mode(blob) == 0o600
        assert (
            mode(blob.parent) == 0o700 and mode(blob.parent.parent) == 0o700 and mode(ctx.blobs.root) == 0o700
        )
        from hukou_scan.services.export import ExportRequest, ExportSource

        out = tmp_path / "new" / "x.pdf"
        res = ctx.export.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="p", output=out))
        assert mode(res.path) == 0o600 and mode(out.parent) == 0o700
        res = ctx.export.export(
            ExportRequest(
                ExportSource.batch(s.batch.id), purpose="p", output=out, overwrite=True, password="pw"
            )
        )
        assert mode(res.path) == 0o600
        # CSV exports: audit, warnings, stats, bad rows
        audit_csv = tmp_path / "audit.csv"
        ctx.security.export_audit_csv(audit_csv, purpose="t")
        assert mode(audit_csv) == 0o600
        warn_csv = tmp_path / "w.csv"
        ctx.registry.export_warnings_csv(warn_csv)
        assert mode(warn_csv) == 0o600
        stats_csv = tmp_path / "stats.csv"
        ctx.dashboard.export_csv(ctx.dashboard.report(), stats_csv)
        assert mode(stats_csv) == 0o600
        reg = tmp_path / "reg.csv"
        with open(reg, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["姓名", "公民身份号码"], ["张三", "12345"]])
        bad = tmp_path / "bad.csv"
        bad.write_text("old", "utf-8")
        bad.chmod(0o644)
        ctx.registry.import_file(reg, bad_rows_out=bad)
        assert mode(bad) == 0o600  # rewritten: brought back to 0600
        # an upgrade backup of the database
        ctx.db.downgrade("0009_security")
        backup = ctx.db.upgrade()
        assert backup is not None and mode(Path(backup)) == 0o600
    finally:
        ctx.close()
        for h in root.handlers:
            if h not in kept:
                h.close()


def test_existing_0644_database_is_tightened(settings) -> None:  # type: ignore[no-untyped-def]
    db = settings.data_dir / "hukou.sqlite3"
    db.chmod(0o644)
    ctx = AppContext(settings, log_to_file=False)
    ctx.close()
    assert mode(db) == 0o600


def test_sync_key_file_is_private(tmp_path: Path) -> None:
    from hukou_scan.sync.crypto import generate_key_file

    key = generate_key_file(tmp_path / "keys" / "sync.key")
    assert mode(key) == 0o600 and mode(key.parent) == 0o700


def test_cli_run_under_umask_022_creates_private_files(tmp_path: Path) -> None:
    env = dict(os.environ, HUKOU_DATA_DIR=str(tmp_path / "cli-data"))
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.umask(0o022); from hukou_scan.cli import main; main(['db','upgrade'])",
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    data = tmp_path / "cli-data"
    assert mode(data) == 0o700 and mode(data / "hukou.sqlite3") == 0o600
    assert mode(data / "logs" / "hukou-scan.log") == 0o600


@pytest.mark.usefixtures("cli_login")
def test_pdf_password_from_the_keyring(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    import pikepdf

    from hukou_scan.cli import main

    s = seed(ctx, n_pages=1, link=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("Pdf-Passw0rd\n"))
    assert main(["secret", "set", "export.pdf", "--stdin"]) == 0
    assert "Pdf-Passw0rd" not in (Path(os.environ["HUKOU_CONFIG_DIR"]) / "settings.toml").read_text("utf-8")
    out = tmp_path / "locked.pdf"
    argv = [
        "export",
        "--batch",
        s.batch.id,
        "-o",
        str(out),
        "--purpose",
        "p",
        "--password",
        "keyring:export.pdf",
    ]
    assert main(argv) == 0
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    pikepdf.open(out, password="Pdf-Passw0rd").close()
    assert mode(out) == 0o600


def test_concurrent_settings_writes_never_collide(tmp_path: Path) -> None:
    """Two processes starting at once both move a plaintext secret out of settings.toml;
    with one shared ``settings.tmp`` one of them failed ("No such file or directory")."""
    import threading

    from hukou_scan.config import load_settings, save_settings

    settings = load_settings(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(40):
                save_settings(settings)
        except BaseException as e:  # collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert stat.S_IMODE(settings.settings_path.stat().st_mode) == 0o600
    assert not [p for p in settings.settings_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert (
        load_settings(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data").station_code
        == settings.station_code
    )
