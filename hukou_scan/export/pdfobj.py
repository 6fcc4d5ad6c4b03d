"""A minimal, append-only PDF object writer that streams to disk.

Why hand-written: an export of thousands of page images must run in bounded memory.
pikepdf/qpdf keep every stream that is added to a new document in memory until
``save``; writing each page's image, content stream and page dictionary to disk as
soon as it is ready, and only the cross-reference table (a list of integers) at the
end, keeps memory flat however many pages there are.  The object syntax we need is
small (ISO 32000-1 §7.3): null, booleans, numbers, names, strings, arrays,
dictionaries, indirect references and streams.  pikepdf is still used to read the
result back (encryption pass, tests), so every file we write is parsed by qpdf.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = ["Name", "PdfWriter", "Raw", "Ref", "serialize", "text_string"]

_REGULAR = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"$&'*+,-.:;=?@^_`|~")


class Name(str):
    """A PDF name object (``/Type``); written without the slash."""

    __slots__ = ()


class Ref(int):
    """An indirect reference ``n 0 R``."""

    __slots__ = ()


class Raw(bytes):
    """Bytes written verbatim (pre-serialised tokens)."""

    __slots__ = ()


def _name(n: str) -> bytes:
    out = bytearray(b"/")
    for b in n.encode("utf-8"):
        out += bytes([b]) if b in _REGULAR else b"#%02X" % b
    return bytes(out)


def _number(x: float) -> bytes:
    if isinstance(x, int):
        return str(x).encode()
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("PDF numbers must be finite")
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return (s if s not in ("", "-0") else "0").encode()


def text_string(s: str) -> bytes:
    """A PDF text string: literal PDFDocEncoding for plain ASCII, else UTF-16BE with BOM."""
    if all(0x20 <= ord(c) < 0x7F for c in s):
        esc = s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + esc.encode("ascii") + b")"
    return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode() + b">"


def serialize(obj: Any) -> bytes:
    """Serialise a Python value as a PDF object (see the module docstring for the mapping)."""
    if obj is None:
        return b"null"
    if obj is True:
        return b"true"
    if obj is False:
        return b"false"
    if isinstance(obj, Ref):
        return b"%d 0 R" % int(obj)
    if isinstance(obj, Name):
        return _name(obj)
    if isinstance(obj, int | float):
        return _number(obj)
    if isinstance(obj, Raw):
        return bytes(obj)
    if isinstance(obj, str):
        return text_string(obj)
    if isinstance(obj, bytes):
        return b"<" + obj.hex().upper().encode() + b">"
    if isinstance(obj, Mapping):
        parts = [b"<<"]
        for k, v in obj.items():
            parts.append(_name(k) + b" " + serialize(v))
        parts.append(b">>")
        return b"\n".join(parts) if len(parts) > 6 else b" ".join(parts)
    if isinstance(obj, Sequence):
        return b"[" + b" ".join(serialize(v) for v in obj) + b"]"
    raise TypeError(f"cannot serialise {type(obj).__name__} as PDF")


class PdfWriter:
    """Writes indirect objects one after another and the xref table at the end.

    Objects may be written in any order; references to objects written later are
    allocated with :meth:`reserve`.  Only the byte offset of each object is kept.
    """

    def __init__(self, fh: IO[bytes], version: str = "1.7") -> None:
        self._fh = fh
        self._offsets: list[int | None] = [None]  # object 0 is the free-list head
        self._pos = 0
        # The binary comment tells transfer tools the file is binary (PDF/A requires it).
        self._write(f"%PDF-{version}\n".encode() + b"%\xe2\xe3\xcf\xd3\n")

    @property
    def bytes_written(self) -> int:
        return self._pos

    def _write(self, data: bytes) -> None:
        self._fh.write(data)
        self._pos += len(data)

    def reserve(self) -> Ref:
        self._offsets.append(None)
        return Ref(len(self._offsets) - 1)

    def _begin(self, ref: Ref | None) -> Ref:
        if ref is None:
            ref = self.reserve()
        if self._offsets[ref] is not None:
            raise ValueError(f"object {int(ref)} written twice")
        self._offsets[ref] = self._pos
        self._write(b"%d 0 obj\n" % int(ref))
        return ref

    def add(self, obj: Any, ref: Ref | None = None) -> Ref:
        """Write ``obj`` as an indirect object and return its reference."""
        ref = self._begin(ref)
        self._write(serialize(obj) + b"\nendobj\n")
        return ref

    def add_stream(self, data: bytes, d: Mapping[str, Any] | None = None, ref: Ref | None = None) -> Ref:
        """Write a stream object; ``/Length`` is filled in here."""
        ref = self._begin(ref)
        head = dict(d or {})
        head["Length"] = len(data)
        self._write(serialize(head) + b"\nstream\n")
        self._write(data)
        self._write(b"\nendstream\nendobj\n")
        return ref

    def finish(self, root: Ref, info: Ref | None, file_id: bytes) -> None:
        """Write the cross-reference table and trailer, then flush to disk."""
        missing = [i for i, off in enumerate(self._offsets) if i and off is None]
        if missing:
            raise ValueError(f"reserved objects never written: {missing[:5]}")
        xref_at = self._pos
        lines = [b"xref\n0 %d\n" % len(self._offsets), b"0000000000 65535 f \n"]
        lines.extend(b"%010d 00000 n \n" % off for off in self._offsets[1:] if off is not None)
        self._write(b"".join(lines))
        trailer: dict[str, Any] = {"Size": len(self._offsets), "Root": root, "ID": [file_id, file_id]}
        if info is not None:
            trailer["Info"] = info
        self._write(b"trailer\n" + serialize(trailer) + b"\nstartxref\n%d\n%%%%EOF\n" % xref_at)
        self._fh.flush()
        if not isinstance(self._fh, io.BytesIO) and hasattr(self._fh, "fileno"):
            os.fsync(self._fh.fileno())  # in-memory documents (the transfer register) have none
