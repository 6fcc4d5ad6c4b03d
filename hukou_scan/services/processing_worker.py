"""The page-processing worker process: original in the page store → master and derivative files.

Runs :func:`~hukou_scan.imaging.pipeline.process_frame` (detect, perspective, deskew,
split, enhance, quality), encodes the parts and stores them in the content-addressed
page store itself (temp file, fsync, rename: durable before it answers).  What goes back
over the pipe is small: hashes, sizes and the JSON-safe metadata — never pixel arrays,
which the GUI process would have to unpickle while holding the GIL.

The worker never touches the database: the parent checks that the page was not changed
meanwhile and records the result.  A worker killed half-way leaves at most files no page
refers to, which the page store's sweep moves aside; the job goes back to the queue.

This module is imported in the child, so it imports nothing that pulls in SQLAlchemy or Qt.
"""

from __future__ import annotations

import logging
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from numpy.typing import NDArray

from hukou_scan.capture.encode import thumbnail_from_array
from hukou_scan.domain.models import PageGeometry
from hukou_scan.errors import HukouScanError
from hukou_scan.imaging.colour import detect_red_marks
from hukou_scan.imaging.io import decode_image, encode_master, encode_png
from hukou_scan.imaging.pipeline import ProcessOptions, limit_threads, process_frame
from hukou_scan.services.workers import serve
from hukou_scan.storage.blobstore import BlobStore

log = logging.getLogger(__name__)

# 2x the search list's 72-px-wide thumbnail (HiDPI screens); ~3-5 KB per page as JPEG
THUMBNAIL_WIDTH = 144
THUMBNAIL_QUALITY = 75


def load_desk_reference(blobs: BlobStore, sha: str, label: str = "") -> NDArray[Any] | None:
    """The empty-desk picture stored with a capture, or None (none stored, missing or unreadable).

    The reference only helps page detection: without it the page is processed exactly
    as before, so a lost or damaged reference is logged and never fails the page.
    """
    if not sha:
        return None
    try:
        return decode_image(blobs.get(sha), name=f"desk reference of {label or 'page'}")
    except HukouScanError as e:
        log.warning("desk reference %s of %s not used: %s", sha[:12], label or "page", e.en)
        return None


def process_stored_page(
    blobs: BlobStore,
    original_sha256: str,
    geometry: dict[str, Any],
    options: dict[str, Any],
    master_format: str,
    jpeg_quality: int,
    label: str = "",
) -> dict[str, Any]:
    """Process one stored original; store its parts in ``blobs``; return what to record.

    The same function runs in the worker process and, for headless use without workers,
    in the calling process — one code path for both.

    Returns:
        ``{"found": False, "reason", "quality", "meta", "timings_ms"}`` when no page was
        found, else ``{"found": True, "parts": [...], "source", "flags", "timings_ms"}``;
        each part carries the stored files' hashes and sizes, its geometry, quality, dpi
        and process metadata.

    Raises:
        ImageProcessingError: the original cannot be decoded (not worth retrying).
        StorageError: the original is missing or fails its checksum; writing failed.
    """
    image = decode_image(blobs.get(original_sha256), name=label or original_sha256[:12])
    opts = ProcessOptions.from_dict(options)
    geo = PageGeometry.from_dict(geometry)
    result = process_frame(image, geo, opts, desk_reference=load_desk_reference(blobs, geo.desk_ref, label))
    del image
    if not result.found:
        return {
            "found": False,
            "reason": result.reason,
            "quality": result.quality,
            "meta": result.meta(),
            "timings_ms": result.timings_ms,
        }
    parts: list[dict[str, Any]] = []
    for part in result.parts:
        mbytes, mrec = encode_master(
            part.master, fmt=master_format, dpi=part.master_dpi, quality=jpeg_quality
        )
        dbytes, drec = encode_png(
            part.derivative, dpi=part.master_dpi, bitonal=part.geometry.enhance == "bitonal"
        )
        meta = result.meta(part)
        meta["master"] = mrec
        meta["derivative"] = {**drec, "params": result.options.enhance.to_dict()}
        # red seals / red lines on the colour master: export keeps such pages in colour
        meta["red_marks"] = detect_red_marks(part.master).to_dict()
        parts.append(
            {
                "master": {"sha256": blobs.put(mbytes), "size": len(mbytes)},
                "derivative": {"sha256": blobs.put(dbytes), "size": len(dbytes)},
                # stored in the database with the page row: any machine that reaches the
                # database shows result thumbnails without the page store
                "thumbnail": thumbnail_from_array(part.derivative, THUMBNAIL_WIDTH, THUMBNAIL_QUALITY),
                "dpi": round(part.dpi, 1) if part.dpi else None,
                "geometry": part.geometry.to_dict(),
                "quality": part.quality,
                "meta": meta,
            }
        )
    return {
        "found": True,
        "parts": parts,
        "source": result.source,
        "timings_ms": result.timings_ms,
    }


def worker_main(conn: Connection, blob_root: str, threads: int = 1) -> None:
    """Serve processing requests until ``None`` or the pipe closes.

    Request: ``(job_id, original_sha256, geometry, options, master_format, jpeg_quality, label)``.
    Reply: ``("ok", job_id, result)`` (see :func:`process_stored_page`) or
    ``("err", job_id, zh, en, retryable)``.
    """
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    limit_threads(threads)
    blobs = BlobStore(Path(blob_root))

    def handle(payload: tuple[Any, ...]) -> dict[str, Any]:
        sha, geometry, options, master_format, jpeg_quality, label = payload
        return process_stored_page(blobs, sha, geometry, options, master_format, jpeg_quality, label)

    serve(conn, handle, "Processing")
