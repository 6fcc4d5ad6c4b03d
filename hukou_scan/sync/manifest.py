"""Batch manifests and the station catalogue: what makes the cloud copy self-describing.

Layout on the target (all keys relative to the target URL)::

    objects/ab/cd/<sha256>              content-addressed originals and processed images
    manifests/<station>/<batch_id>.json one per batch: pages, hashes, OCR, links, paper location,
                                        who/when, and tombstones for pages deleted locally
    stations/<station>.json             the station catalogue: its batches and their manifests

Manifests are canonical JSON (sorted keys, no whitespace variance), so the same
content always yields the same bytes and the same hash: the engine re-uploads a
manifest only when something in it changed.  The format is versioned; readers refuse
a newer major version instead of guessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hukou_scan import __version__
from hukou_scan.domain import (
    Batch,
    BatchCategory,
    BatchStatus,
    LinkMethod,
    OcrResult,
    Page,
    PageGeometry,
    PageLink,
    PageState,
    PaperLocation,
    Person,
    Station,
    SyncState,
)
from hukou_scan.errors import SyncError

MANIFEST_FORMAT = "hukou-scan/batch-manifest"
CATALOGUE_FORMAT = "hukou-scan/station-catalogue"
FORMAT_VERSION = 1


def object_key(sha: str) -> str:
    return f"objects/{sha[:2]}/{sha[2:4]}/{sha}"


def manifest_key(station_code: str, batch_id: str) -> str:
    return f"manifests/{_safe(station_code)}/{batch_id}.json"


def catalogue_key(station_code: str) -> str:
    return f"stations/{_safe(station_code)}.json"


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in code) or "_"


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode(
        "utf-8"
    )


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def _dt(v: Any) -> datetime | None:
    return datetime.fromisoformat(str(v)) if v else None


def page_hashes(p: Page) -> list[str]:
    return [h for h in (p.original_sha256, p.processed_sha256, p.derivative_sha256) if h]


# -- building ---------------------------------------------------------------------------
def station_dict(s: Station) -> dict[str, Any]:
    return {"id": s.id, "code": s.code, "name": s.name}


def batch_dict(b: Batch) -> dict[str, Any]:
    loc = b.location
    return {
        "id": b.id,
        "archive_id": b.archive_id,
        "category": b.category.value,
        "station_id": b.station_id,
        "paper_location": {
            "room": loc.room,
            "cabinet": loc.cabinet,
            "shelf": loc.shelf,
            "box": loc.box,
            "volume": loc.volume,
            "page_from": loc.page_from,
            "page_to": loc.page_to,
            "describe": loc.describe(),
        },
        "status": b.status.value,
        "expected_pages": b.expected_pages,
        "notes": b.notes,
        "created_by": b.created_by,
        "created_at": _iso(b.created_at),
        "closed_at": _iso(b.closed_at),
        "paper_returned": b.paper_returned,
    }


def page_dict(
    p: Page, ocr: dict[str, Any] | None, links: list[PageLink], objects: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": p.id,
        "seq": p.seq,
        "original_sha256": p.original_sha256,
        "processed_sha256": p.processed_sha256,
        "derivative_sha256": p.derivative_sha256,
        "objects": {h: objects[h] for h in page_hashes(p) if h in objects},
        "captured_at": _iso(p.captured_at),
        "operator": p.operator,
        "source_device": p.source_device,
        "dpi": p.dpi,
        "geometry": p.geometry.to_dict(),
        "quality": p.quality,
        "process_meta": p.process_meta,
        "state": p.state.value,
        "state_reason": p.state_reason,
        "ocr_state": p.ocr_state,
        "ocr_engine": p.ocr_engine,
        "ocr_text": p.ocr_text,
        "ocr": ocr,
        "review_state": p.review_state,
        "links": [
            {
                "id": lk.id,
                "person_id": lk.person_id,
                "role": lk.role,
                "score": lk.score,
                "method": lk.method.value,
                "reasons": list(lk.reasons),
                "linked_by": lk.linked_by,
                "linked_at": _iso(lk.linked_at),
            }
            for lk in links
        ],
    }


def person_dict(p: Person) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "id_number": p.id_number,
        "id_number_raw": p.id_number_raw,
        "former_name": p.former_name,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        "household_no": p.household_no,
        "relation": p.relation,
        "address": p.address,
        "station": p.station,
        "status": p.status,
    }


def build_manifest(
    station: Station,
    batch: Batch,
    pages: list[Page],
    ocr: dict[str, dict[str, Any]],
    links: dict[str, list[PageLink]],
    persons: dict[str, Person],
    objects: dict[str, dict[str, Any]],
    tombstones: dict[str, Any],
) -> dict[str, Any]:
    """The batch manifest as a JSON-able dict (no timestamps of its own, so it is stable)."""
    linked = sorted({lk.person_id for p in pages for lk in links.get(p.id, [])})
    return {
        "format": MANIFEST_FORMAT,
        "version": FORMAT_VERSION,
        "station": station_dict(station),
        "batch": batch_dict(batch),
        "pages": [page_dict(p, ocr.get(p.id), links.get(p.id, []), objects) for p in pages],
        "persons": [person_dict(persons[i]) for i in linked if i in persons],
        "tombstones": [tombstones[k] for k in sorted(tombstones)],
    }


def build_catalogue(
    station: Station, entries: list[dict[str, Any]], encryption: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "format": CATALOGUE_FORMAT,
        "version": FORMAT_VERSION,
        "station": station_dict(station),
        "written_by": f"hukou-scan {__version__}",
        "encryption": encryption,
        "layout": {"objects": "objects/ab/cd/<sha256>", "manifests": "manifests/<station>/<batch>.json"},
        "batches": sorted(entries, key=lambda e: (str(e.get("created_at") or ""), str(e["batch_id"]))),
    }


# -- reading ----------------------------------------------------------------------------
@dataclass
class ParsedManifest:
    station: Station
    batch: Batch
    pages: list[Page]
    ocr: dict[str, OcrResult]
    links: list[PageLink]
    persons: list[Person]
    tombstones: list[dict[str, Any]]
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_json(data: bytes, expected_format: str, what: str) -> dict[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SyncError(
            f"云端清单无法解析：{what}", f"Cannot parse {what} from the sync target", retryable=False
        ) from e
    if not isinstance(obj, dict) or obj.get("format") != expected_format:
        raise SyncError(
            f"云端文件不是有效的清单：{what}",
            f"{what} is not a hukou-scan {expected_format}",
            retryable=False,
        )
    if int(obj.get("version", 0)) > FORMAT_VERSION:
        raise SyncError(
            "云端备份由更新版本的软件写入，请先升级本软件。",
            "The cloud copy was written by a newer version; upgrade hukou-scan first.",
            retryable=False,
        )
    return obj


def parse_manifest(obj: dict[str, Any]) -> ParsedManifest:
    st = obj["station"]
    station = Station(st["id"], st["code"], st["name"])
    b = obj["batch"]
    loc = b.get("paper_location") or {}
    batch = Batch(
        id=b["id"],
        archive_id=b["archive_id"],
        category=BatchCategory(b["category"]),
        station_id=b["station_id"],
        location=PaperLocation(
            room=loc.get("room", ""),
            cabinet=loc.get("cabinet", ""),
            shelf=loc.get("shelf", ""),
            box=loc.get("box", ""),
            volume=loc.get("volume", ""),
            page_from=loc.get("page_from"),
            page_to=loc.get("page_to"),
        ),
        status=BatchStatus(b.get("status", "open")),
        expected_pages=b.get("expected_pages"),
        notes=b.get("notes", ""),
        created_by=b.get("created_by", ""),
        created_at=_dt(b.get("created_at")),
        closed_at=_dt(b.get("closed_at")),
        paper_returned=bool(b.get("paper_returned", False)),
    )
    pages: list[Page] = []
    ocr: dict[str, OcrResult] = {}
    links: list[PageLink] = []
    objects: dict[str, dict[str, Any]] = {}
    for p in obj.get("pages", []):
        captured = _dt(p.get("captured_at"))
        assert captured is not None
        page = Page(
            id=p["id"],
            batch_id=batch.id,
            seq=int(p["seq"]),
            original_sha256=p["original_sha256"],
            captured_at=captured,
            operator=p.get("operator", ""),
            source_device=p.get("source_device", ""),
            processed_sha256=p.get("processed_sha256"),
            derivative_sha256=p.get("derivative_sha256"),
            dpi=p.get("dpi"),
            geometry=PageGeometry.from_dict(p.get("geometry")),
            quality=dict(p.get("quality") or {}),
            process_meta=dict(p.get("process_meta") or {}),
            state=PageState(p.get("state", "captured")),
            ocr_state=p.get("ocr_state", "pending"),
            ocr_text=p.get("ocr_text", ""),
            ocr_engine=p.get("ocr_engine", ""),
            state_reason=p.get("state_reason", ""),
            sync_state=SyncState.VERIFIED,
            review_state=p.get("review_state", ""),
        )
        pages.append(page)
        objects.update(p.get("objects") or {})
        if p.get("ocr"):
            o = dict(p["ocr"])
            o["text"] = page.ocr_text
            ocr[page.id] = OcrResult.from_dict(o)
        for lk in p.get("links", []):
            links.append(
                PageLink(
                    id=lk["id"],
                    page_id=page.id,
                    person_id=lk["person_id"],
                    role=lk.get("role", ""),
                    score=float(lk.get("score", 0.0)),
                    method=LinkMethod(lk.get("method", "manual")),
                    reasons=tuple(lk.get("reasons", ())),
                    linked_by=lk.get("linked_by", ""),
                    linked_at=_dt(lk.get("linked_at")),
                )
            )
    persons = []
    for pd in obj.get("persons", []):
        from datetime import date

        persons.append(
            Person(
                id=pd["id"],
                name=pd["name"],
                id_number=pd.get("id_number", ""),
                id_number_raw=pd.get("id_number_raw", ""),
                former_name=pd.get("former_name", ""),
                sex=pd.get("sex", ""),
                ethnicity=pd.get("ethnicity", ""),
                birth_date=date.fromisoformat(pd["birth_date"]) if pd.get("birth_date") else None,
                household_no=pd.get("household_no", ""),
                relation=pd.get("relation", ""),
                address=pd.get("address", ""),
                station=pd.get("station", ""),
                status=pd.get("status", ""),
            )
        )
    return ParsedManifest(
        station, batch, pages, ocr, links, persons, list(obj.get("tombstones", [])), objects
    )
