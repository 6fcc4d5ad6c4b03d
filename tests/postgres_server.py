"""A throw-away PostgreSQL server for the test session.

Why hand-written: the Debian ``postgresql`` package gives us the binaries but no
running cluster, and pytest-postgresql / testing.postgresql are not installed here and
would not handle running as root.  This runs ``initdb`` into a private temporary
directory and starts ``postgres`` on a free loopback port (127.0.0.1 only, unix socket
in the same temporary directory), with durability switched off for speed.

PostgreSQL refuses to run as root, so when the effective uid is 0 the data directory is
chowned to the ``postgres`` system user (created by the Debian package) and the server
runs as that user (``subprocess.Popen(user=...)``, same effect as ``runuser -u postgres``).

Usage::

    with PostgresServer() as server:
        url = server.create_database()      # postgresql+psycopg://postgres@127.0.0.1:PORT/test_1
        ...
        server.restart()                    # same port and data, new process

The server is stopped and its directory removed by :meth:`stop` / the context manager,
and also at interpreter exit (``atexit``) if a test run is interrupted.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

PG_BIN_DIR = Path(os.environ.get("HUKOU_PG_BIN", "/usr/lib/postgresql/15/bin"))
_RUN_AS = "postgres"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries are missing or the server could not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One private PostgreSQL cluster on loopback; see the module docstring."""

    def __init__(
        self,
        bin_dir: Path = PG_BIN_DIR,
        start_timeout: float = 30.0,
        persistent_dir: Path | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        """``persistent_dir``: keep the cluster there across runs (benchmark data caches):
        initdb only if it holds no cluster yet, and :meth:`stop` leaves it in place.
        ``settings``: extra ``-c name=value`` server settings."""
        self.bin_dir = bin_dir
        self.start_timeout = start_timeout
        self.port = 0
        self.base_dir: Path | None = None
        self.persistent_dir = persistent_dir
        self.settings = dict(settings or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._counter = itertools.count(1)
        self._user: str | None = None
        self._uid: int | None = None
        self._gid: int | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "sock"

    @property
    def log_path(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "postgres.log"

    def start(self) -> None:
        """initdb (first time only) and start the server; returns when it accepts connections."""
        for tool in ("initdb", "postgres"):
            if not (self.bin_dir / tool).exists():
                raise PostgresUnavailable(
                    f"PostgreSQL binary {self.bin_dir / tool} not found: install the Debian package "
                    "'postgresql' (packaging/setup.sh does) or set HUKOU_PG_BIN to its bin directory."
                )
        if self.base_dir is None and self.persistent_dir is not None:
            self._adopt_persistent()
        if self.base_dir is None:
            self._init_cluster()
        if self.port == 0:
            self.port = _free_port()
        self._launch()

    def _adopt_persistent(self) -> None:
        assert self.persistent_dir is not None
        self._resolve_user()
        if (self.persistent_dir / "data" / "PG_VERSION").exists():
            self.base_dir = self.persistent_dir
            atexit.register(self._terminate)
            return
        shutil.rmtree(self.persistent_dir, ignore_errors=True)  # a half-made cluster
        self.persistent_dir.mkdir(parents=True)
        self.base_dir = self.persistent_dir
        self._initdb()

    def _resolve_user(self) -> None:
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(_RUN_AS)
            except KeyError as e:
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' system user to run the server as"
                ) from e
            self._user, self._uid, self._gid = _RUN_AS, pw.pw_uid, pw.pw_gid

    def _init_cluster(self) -> None:
        self._resolve_user()
        # Directly in the system temp dir: the postgres user must be able to traverse it,
        # which pytest's 0700 tmp_path parents do not allow.
        self.base_dir = Path(tempfile.mkdtemp(prefix="hukou-pg-"))
        atexit.register(self.stop)
        self._initdb()

    def _initdb(self) -> None:
        assert self.base_dir is not None
        self.socket_dir.mkdir()
        if self._uid is not None and self._gid is not None:
            for p in (self.base_dir, self.socket_dir):
                os.chown(p, self._uid, self._gid)
        result = subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            capture_output=True,
            user=self._user,
            group=self._gid,
            extra_groups=[] if self._user else None,
            cwd=self.base_dir,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                "initdb failed: "
                + result.stderr.decode(errors="replace")
                + result.stdout.decode(errors="replace")
            )

    def _launch(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            self._proc = subprocess.Popen(
                [
                    str(self.bin_dir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.socket_dir),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=60",
                    "-c",
                    "shared_buffers=32MB",
                    *(a for k, v in self.settings.items() for a in ("-c", f"{k}={v}")),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                user=self._user,
                group=self._gid,
                extra_groups=[] if self._user else None,
                cwd=self.base_dir,
                start_new_session=True,  # a Ctrl-C in the terminal must not reach it before we stop it
            )
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._proc.poll() is not None:
                raise PostgresUnavailable(f"postgres exited at start:\n{self.log_tail()}")
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self._terminate()
                    raise PostgresUnavailable(
                        f"postgres did not accept connections:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.05)

    def _terminate(self, timeout: float = 20.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)  # "fast" shutdown: disconnects clients, no waiting
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGQUIT)  # "immediate" shutdown
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def restart(self) -> None:
        """Stop and start again on the same port and data (for reconnect tests)."""
        self._terminate()
        self._launch()

    def stop_server_only(self) -> None:
        """Stop the server process but keep the data (pair with :meth:`start`)."""
        self._terminate()

    def stop(self) -> None:
        """Stop the server and delete its directory.  Safe to call twice."""
        self._terminate()
        if self.base_dir is not None:
            if self.base_dir != self.persistent_dir:
                shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        with contextlib.suppress(Exception):
            atexit.unregister(self._terminate)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    # -- databases ----------------------------------------------------------------------
    def dsn(self, dbname: str = "postgres") -> str:
        """libpq connection string (for psycopg directly)."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL for a database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        """CREATE a fresh, empty database and return its SQLAlchemy URL."""
        if name is None:
            name = f"test_{os.getpid()}_{next(self._counter)}"
        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name {name!r}")
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        return self.url(name)

    def drop_database(self, name_or_url: str) -> None:
        """DROP a database, disconnecting anyone still using it."""
        name = name_or_url.rsplit("/", 1)[-1]
        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name {name!r}")
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
