"""Value objects shared by the search layers (issue 7).

They live in the domain because three layers exchange them: :mod:`hukou_scan.search`
builds match specifications, :mod:`hukou_scan.storage.search` turns them into SQLite
FTS5 / PostgreSQL tsquery SQL (storage may not import the search package), and the
service, CLI and GUI pass filters and results around.  Standard library only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class AtomKind(enum.StrEnum):
    """How one piece of a query is looked up in the token index."""

    UNIGRAM = "uni"  # a single CJK character: the unigram column
    PHRASE = "phrase"  # two or more CJK characters: consecutive bigrams in the bigram column
    PREFIX = "prefix"  # a Latin/digit run: tokens starting with it


@dataclass(frozen=True)
class MatchAtom:
    kind: AtomKind
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class MatchGroup:
    """Alternatives (OR); a query is the AND of its groups."""

    alternatives: tuple[MatchAtom, ...]


class IndexScope(enum.StrEnum):
    """Which indexed text a full-text match may come from."""

    META = "meta"  # batch metadata and linked persons' fields
    ALL = "all"  # meta plus the page's OCR text


class FieldMatch(enum.StrEnum):
    EXACT = "exact"
    PREFIX = "prefix"


@dataclass(frozen=True)
class SearchFilters:
    """Filters that narrow every kind of match.  ``None`` means "any"."""

    station_id: str | None = None
    category: str | None = None
    batch_id: str | None = None
    date_from: datetime | None = None  # capture time, inclusive
    date_to: datetime | None = None  # capture time, exclusive
    linked: bool | None = None
    review_state: str | None = None

    def is_empty(self) -> bool:
        return all(v is None for v in vars(self).values())

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in vars(self).items()
            if v is not None
        }


@dataclass(frozen=True)
class IndexDoc:
    """What the index stores for one page: filter columns plus four token lists."""

    page_id: str
    batch_id: str
    station_id: str
    category: str
    captured_at: datetime
    linked: bool
    review_state: str
    uni: tuple[str, ...]  # distinct CJK unigrams of the OCR text
    bi: tuple[str, ...]  # CJK bigrams and Latin/digit words of the OCR text, in reading order
    meta_uni: tuple[str, ...]
    meta_bi: tuple[str, ...]


@dataclass(frozen=True)
class PersonSummary:
    id: str
    name: str
    id_number: str
    household_no: str
    former_name: str = ""
    address: str = ""


@dataclass(frozen=True)
class IndexSource:
    """Everything about a page that is indexed, read in one go from storage."""

    page_id: str
    batch_id: str
    seq: int
    archive_id: str
    category: str
    station_id: str
    station_code: str
    station_name: str
    location: str
    captured_at: datetime
    review_state: str
    ocr_text: str
    persons: tuple[PersonSummary, ...] = ()


@dataclass(frozen=True)
class HitBox:
    """A rectangle to outline on the processed page image (pixels)."""

    x: int
    y: int
    w: int
    h: int
    text: str = ""


@dataclass(frozen=True)
class HitRow:
    """Page facts a result line shows (read for a whole result page in one query)."""

    page_id: str
    batch_id: str
    page_no: int  # the page number a person reads (position in the batch), not Page.seq
    captured_at: datetime
    review_state: str
    sync_state: str
    ocr_text: str
    image_sha256: str | None
    archive_id: str
    category: str
    station_name: str


@dataclass
class SearchHit:
    page_id: str
    batch_id: str
    page_no: int  # the page number a person reads (position in the batch), not Page.seq
    archive_id: str
    category: str
    station_name: str
    captured_at: datetime
    review_state: str
    sync_state: str
    tier: str  # why it matched: field / prefix / meta / text / filter
    snippet: str
    snippet_spans: list[tuple[int, int]] = field(default_factory=list)  # hit ranges inside the snippet
    persons: list[PersonSummary] = field(default_factory=list)
    thumbnail_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "page_id": self.page_id,
            "batch_id": self.batch_id,
            "page_no": self.page_no,
            "archive_id": self.archive_id,
            "category": self.category,
            "station": self.station_name,
            "captured_at": self.captured_at.isoformat(),
            "review_state": self.review_state,
            "sync_state": self.sync_state,
            "tier": self.tier,
            "snippet": self.snippet,
            "persons": [
                {"id": p.id, "name": p.name, "id_number": p.id_number, "household_no": p.household_no}
                for p in self.persons
            ],
        }


@dataclass
class SearchResult:
    query: str
    filters: SearchFilters
    hits: list[SearchHit]
    elapsed_ms: float
    more: bool = False  # further hits exist beyond the limit


@dataclass(frozen=True)
class RankedHit:
    """One ranked result of a single-statement search (PostgreSQL): its tier, the facts of
    its result line and its linked persons, so no further queries are needed to show it."""

    tier: str
    row: HitRow
    persons: list[PersonSummary]
