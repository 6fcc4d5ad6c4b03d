"""Domain objects.  Services take and return these, never ORM records.

Identifiers are UUID4 hex strings so that several stations writing into one
PostgreSQL catalogue (or merging offline work later) never clash.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


def new_id() -> str:
    """A globally unique primary key (32 hex chars)."""
    return uuid.uuid4().hex


class BatchCategory(enum.StrEnum):
    """The eight business categories of household-registration archives."""

    BIRTH = "出生"
    DEATH = "死亡"
    MOVE_IN = "迁入"
    MOVE_OUT = "迁出"
    CHANGE = "项目变更更正"
    CANCEL_RESTORE = "注销和恢复"
    ID_CARD = "居民身份证件"
    ARCHIVE_MGMT = "档案管理"


class BatchStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class PageState(enum.StrEnum):
    """Lifecycle of a page; the order matters (a later state implies the earlier ones)."""

    CAPTURED = "captured"
    PROCESSED = "processed"
    RECOGNIZED = "recognized"
    LINKED = "linked"
    REVIEWED = "reviewed"
    SYNCED = "synced"
    FAILED = "failed"
    DELETED = "deleted"


DELETED_FROM = "deleted_from:"  # state_reason of a deleted page: the state an undo gives back


def recognised_state(state: PageState, reason: str) -> tuple[PageState, str] | None:
    """The (state, reason) a page takes when its recognition succeeds; ``None`` = unchanged.

    Why: a clerk may delete a page while it waits for OCR; the reading that lands later
    must not bring it back into the batch (it came back as page 3 with the counter one
    higher, issue 15 journeys).  A deleted page stays deleted and remembers it is now
    recognised, so "undo delete" restores it as such.  Pages already further along
    (linked, reviewed, synced) keep their state.
    """
    if state == PageState.DELETED:
        before = reason.removeprefix(DELETED_FROM) if reason.startswith(DELETED_FROM) else None
        if before in (PageState.CAPTURED.value, PageState.PROCESSED.value, PageState.FAILED.value):
            return PageState.DELETED, DELETED_FROM + PageState.RECOGNIZED.value
        return None  # replaced by a re-take, or deleted from a later state: as it is
    if state in (PageState.LINKED, PageState.REVIEWED, PageState.SYNCED):
        return None
    return PageState.RECOGNIZED, ""


class SyncState(enum.StrEnum):
    LOCAL = "local"
    UPLOADED = "uploaded"
    VERIFIED = "verified"


class LinkMethod(enum.StrEnum):
    AUTO = "auto"
    CONFIRMED = "confirmed"
    MANUAL = "manual"


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Role(enum.StrEnum):
    CLERK = "clerk"  # 采集员
    REVIEWER = "reviewer"  # 核查员
    SEARCHER = "searcher"  # 查询员
    ADMIN = "admin"  # 管理员


@dataclass(frozen=True)
class Quad:
    """Page corners TL, TR, BR, BL in pixel coordinates of the image they were found in."""

    tl: tuple[float, float]
    tr: tuple[float, float]
    br: tuple[float, float]
    bl: tuple[float, float]

    def points(self) -> list[tuple[float, float]]:
        return [self.tl, self.tr, self.br, self.bl]

    def to_list(self) -> list[list[float]]:
        return [[round(x, 2), round(y, 2)] for x, y in self.points()]

    @classmethod
    def from_list(cls, pts: Any) -> Quad:
        p = [(float(x), float(y)) for x, y in pts]
        if len(p) != 4:
            raise ValueError("a quad needs exactly four points")
        return cls(p[0], p[1], p[2], p[3])


@dataclass(frozen=True)
class PaperLocation:
    """Where the paper original stays (库房/柜/架/盒/卷, page range)."""

    room: str = ""
    cabinet: str = ""
    shelf: str = ""
    box: str = ""
    volume: str = ""
    page_from: int | None = None
    page_to: int | None = None

    def describe(self) -> str:
        parts = [
            f"{self.room}库房" if self.room else "",
            f"{self.cabinet}柜" if self.cabinet else "",
            f"{self.shelf}架" if self.shelf else "",
            f"{self.box}盒" if self.box else "",
            f"{self.volume}卷" if self.volume else "",
        ]
        text = "".join(parts)
        if self.page_from is not None:
            text += f" 第{self.page_from}-{self.page_to if self.page_to is not None else '?'}页"
        return text.strip()


@dataclass(frozen=True)
class PageGeometry:
    """How a processed page was derived from its original frame.

    Each value remembers whether it was found automatically or set by hand, so that
    re-running automatic detection never overwrites a manual correction.
    """

    quad: Quad | None = None
    quad_manual: bool = False
    skew_deg: float = 0.0
    skew_manual: bool = False
    orientation: int = 0
    orientation_manual: bool = False
    split: str = "none"  # none | left | right
    enhance: str = "auto"
    extra_rotation: int = 0  # clerk's 90° turns
    spread: str = "auto"  # clerk's choice for this capture: auto | always (split) | never (one page)
    dewarp: str = "auto"  # curved-page flattening: auto (when curved) | off (the clerk switched it off)
    # sha256 of the camera's picture of the empty desk taken just before this capture (in
    # the page store), or "": page detection compares the frame with it, now and whenever
    # the page is remade from its original
    desk_ref: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = self._fields()
        if self.desk_ref:  # (absent when unset: older rows and exports keep their exact shape)
            d["desk_ref"] = self.desk_ref
        return d

    def _fields(self) -> dict[str, Any]:
        return {
            "quad": self.quad.to_list() if self.quad else None,
            "quad_manual": self.quad_manual,
            "skew_deg": self.skew_deg,
            "skew_manual": self.skew_manual,
            "orientation": self.orientation,
            "orientation_manual": self.orientation_manual,
            "split": self.split,
            "enhance": self.enhance,
            "extra_rotation": self.extra_rotation,
            "spread": self.spread,
            "dewarp": self.dewarp,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> PageGeometry:
        if not d:
            return cls()
        quad = Quad.from_list(d["quad"]) if d.get("quad") else None
        return cls(
            quad=quad,
            quad_manual=bool(d.get("quad_manual", False)),
            skew_deg=float(d.get("skew_deg", 0.0)),
            skew_manual=bool(d.get("skew_manual", False)),
            orientation=int(d.get("orientation", 0)),
            orientation_manual=bool(d.get("orientation_manual", False)),
            split=str(d.get("split", "none")),
            enhance=str(d.get("enhance", "auto")),
            extra_rotation=int(d.get("extra_rotation", 0)),
            spread=str(d.get("spread", "auto")),
            dewarp=str(d.get("dewarp", "auto")),
            desk_ref=str(d.get("desk_ref") or ""),
        )


@dataclass(frozen=True)
class Station:
    id: str
    code: str
    name: str


@dataclass
class Batch:
    id: str
    archive_id: str  # 档号
    category: BatchCategory
    station_id: str
    location: PaperLocation = field(default_factory=PaperLocation)
    status: BatchStatus = BatchStatus.OPEN
    expected_pages: int | None = None
    notes: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    closed_at: datetime | None = None
    paper_returned: bool = False


@dataclass
class Page:
    id: str
    batch_id: str
    seq: int
    original_sha256: str
    captured_at: datetime
    operator: str = ""
    source_device: str = ""
    processed_sha256: str | None = None
    derivative_sha256: str | None = None  # cleaned grey/bitonal for OCR and export
    dpi: float | None = None
    geometry: PageGeometry = field(default_factory=PageGeometry)
    quality: dict[str, Any] = field(default_factory=dict)
    process_meta: dict[str, Any] = field(default_factory=dict)
    state: PageState = PageState.CAPTURED
    ocr_state: str = "pending"
    ocr_text: str = ""
    ocr_engine: str = ""
    state_reason: str = ""
    sync_state: SyncState = SyncState.LOCAL
    review_state: str = ""


def page_numbers(pages: Iterable[Page]) -> dict[str, int]:
    """The page number a person reads: 1-based position among the batch's visible pages.

    ``Page.seq`` is internal: deleted and replaced pages keep theirs (so undo puts a
    page back where it was) and leave gaps.  Every screen, export and report shows this
    number instead.  ``pages`` must hold all visible pages of their batches; deleted
    pages get no number.
    """
    visible = sorted((p for p in pages if p.state != PageState.DELETED), key=lambda p: (p.batch_id, p.seq))
    counters: dict[str, int] = {}
    out: dict[str, int] = {}
    for p in visible:
        counters[p.batch_id] = out[p.id] = counters.get(p.batch_id, 0) + 1
    return out


@dataclass(frozen=True)
class OcrWord:
    """One recognised text run with its box in processed-page pixel coordinates."""

    text: str
    x: int
    y: int
    w: int
    h: int
    conf: float
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "box": [self.x, self.y, self.w, self.h],
            "conf": round(self.conf, 4),
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrWord:
        x, y, w, h = (int(v) for v in d["box"])
        return cls(str(d["text"]), x, y, w, h, float(d.get("conf", 0.0)), int(d.get("line", 0)))


@dataclass(frozen=True)
class ReadCorrection:
    """A proposed correction of what was read on a page, from re-reading it against a candidate.

    Never applied by itself: shown to the clerk beside the candidate, it becomes the
    page's value only when the clerk confirms that candidate (link-then-correct).

    Attributes:
        field: ``id_number`` or ``name``.
        raw: what the recogniser read.
        corrected: the candidate's value the handwriting fits.
        share: the candidate value's share of the evidence (0–1).
    """

    field: str
    raw: str
    corrected: str
    share: float


Alternatives = tuple[tuple[tuple[str, float], ...], ...]
"""Per position of a reading, the recogniser's candidate characters with probabilities."""


@dataclass(frozen=True)
class ExtractedField:
    """A registry field read from a page, with where it was and how sure we are."""

    name: str  # id_number, name, former_name, sex, ethnicity, birth_date, household_no, address, relation
    value: str
    raw: str = ""
    box: tuple[int, int, int, int] | None = None
    confidence: float = 0.0
    valid: bool = True
    reasons: tuple[str, ...] = ()
    needs_review: bool = False
    alternatives: Alternatives = ()
    """Per written character, the recogniser's options ``(char, probability)`` best first.

    Kept (for ID numbers and names) so that the linker can re-read the field against
    registry candidates without the image: see :mod:`hukou_scan.domain.iddecode`.
    """
    frames: Alternatives = ()
    """Per recogniser frame (CTC), its top classes ``(char, probability)``, ``""`` the blank.

    Kept for names: a candidate name of another length than the reading (a character
    too many or too few) can still be scored against them
    (:func:`hukou_scan.domain.iddecode.ctc_logprob`).
    """

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "raw": self.raw,
            "box": list(self.box) if self.box else None,
            "confidence": round(self.confidence, 4),
            "valid": self.valid,
            "reasons": list(self.reasons),
            "needs_review": self.needs_review,
        }
        if self.alternatives:
            d["alternatives"] = [[[c, round(p, 4)] for c, p in pos] for pos in self.alternatives]
        if self.frames:
            d["frames"] = [[[c, round(p, 4)] for c, p in pos] for pos in self.frames]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExtractedField:
        box = tuple(int(v) for v in d["box"]) if d.get("box") else None
        return cls(
            name=str(d["name"]),
            value=str(d["value"]),
            raw=str(d.get("raw", "")),
            box=box,  # type: ignore[arg-type]
            confidence=float(d.get("confidence", 0.0)),
            valid=bool(d.get("valid", True)),
            reasons=tuple(d.get("reasons", ())),
            needs_review=bool(d.get("needs_review", False)),
            alternatives=tuple(
                tuple((str(c), float(p)) for c, p in pos) for pos in d.get("alternatives", ())
            ),
            frames=tuple(tuple((str(c), float(p)) for c, p in pos) for pos in d.get("frames", ())),
        )


@dataclass
class OcrResult:
    text: str
    words: list[OcrWord]
    engine: str
    width: int
    height: int
    fields: list[ExtractedField] = field(default_factory=list)
    elapsed_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "words": [w.to_dict() for w in self.words],
            "fields": [f.to_dict() for f in self.fields],
            "engine": self.engine,
            "width": self.width,
            "height": self.height,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OcrResult:
        return cls(
            text=str(d.get("text", "")),
            words=[OcrWord.from_dict(w) for w in d.get("words", [])],
            engine=str(d.get("engine", "")),
            width=int(d.get("width", 0)),
            height=int(d.get("height", 0)),
            fields=[ExtractedField.from_dict(f) for f in d.get("fields", [])],
            elapsed_ms=float(d.get("elapsed_ms", 0.0)),
        )


@dataclass
class Household:
    id: str
    household_no: str  # 户号
    head_name: str = ""
    address: str = ""
    station_code: str = ""


@dataclass
class Person:
    id: str
    name: str
    id_number: str = ""  # normalised 18-digit where possible
    id_number_raw: str = ""
    former_name: str = ""
    sex: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    household_no: str = ""
    relation: str = ""  # 与户主关系
    address: str = ""
    station: str = ""
    status: str = ""  # 正常 / 注销 / 死亡 / 迁出 …
    registered_on: date | None = None  # 登记日期 (registry record date), when the export has it
    status_date: date | None = None  # date of the status change (注销/死亡/迁出 日期)


@dataclass
class PageLink:
    page_id: str
    person_id: str
    role: str = ""
    score: float = 0.0
    method: LinkMethod = LinkMethod.MANUAL
    reasons: tuple[str, ...] = ()
    linked_by: str = ""
    linked_at: datetime | None = None
    id: str = field(default_factory=new_id)


@dataclass
class Job:
    id: str
    kind: str
    page_id: str | None
    state: JobState
    attempts: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    roles: frozenset[Role]
    station_id: str | None = None
    all_stations: bool = False
    active: bool = True

    def has(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: datetime
    username: str
    station: str
    action: str
    target: str
    outcome: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
