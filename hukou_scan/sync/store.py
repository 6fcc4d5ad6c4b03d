"""Object stores the sync engine writes to: S3-compatible storage and plain folders/NAS.

Built on fsspec (``s3fs`` for ``s3://``, the local implementation for ``file://``) so we
never hand-write HTTP or S3 signing.  What is ours is small: the verification rule
(size plus SHA-256, asked of the server where it keeps one, else re-read and hashed),
a bandwidth limiter, and the translation of the many network/OS exceptions into
:class:`~hukou_scan.errors.SyncError` with a ``retryable`` flag the engine acts on.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from hukou_scan.errors import SyncError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ObjectInfo:
    """What the store says about one object.

    ``sha256`` is the server-side checksum when the store keeps one (S3 with
    ``ChecksumAlgorithm=SHA256``); ``None`` means "ask by reading the bytes".
    """

    key: str
    size: int
    sha256: str | None = None


class ObjectStore(Protocol):
    """A flat key → bytes store.  Keys use ``/`` separators and never start with one."""

    @property
    def url(self) -> str:
        """The target as the user wrote it (no credentials)."""

    def put(self, key: str, data: bytes, sha256: str) -> ObjectInfo:
        """Write ``data`` (whose SHA-256 the caller already knows) atomically."""

    def get(self, key: str) -> bytes:
        """Read the whole object; :class:`SyncError` (not retryable) when it is missing."""

    def head(self, key: str) -> ObjectInfo | None:
        """Size and, if the store keeps one, the SHA-256 of ``key``; ``None`` when absent."""

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix`` (recursive)."""

    def delete(self, key: str) -> None:
        """Remove an object.  The sync engine never calls this for page data (tombstones)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RateLimiter:
    """A token bucket shared by all upload/download threads of one engine.

    ``bytes_per_s <= 0`` disables the limit.  Callers ask *after* moving bytes
    (``consume``); the bucket then sleeps long enough that the long-run average stays
    under the limit, which is how the bureau's shared uplink is protected.
    """

    def __init__(self, bytes_per_s: float = 0.0, burst_s: float = 0.5) -> None:
        self.rate = float(bytes_per_s)
        self.capacity = max(self.rate * burst_s, 1.0)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def consume(self, n: int, cancel: threading.Event | None = None) -> None:
        if self.rate <= 0 or n <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= n
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            if cancel is not None:
                cancel.wait(wait)
            else:
                time.sleep(wait)


_RETRYABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.ETIMEDOUT,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.EPIPE,
    errno.EAGAIN,
}


def _is_transient(e: BaseException) -> bool:
    """Network trouble and server-side 5xx/throttling are worth retrying; bugs and 4xx are not."""
    if isinstance(e, OSError):
        if e.errno is None or e.errno in _RETRYABLE_ERRNOS:
            return True
        return e.errno in (errno.EIO, errno.EBUSY)
    response = getattr(e, "response", None)
    if isinstance(response, dict):
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        code = str(response.get("Error", {}).get("Code", ""))
        if status:
            return status >= 500 or status in (408, 429) or code in ("SlowDown", "RequestTimeout")
    module = type(e).__module__.split(".", 1)[0]
    return module in ("botocore", "aiobotocore", "aiohttp", "urllib3", "s3fs", "asyncio")


def translate_error(e: BaseException, what: str) -> SyncError:
    """Map a third-party exception to a :class:`SyncError` (retryable unless clearly permanent)."""
    if isinstance(e, SyncError):
        return e
    if isinstance(e, FileNotFoundError):
        return SyncError(
            f"云端对象不存在：{what}", f"Object not found on the sync target: {what}", retryable=False
        )
    if isinstance(e, PermissionError):
        return SyncError(
            f"无权访问同步目标：{what}",
            f"Access to the sync target was denied: {what}",
            retryable=False,
            hint_zh="请检查访问密钥和存储桶权限。",
            hint_en="Check the access key and bucket permissions.",
        )
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return SyncError(
            "同步目标磁盘已满。",
            "The sync target is out of space.",
            retryable=True,
            hint_zh="请清理目标存储空间，同步会自动继续。",
            hint_en="Free space on the target; sync continues by itself.",
        )
    retryable = _is_transient(e)
    text = f"{type(e).__name__}: {e}"
    return SyncError(
        f"同步目标暂时无法访问（{what}）。",
        f"The sync target is unreachable ({what}): {text}",
        retryable=retryable,
        hint_zh="网络恢复后会自动重试。",
        hint_en="Sync retries by itself once the network is back.",
    )


class FsspecStore:
    """:class:`ObjectStore` over any fsspec filesystem (``s3://`` and ``file://`` tested).

    Args:
        url: ``s3://bucket/prefix`` or ``file:///path`` (a bare path means ``file://``).
        options: the ``sync`` settings section: ``endpoint_url``, ``region``, ``key``,
            ``secret``, ``connect_timeout``, ``read_timeout``; missing values fall back to
            the environment (``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL`` …) as botocore does.
        limiter: shared bandwidth limiter.
    """

    def __init__(
        self, url: str, options: Mapping[str, Any] | None = None, limiter: RateLimiter | None = None
    ) -> None:
        import fsspec

        opts = dict(options or {})
        self._url = url
        self.limiter = limiter or RateLimiter(0)
        parsed = urlparse(url)
        self.protocol = parsed.scheme or "file"
        if self.protocol == "file":
            root = parsed.path if parsed.scheme else url
            self.root = str(Path(root).expanduser().resolve())
            try:
                Path(self.root).mkdir(parents=True, exist_ok=True)
            except OSError as e:  # /proc/…, a read-only or unmounted share, a file in the way
                raise SyncError(
                    f"无法使用同步目标文件夹 {self.root}：{e.strerror}",
                    f"Cannot use the sync target folder {self.root}: {e.strerror}",
                    retryable=False,
                    hint_zh="请检查目标路径是否正确、网络存储是否已挂载并可写。",
                    hint_en="Check the target path, and that the network share is mounted and writable.",
                ) from e
            self.fs: Any = fsspec.filesystem("file", auto_mkdir=True)
            self.checksums = False
        elif self.protocol in ("s3", "s3a"):
            self.root = (parsed.netloc + parsed.path).rstrip("/")
            client_kwargs: dict[str, Any] = {}
            endpoint = opts.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL")
            if endpoint:
                client_kwargs["endpoint_url"] = endpoint
            region = (
                opts.get("region") or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")
            )
            if region:
                client_kwargs["region_name"] = region
            config_kwargs = {
                "connect_timeout": float(opts.get("connect_timeout", 5)),
                "read_timeout": float(opts.get("read_timeout", 60)),
                "retries": {"max_attempts": 1, "mode": "standard"},
            }
            self.fs = fsspec.filesystem(
                "s3",
                key=opts.get("key") or None,
                secret=opts.get("secret") or None,
                client_kwargs=client_kwargs,
                config_kwargs=config_kwargs,
                skip_instance_cache=True,
                use_listings_cache=False,
            )
            # Our engine does the backoff; s3fs's own retry loop would hide an outage for minutes.
            self.fs.retries = 1
            self.checksums = not bool(opts.get("no_checksums", False))
        else:
            self.root = (parsed.netloc + parsed.path).rstrip("/")
            self.fs = fsspec.filesystem(self.protocol, **opts.get("storage_options", {}))
            self.checksums = False

    @property
    def url(self) -> str:
        return self._url

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}" if self.root else key

    # -- operations ---------------------------------------------------------------------
    def put(self, key: str, data: bytes, sha256: str) -> ObjectInfo:
        path = self._path(key)
        try:
            if self.protocol in ("s3", "s3a") and self.checksums:
                b64 = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
                # S3 (and MinIO, Ceph RGW) recompute the checksum over the bytes received,
                # refuse the write on mismatch and return it; None if the response lacks it.
                resp = self.fs.pipe_file(path, data, ChecksumAlgorithm="SHA256", ChecksumSHA256=b64)
                server_sha = _decode_checksum(resp.get("ChecksumSHA256")) if isinstance(resp, dict) else None
            elif self.protocol == "file":
                _atomic_write(Path(path), data)
                server_sha = None
            else:
                self.fs.pipe_file(path, data)
                server_sha = None
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(e, key) from e
        self.limiter.consume(len(data))
        return ObjectInfo(key, len(data), server_sha)

    def get(self, key: str) -> bytes:
        try:
            data = bytes(self.fs.cat_file(self._path(key)))
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(e, key) from e
        self.limiter.consume(len(data))
        return data

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            if self.protocol in ("s3", "s3a"):
                bucket, obj_key, _ = self.fs.split_path(path)
                resp = self.fs.call_s3("head_object", Bucket=bucket, Key=obj_key, ChecksumMode="ENABLED")
                sha = None
                if resp.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT":
                    sha = _decode_checksum(resp.get("ChecksumSHA256"))
                return ObjectInfo(key, int(resp["ContentLength"]), sha)
            info = self.fs.info(path)
            return ObjectInfo(key, int(info["size"]), None)
        except FileNotFoundError:
            return None
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(e, key) from e

    def list(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix).rstrip("/")
        try:
            if not self.fs.exists(base):
                return iter(())
            found = self.fs.find(base)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(e, prefix) from e
        root = self.root.rstrip("/") + "/" if self.root else ""
        out = []
        for p in found:
            p = str(p)
            if self.protocol == "file":
                p = p.replace(os.sep, "/")
            if p.endswith(".part"):
                continue
            out.append(p[len(root) :] if root and p.startswith(root) else p)
        return iter(sorted(out))

    def delete(self, key: str) -> None:
        try:
            self.fs.rm_file(self._path(key))
        except FileNotFoundError:
            return
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(e, key) from e


def _decode_checksum(raw: Any) -> str | None:
    """Base64 SHA-256 from S3 → hex; a multipart checksum ("…-N") is not the object's hash."""
    if not raw or not isinstance(raw, str) or "-" in raw:
        return None
    try:
        digest = base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error):
        return None
    return digest.hex() if len(digest) == 32 else None


def _atomic_write(path: Path, data: bytes) -> None:
    """Temp file → fsync → rename, so a NAS copy is never half-written under its final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def open_store(
    url: str, options: Mapping[str, Any] | None = None, limiter: RateLimiter | None = None
) -> FsspecStore:
    """Build the store for a target URL; a clear error for an unsupported scheme."""
    if not url:
        raise SyncError(
            "未配置同步目标。",
            "No sync target is configured.",
            retryable=False,
            hint_zh="在设置的 [sync] 节填写 target（如 s3://bucket/prefix 或 file:///mnt/nas/hukou）。",
            hint_en="Set target in the [sync] settings section (s3://bucket/prefix or file:///mnt/nas/hukou).",
        )
    scheme = urlparse(url).scheme
    if scheme not in ("", "file", "s3", "s3a") and len(scheme) > 1:
        try:
            import fsspec

            fsspec.get_filesystem_class(scheme)
        except (ImportError, ValueError) as e:
            raise SyncError(
                f"不支持的同步目标：{url}", f"Unsupported sync target: {url}", retryable=False
            ) from e
    return FsspecStore(url, options, limiter)
