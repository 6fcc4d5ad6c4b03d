"""Document metadata: the Info dictionary, the matching XMP packet, the sRGB output intent.

PDF/A-2b asks that every Info entry with an XMP equivalent carries the same value in
the XMP packet (title ↔ dc:title, author ↔ dc:creator, subject ↔ dc:description,
keywords ↔ pdf:Keywords, dates ↔ xmp:CreateDate/ModifyDate …), so both are produced
here from one :class:`DocumentInfo`.  The XMP packet is a short fixed template, hence
hand-written; the ICC profile comes from LittleCMS through Pillow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from hukou_scan import __version__

PRODUCER = f"hukou-scan {__version__}"


@dataclass(frozen=True)
class DocumentInfo:
    """What the exported file says about itself (traceability of leaked copies)."""

    title: str
    archive_ids: tuple[str, ...] = ()
    exported_by: str = ""
    purpose: str = ""
    exported_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    source: str = ""  # e.g. "batch:…", "person:…"

    @property
    def keywords(self) -> str:
        return "; ".join(self.archive_ids)

    @property
    def subject(self) -> str:
        return f"用途：{self.purpose}" if self.purpose else ""


def pdf_date(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    return dt.strftime("D:%Y%m%d%H%M%SZ")


def xmp_date(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def info_dict(info: DocumentInfo) -> dict[str, Any]:
    """The trailer's Info dictionary (standard keys plus our own, prefixed ``Hukou``)."""
    d: dict[str, Any] = {
        "Title": info.title,
        "Author": info.exported_by,
        "Subject": info.subject,
        "Keywords": info.keywords,
        "Creator": PRODUCER,
        "Producer": PRODUCER,
        "CreationDate": pdf_date(info.exported_at),
        "ModDate": pdf_date(info.exported_at),
        "HukouArchiveIds": info.keywords,
        "HukouExportedBy": info.exported_by,
        "HukouPurpose": info.purpose,
        "HukouSource": info.source,
    }
    return {k: v for k, v in d.items() if v}


def xmp_packet(info: DocumentInfo, pdfa: bool = True) -> bytes:
    """The XMP metadata stream; claims PDF/A-2b only when ``pdfa`` (not for encrypted files)."""
    e = escape
    created = xmp_date(info.exported_at)
    parts = [
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
        '<rdf:Description rdf:about=""'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">',
        "<dc:format>application/pdf</dc:format>",
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(info.title)}</rdf:li></rdf:Alt></dc:title>',
    ]
    if info.exported_by:
        parts.append(f"<dc:creator><rdf:Seq><rdf:li>{e(info.exported_by)}</rdf:li></rdf:Seq></dc:creator>")
    if info.subject:
        parts.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(info.subject)}</rdf:li>'
            "</rdf:Alt></dc:description>"
        )
    if info.archive_ids:
        items = "".join(f"<rdf:li>{e(a)}</rdf:li>" for a in info.archive_ids)
        parts.append(f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>")
        parts.append(f"<pdf:Keywords>{e(info.keywords)}</pdf:Keywords>")
    parts += [
        f"<pdf:Producer>{e(PRODUCER)}</pdf:Producer>",
        f"<xmp:CreatorTool>{e(PRODUCER)}</xmp:CreatorTool>",
        f"<xmp:CreateDate>{created}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{created}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{created}</xmp:MetadataDate>",
    ]
    if pdfa:
        parts += ["<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>"]
    parts += ["</rdf:Description>", "</rdf:RDF>", "</x:xmpmeta>"]
    # Padding lets tools update the packet in place (XMP spec recommends 2 KB).
    parts.append(" " * 2000)
    parts.append('<?xpacket end="w"?>')
    return "\n".join(parts).encode("utf-8")


@functools.cache
def srgb_icc() -> bytes:
    """An sRGB ICC profile for the PDF/A output intent (LittleCMS's built-in one)."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())
