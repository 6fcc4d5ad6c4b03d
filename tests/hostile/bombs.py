"""Hostile files made cheaply: a pixel bomb is tiny on disk and huge once decoded."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A valid 1-bit grey PNG of ``width`` × ``height`` white-free zeros (≈110 kB for 30000²).

    Written row block by row block through zlib, so making it needs no big buffer; any
    decoder that does not check the header first allocates width × height (× 3 for BGR).
    """
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    parts = []
    block = row * 1000
    for _ in range(height // 1000):
        parts.append(comp.compress(block))
    parts.append(comp.compress(row * (height % 1000)))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")
    )
    return path


def pdf_big_page(path: Path, points: float = 5000.0) -> Path:
    """A PDF with one blank ``points`` × ``points`` page (rendered at 300 dpi: 20834² pixels)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(points, points))
    pdf.save(path)
    return path


def pdf_big_image(path: Path, width: int = 13000, height: int = 13000) -> Path:
    """A PDF whose only page is one 1-bit Flate image of ``width`` × ``height`` (169 MP by default)."""
    import pikepdf

    row = b"\x00" * ((width + 7) // 8)
    data = zlib.compress(row * height, 9)
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    image = pikepdf.Stream(pdf, data)
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width = width
    image.Height = height
    image.ColorSpace = pikepdf.Name.DeviceGray
    image.BitsPerComponent = 1
    image.Filter = pikepdf.Name.FlateDecode
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    pdf.save(path)
    return path


def small_jpeg(path: Path, seed: int = 0, size: tuple[int, int] = (120, 90)) -> Path:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path, quality=85)
    return path
