"""Turn a stored page image into a PDF image XObject with the right codec.

- JPEG (colour or grey) is embedded as-is (``DCTDecode``): no generation loss, and no
  decode/encode time — the reason assembly can run close to img2pdf's speed.
- Bitonal images (mode ``1``, or a grey PNG that only holds black and white) are
  encoded losslessly with CCITT Group 4 (``CCITTFaxDecode``) through Pillow's libtiff.
  Never JBIG2: its lossy pattern matching can swap similar glyphs, which is fatal for
  ID numbers.
- 8-bit grey or RGB PNG (the pipeline's cleaned derivatives) is embedded losslessly
  without decoding: PNG's IDAT data *is* a zlib stream with per-row predictors, which
  PDF reads directly as ``FlateDecode`` with ``/Predictor 15`` (img2pdf does the same).
  The derivative's whitened paper makes it several times smaller than the colour
  master, and the text stays exactly as enhanced for legibility.
- Anything else (interlaced/16-bit/alpha PNG, TIFF) is re-encoded once as JPEG at the
  export's quality setting.

JPEGs still shrink by 2-4 % under Flate (the uniform margins of a scanned page; also
with optimised Huffman tables, as the pipeline writes its masters), which is what
OCRmyPDF's ``-O1`` exploits.  :func:`maybe_deflate` does the same losslessly (``[/FlateDecode
/DCTDecode]``) and keeps the result only when it pays.
"""

from __future__ import annotations

import io
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, TiffImagePlugin

from hukou_scan.errors import ExportError, ImageProcessingError
from hukou_scan.imaging.limits import check_image_file

log = logging.getLogger(__name__)

_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class PdfImage:
    """Encoded image data plus the dictionary entries the PDF needs for it."""

    width: int
    height: int
    data: bytes
    filter: str  # DCTDecode | CCITTFaxDecode | FlateDecode (the codec; see ``deflated``)
    colorspace: str  # DeviceRGB | DeviceGray
    bits: int
    decode_parms: dict[str, Any] = field(default_factory=dict)
    dpi: float | None = None  # as recorded in the file, if any
    reencoded: bool = False
    deflated: bool = False  # Flate applied on top of the codec (filter chain)


def _file_dpi(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    try:
        if dpi and float(dpi[0]) > 1:
            return float(dpi[0])
    except (TypeError, ValueError, IndexError):
        return None
    return None


def _is_bilevel(im: Image.Image) -> bool:
    if im.mode == "1":
        return True
    if im.mode != "L":
        return False
    colors = im.getcolors(2)
    return colors is not None and all(v in (0, 255) for _n, v in colors)


def encode_g4(im: Image.Image) -> PdfImage:
    """Lossless CCITT G4 of a bilevel image, as one strip (PDF wants one code stream)."""
    bw = im if im.mode == "1" else im.point(lambda v: 255 if v >= 128 else 0).convert("1")
    buf = io.BytesIO()
    bw.save(buf, "TIFF", compression="group4", strip_size=1 << 30)
    tif = Image.open(io.BytesIO(buf.getvalue()))
    assert isinstance(tif, TiffImagePlugin.TiffImageFile)
    offsets, counts = tif.tag_v2[273], tif.tag_v2[279]
    if len(offsets) != 1:
        raise ExportError("二值图像编码失败。", "Could not encode the bitonal image as one G4 strip.")
    raw = buf.getvalue()[offsets[0] : offsets[0] + counts[0]]
    photometric = int(tif.tag_v2.get(262, 0))
    parms: dict[str, Any] = {"K": -1, "Columns": bw.width, "Rows": bw.height}
    if photometric == 1:  # BlackIsZero: a 1 bit is white, which is CCITT's default reversed
        parms["BlackIs1"] = True
    return PdfImage(bw.width, bw.height, raw, "CCITTFaxDecode", "DeviceGray", 1, parms, _file_dpi(im), True)


def _encode_jpeg(im: Image.Image, quality: int, dpi: float | None) -> PdfImage:
    if im.mode not in ("L", "RGB"):
        if im.mode in ("RGBA", "LA", "P", "PA"):
            im = im.convert("RGBA")
            bg = Image.new("RGB", im.size, (255, 255, 255))
            bg.paste(im, mask=im.getchannel("A"))
            im = bg
        else:
            im = im.convert("RGB")
    buf = io.BytesIO()
    # 4:4:4 like the pipeline's masters: red seal strokes keep their edges.
    im.save(buf, "JPEG", quality=quality, optimize=True, subsampling=0)
    cs = "DeviceGray" if im.mode == "L" else "DeviceRGB"
    return PdfImage(im.width, im.height, buf.getvalue(), "DCTDecode", cs, 8, {}, dpi, True)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOURS = {0: ("DeviceGray", 1), 2: ("DeviceRGB", 3)}  # IHDR colour type → space, components


def png_flate(data: bytes, dpi: float | None = None) -> PdfImage | None:
    """The PNG's own compressed pixels as a PDF Flate image, or ``None`` if it is not a
    plain 8-bit grey/RGB, non-interlaced, opaque PNG (those are re-encoded instead)."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    pos, idat = len(_PNG_SIGNATURE), []
    width = height = 0
    colour: tuple[str, int] | None = None
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            return None  # truncated file
        if kind == b"IHDR":
            width, height = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
            depth, ctype, comp, filt, interlace = body[8], body[9], body[10], body[11], body[12]
            if depth != 8 or (comp, filt, interlace) != (0, 0, 0) or ctype not in _PNG_COLOURS:
                return None
            colour = _PNG_COLOURS[ctype]
        elif kind == b"tRNS":
            return None  # a transparent colour key: let Pillow flatten it
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if colour is None or not idat or width <= 0 or height <= 0:
        return None
    cs, n = colour
    parms = {"Predictor": 15, "Colors": n, "BitsPerComponent": 8, "Columns": width}
    return PdfImage(width, height, b"".join(idat), "FlateDecode", cs, 8, parms, dpi, False)


def prepare_image(data: bytes, *, jpeg_quality: int = 85, bitonal: bool | None = None) -> PdfImage:
    """Choose the codec for one stored page image and encode it if needed.

    Args:
        data: the stored image file (JPEG master, or PNG/TIFF derivative).
        jpeg_quality: used only when a non-JPEG grey/colour image must be re-encoded.
        bitonal: ``True``: the pipeline marked the page as bitonal; a grey image is
            thresholded at 50 % and stored as G4 (only pass this for images that are
            already clean black-and-white derivatives).  ``False``: known to be
            continuous tone, so a PNG is embedded as it is without decoding it.
            ``None``: unknown; a non-JPEG image holding only black and white becomes G4.
    """
    try:
        check_image_file(data, "page image")  # the product-wide pixel limit, from the header
    except ImageProcessingError as e:
        raise ExportError(e.zh, e.en, hint_zh=e.hint_zh, hint_en=e.hint_en) from e
    try:
        im: Image.Image = Image.open(io.BytesIO(data))
        fmt = im.format
        dpi = _file_dpi(im)
        orientation = int(im.getexif().get(_EXIF_ORIENTATION, 1)) if fmt == "JPEG" else 1
        if fmt == "JPEG" and im.mode in ("L", "RGB") and orientation == 1 and not bitonal:
            cs = "DeviceGray" if im.mode == "L" else "DeviceRGB"
            return PdfImage(im.width, im.height, data, "DCTDecode", cs, 8, {}, dpi, False)
        if fmt == "PNG" and im.mode in ("L", "RGB") and bitonal is False:
            flate = png_flate(data, dpi)
            if flate is not None:
                return flate
        im.load()
        if orientation != 1:
            im = ImageOps.exif_transpose(im)
        if bitonal or _is_bilevel(im):
            if bitonal and im.mode not in ("1", "L"):
                im = im.convert("L")
            return encode_g4(im)
        return _encode_jpeg(im, jpeg_quality, dpi)
    except ExportError:
        raise
    except (OSError, ValueError, SyntaxError) as e:
        raise ExportError("页面图像无法解码。", f"A page image could not be decoded: {e}") from e


MIN_GAIN = 0.01
MIN_BYTES = 64 * 1024


def maybe_deflate(img: PdfImage, mode: str = "auto") -> PdfImage:
    """Losslessly Flate-compress a JPEG stream when it pays.

    Args:
        img: the prepared image.
        mode: ``never`` (always pass the JPEG through byte for byte), ``always``, or
            ``auto`` (keep the Flate stream when it is at least 1 % smaller).

    The whole stream is tried (zlib level 1: on JPEG data it matches level 6-9 in
    size and is no slower).  Sampling a piece does not predict it: on scanned pages
    the gain sits in the long uniform runs of the margins, and a 16 KB sample from the
    middle of a 300-dpi master showed 0 % where the whole file shrank by 2.4 %.
    """
    if img.filter != "DCTDecode" or mode == "never" or img.deflated:
        return img
    data = img.data
    if mode == "auto" and len(data) < MIN_BYTES:
        return img
    packed = zlib.compress(data, 1)
    if len(packed) >= len(data) * (1 - MIN_GAIN if mode == "auto" else 1):
        return img
    return PdfImage(
        img.width,
        img.height,
        packed,
        img.filter,
        img.colorspace,
        img.bits,
        img.decode_parms,
        img.dpi,
        img.reencoded,
        True,
    )
