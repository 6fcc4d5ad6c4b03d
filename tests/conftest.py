"""Shared fixtures.  Every test runs with its own config/data dirs so nothing leaks
between tests or into the developer's real settings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.config import Settings, load_settings
from hukou_scan.storage.db import Database
from tests.postgres_server import PostgresServer, PostgresUnavailable
from tests.s3_server import MotoS3, bucket_name

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUKOU_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HUKOU_DATA_DIR", str(tmp_path / "data"))
    for var in ("HUKOU_DB_URL", "HUKOU_STORAGE_URL", "HUKOU_OCR_ENGINE", "HUKOU_STATION", "HUKOU_CAMERA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HUKOU_LANG", "zh_CN")
    monkeypatch.setenv("HUKOU_KEYRING", "file")  # never the developer's desktop keyring


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database built once by ``alembic upgrade head``; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade(backup=False)
    db.dispose()
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_sqlite: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(migrated_sqlite, data / "hukou.sqlite3")
    return load_settings()


@pytest.fixture
def ctx(settings: Settings) -> Iterator[AppContext]:
    context = AppContext(settings, log_to_file=False)
    yield context
    context.close()


CLI_USER = "cli-admin"
CLI_PASSWORD = "Cli-Test-Passw0rd!"


@pytest.fixture
def cli_login(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A product user with every role, logged in for CLI commands the way scripts do it
    (``HUKOU_USER`` + a 0600 ``HUKOU_PASSWORD_FILE``, see hukou_scan/cli/_auth.py).

    Cheap argon2 parameters in ``[security]`` keep each command's password check fast.
    """
    from argon2 import PasswordHasher

    from hukou_scan.domain import Role
    from hukou_scan.security.passwords import PasswordHashing

    cfg = settings.config_dir
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "settings.toml").write_text(
        "[security]\nargon2_time_cost = 1\nargon2_memory_kib = 1024\nargon2_parallelism = 1\n", "utf-8"
    )
    ctx = AppContext(settings, log_to_file=False)
    try:
        sec = ctx.security
        sec.hashing = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        user = sec.create_first_admin(CLI_USER, "测试管理员", CLI_PASSWORD)
        sec.users.update(user.id, roles=sorted(Role), all_stations=True)
    finally:
        ctx.close()
    pw = tmp_path / "cli-password"
    pw.write_text(CLI_PASSWORD + "\n", "utf-8")
    pw.chmod(0o600)
    monkeypatch.setenv("HUKOU_USER", CLI_USER)
    monkeypatch.setenv("HUKOU_PASSWORD_FILE", str(pw))
    return CLI_USER


@pytest.fixture
def real_data() -> Path:
    """The shared folder of real public document images (skips when it is absent)."""
    if not REAL_DATA.exists():
        pytest.skip(f"real document images not found at {REAL_DATA} (../shared/data/real)")
    return REAL_DATA


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole session (loopback, temp dir; ≈1–2 s to start).

    Fails (does not skip) when the binaries are missing: packaging/setup.sh installs them.
    """
    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as e:
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of the session server's maintenance database (``postgres``)."""
    return postgres_server.url("postgres")


@pytest.fixture
def pg_db_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session server for one test; dropped afterwards."""
    url = postgres_server.create_database()
    yield url
    if postgres_server.running:
        postgres_server.drop_database(url)


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoS3]:
    """moto's S3-protocol server on loopback, one per test module (tests of the ``s3`` marker).

    A test may stop and start it to play an outage: moto keeps the buckets in the process,
    so they come back with it.
    """
    server = MotoS3().start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3: MotoS3, request: pytest.FixtureRequest) -> str:
    """A fresh bucket for this test alone (the server is started again if a test left it down)."""
    if not s3.running:
        s3.start()
    return s3.create_bucket(bucket_name(request.node.nodeid))
