"""A throw-away S3-protocol server (moto's ``ThreadedMotoServer``) on loopback for the sync tests.

moto keeps its buckets in process-global state, so :meth:`MotoS3.stop` followed by
:meth:`MotoS3.start` on the same port behaves like a storage server that went away
and came back with its data - which is exactly the outage the fault tests need.
"""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
import time
from typing import Any

CREDENTIALS = {"key": "testing", "secret": "testing", "region": "us-east-1"}


def bucket_name(test_id: str) -> str:
    """An S3 bucket name (3-63 characters of ``a-z0-9-``) for one test, from its pytest node id.

    moto keeps every bucket of every server in one process-wide store, so the name must be
    unique across modules, not only within one: the test's name makes it readable, a short
    digest of the whole id (module included) makes it unique.
    """
    test = re.sub(r"[^a-z0-9]+", "-", test_id.rpartition("::")[2].lower()).strip("-")[:50].strip("-")
    return f"{test or 'test'}-{hashlib.sha256(test_id.encode()).hexdigest()[:10]}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoS3:
    """moto's S3 server on loopback.

    Args:
        port: fixed port (default: a free one).
        external: run it as a separate process (``python -m moto.server``) so that its CPU
            work does not share the GIL with the client - fairer for benchmarks.  An
            external server loses its data when stopped.
    """

    def __init__(self, port: int | None = None, external: bool = False) -> None:
        self.port = port or free_port()
        self.external = external
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> MotoS3:
        if self.external:
            self._server = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        else:
            from moto.server import ThreadedMotoServer

            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self._server.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("moto server did not start")

    def stop(self) -> None:
        if self._server is None:
            return
        if self.external:
            self._server.terminate()
            try:
                self._server.wait(10)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait(10)
        else:
            self._server.stop()
        self._server = None

    def options(self) -> dict[str, Any]:
        """The ``[sync]`` settings that point a store at this server."""
        return {
            "endpoint_url": self.endpoint,
            "key": CREDENTIALS["key"],
            "secret": CREDENTIALS["secret"],
            "region": CREDENTIALS["region"],
            "connect_timeout": 2,
            "read_timeout": 10,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=CREDENTIALS["key"],
            aws_secret_access_key=CREDENTIALS["secret"],
            region_name=CREDENTIALS["region"],
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name
