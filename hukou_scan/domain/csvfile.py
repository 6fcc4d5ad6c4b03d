"""Every CSV the product writes goes through here: formula-safe cells, checked path, atomic file.

Why one place:

* **Formula injection** (OWASP "CSV injection"): a registry name such as
  ``=HYPERLINK("http://…")`` becomes a live formula when an officer opens the export
  in Excel or WPS.  A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is prefixed with ``'`` (shown as text, the apostrophe hidden);
  numbers are written as numbers.
* **Output paths** are checked *before* the work whose result they receive (an import
  must not commit and then fail on its report file): :func:`check_output_file` creates
  and removes a probe file in the target folder, which is the only test that also holds
  for root (``os.access`` says yes to root for a read-only folder or ``/proc``).
* **Atomic**: rows go to a temp file in the same folder (created 0600 — exports hold
  personal data), fsync, then ``os.replace``; a failed or cancelled export leaves no
  half-written file under the final name.

UTF-8 with BOM, so Excel on Chinese Windows opens the file as UTF-8.
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from hukou_scan.errors import StorageError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell (text starting like a formula gets a ``'``)."""
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES:
        return "'" + value
    return value


def _path_error(path: Path, reason: str) -> StorageError:
    return StorageError(
        f"无法写入文件 {path}：{reason}",
        f"Cannot write the file {path}: {reason}",
        hint_zh="请选择一个存在且可写的文件夹。",
        hint_en="Choose a folder that exists and can be written to.",
    )


def check_output_file(path: Path) -> Path:
    """Raise :class:`StorageError` unless a file can be written at ``path``; returns the path.

    Creates missing parent folders (as the writers do), refuses directories and
    anything that is not a regular file (``/dev/full``, a FIFO), then creates and
    removes a probe file next to the target.
    """
    path = Path(path)
    if not path.name:
        raise _path_error(path, "没有文件名 / no file name")
    try:
        st = path.stat()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise _path_error(path, e.strerror or type(e).__name__) from e
    else:
        if stat.S_ISDIR(st.st_mode):
            raise _path_error(path, "这是一个文件夹 / it is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise _path_error(path, "不是普通文件 / not a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".probe")
        os.close(fd)
        Path(probe).unlink()
    except OSError as e:
        raise _path_error(path, e.strerror or type(e).__name__) from e
    return path


class SafeCsvWriter:
    """A ``csv.writer`` whose every cell passes :func:`csv_cell`."""

    def __init__(self, fh: Any) -> None:
        self._w = csv.writer(fh)
        self.discarded = False

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def discard(self) -> None:
        """Throw the file away at the end (a cancelled export): nothing replaces ``path``."""
        self.discarded = True


@contextlib.contextmanager
def open_csv(path: Path) -> Iterator[SafeCsvWriter]:
    """Write a CSV atomically at ``path`` (see the module doc).

    The file appears under its name only when the ``with`` block ends without an
    exception and without :meth:`SafeCsvWriter.discard`; callers audit inside the block,
    so an export whose audit event could not be written leaves no file behind.

    Raises:
        StorageError: the folder cannot be written (checked before anything is read).
    """
    path = check_output_file(Path(path))
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".part")
    except OSError as e:
        raise _path_error(path, e.strerror or type(e).__name__) from e
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = SafeCsvWriter(fh)
            yield writer
            fh.flush()
            os.fsync(fh.fileno())
        if writer.discarded:
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _path_error(path, e.strerror or type(e).__name__) from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
