"""The append-only, hash-chained audit log.

Each event stores ``prev_hash`` (the previous event's hash; :data:`GENESIS` for the
first) and ``hash`` = SHA-256 of the event's canonical JSON (sorted keys, no spaces,
UTF-8, timestamp in ISO format with microseconds, the sequence number included).
Editing an event breaks its own hash; deleting one breaks the link of the next (and
leaves a gap in ``seq``); moving one puts it after an event that is not its
predecessor.  The database also carries a unique index on ``prev_hash`` so that two
writers can never fork the chain: the loser of a race retries on the new tip.

An attacker with write access to the local database could still rewrite the whole
chain consistently.  :meth:`AuditChain.anchor` returns the tip ``(seq, hash)``; the
sync engine embeds it in every manifest it uploads, and :meth:`AuditChain.verify`
with that anchor proves the local history still contains exactly that event.

This is hand-written because the rules (what is hashed, how problems are classified
for ``hukou-scan audit verify``) are ours; hashing itself is :mod:`hashlib`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from hukou_scan.domain import AuditEvent

log = logging.getLogger(__name__)

GENESIS = "0" * 64
MAX_TARGET = 2000
MAX_DETAIL_TEXT = 4000


class AuditStore(Protocol):
    """Persistence the chain needs (implemented in :mod:`hukou_scan.storage.security`)."""

    def last(self) -> AuditEvent | None: ...

    def insert(self, event: AuditEvent) -> bool:
        """Insert; ``False`` when another writer took this ``seq``/``prev_hash`` first."""

    def iter_events(self, from_seq: int = 0, chunk: int = 2000) -> Iterator[AuditEvent]: ...

    def find_by_hash(self, digest: str) -> AuditEvent | None: ...

    def get(self, seq: int) -> AuditEvent | None: ...

    def count(self) -> int: ...


@dataclass(frozen=True)
class Anchor:
    """The chain tip at some moment: embed it somewhere the local attacker cannot write."""

    seq: int
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Anchor:
        return cls(int(d["seq"]), str(d["hash"]))


@dataclass(frozen=True)
class ChainProblem:
    """One place where the chain is broken.

    ``kind`` is ``edited``, ``deleted``, ``reordered``, ``inserted``, ``truncated`` or
    ``rewritten``; ``seq`` is the event at which it was noticed.
    """

    seq: int
    kind: str
    en: str
    zh: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "message": self.en, "message_zh": self.zh}


def _edited(e: AuditEvent) -> ChainProblem:
    """An event whose content no longer matches its own hash (found in two places of the walk)."""
    return ChainProblem(
        e.seq,
        "edited",
        f"event {e.seq} was edited (its content no longer matches its hash)",
        f"第 {e.seq} 条事件被修改（内容与哈希不符）",
    )


@dataclass
class VerifyReport:
    checked: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "cancelled": self.cancelled,
            "problems": [p.to_dict() for p in self.problems],
        }


def _jsonable(value: Any) -> Any:
    """Details as plain JSON values (what the JSON column gives back on reading)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def canonical_bytes(
    *,
    seq: int,
    at: datetime,
    username: str,
    station: str,
    action: str,
    target: str,
    outcome: str,
    details: dict[str, Any],
    prev_hash: str,
) -> bytes:
    """The exact bytes that are hashed for one event.

    ``details`` must already be plain JSON values (as :meth:`AuditChain.append` stores
    them and the database returns them); ``default=str`` only guards against misuse.
    """
    body = {
        "seq": seq,
        "at": at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "username": username,
        "station": station,
        "action": action,
        "target": target,
        "outcome": outcome,
        "details": details,
        "prev_hash": prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode(
        "utf-8"
    )


def event_hash(e: AuditEvent, seq: int | None = None) -> str:
    return hashlib.sha256(
        canonical_bytes(
            seq=e.seq if seq is None else seq,
            at=e.at,
            username=e.username,
            station=e.station,
            action=e.action,
            target=e.target,
            outcome=e.outcome,
            details=e.details,
            prev_hash=e.prev_hash,
        )
    ).hexdigest()


def _clip(text: str, limit: int) -> str:
    text = "".join(ch if ch.isprintable() or ch in "\t" else "\ufffd" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_details(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in details.items():
        if isinstance(v, str):
            out[str(k)] = _clip(v, MAX_DETAIL_TEXT)
        else:
            out[str(k)] = v
    return dict(_jsonable(out))


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AuditChain:
    """Appends events and verifies the chain.

    Args:
        store: persistence.
        clock: naive-UTC "now" (tests inject a fixed clock).
    """

    def __init__(self, store: AuditStore, clock: Callable[[], datetime] = _utcnow) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()

    def append(
        self,
        *,
        username: str,
        station: str,
        action: str,
        target: str = "",
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append one event on the current tip; retries when another writer won the race."""
        clean = _clean_details(details or {})
        with self._lock:
            for _attempt in range(50):
                tip = self.store.last()
                seq = (tip.seq if tip else 0) + 1
                prev = tip.hash if tip else GENESIS
                at = self.clock().replace(tzinfo=None)
                draft = AuditEvent(
                    seq=seq,
                    at=at,
                    username=_clip(username, 64),
                    station=_clip(station, 32),
                    action=_clip(action, 40),
                    target=_clip(target, MAX_TARGET),
                    outcome=_clip(outcome, 20),
                    details=clean,
                    prev_hash=prev,
                    hash="",
                )
                event = AuditEvent(**{**draft.__dict__, "hash": event_hash(draft)})
                if self.store.insert(event):
                    return event
            raise RuntimeError("audit chain: could not append after 50 attempts")

    def anchor(self) -> Anchor:
        """The current tip; :data:`GENESIS` at seq 0 for an empty log."""
        tip = self.store.last()
        return Anchor(tip.seq, tip.hash) if tip else Anchor(0, GENESIS)

    def verify(
        self,
        anchor: Anchor | None = None,
        progress: Callable[[int, int, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> VerifyReport:
        """Walk the whole chain and report every break, classified.

        Args:
            anchor: a previously recorded tip; when given, the chain must still contain
                exactly that event at that ``seq`` (detects truncation and rewrites).
            progress: ``progress(done, total, message)``.
            cancel: stops the walk; the report then has ``cancelled`` set.
        """
        report = VerifyReport()
        total = self.store.count()
        prev: AuditEvent | None = None
        anchor_seen = False
        for e in self.store.iter_events():
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            self._check_one(e, prev, report)
            if anchor is not None and e.seq == anchor.seq:
                anchor_seen = True
                if e.hash != anchor.hash:
                    report.problems.append(
                        ChainProblem(
                            e.seq,
                            "rewritten",
                            f"event {e.seq} differs from the anchored hash: history was rewritten",
                            f"第 {e.seq} 条事件与锚定哈希不符：历史记录被改写",
                        )
                    )
            prev = e
            report.checked += 1
            report.last_seq, report.last_hash = e.seq, e.hash
            if progress is not None and report.checked % 500 == 0:
                progress(report.checked, total, "")
        if anchor is not None and anchor.seq > 0 and not anchor_seen and not report.cancelled:
            report.problems.append(
                ChainProblem(
                    anchor.seq,
                    "truncated",
                    f"the anchored event {anchor.seq} is missing: the log was truncated "
                    f"(it now ends at {report.last_seq})",
                    f"锚定的第 {anchor.seq} 条事件不存在：日志被截断（现止于第 {report.last_seq} 条）",
                )
            )
        if progress is not None:
            progress(report.checked, total, "")
        if report.problems:
            log.warning("audit chain verification found %d problem(s)", len(report.problems))
        return report

    def _check_one(self, e: AuditEvent, prev: AuditEvent | None, report: VerifyReport) -> None:
        expected_prev = prev.hash if prev else GENESIS
        expected_seq = prev.seq + 1 if prev else 1
        self_ok = event_hash(e) == e.hash
        if e.prev_hash == expected_prev and e.seq == expected_seq:
            if not self_ok:
                report.problems.append(_edited(e))
            return
        # The link to the predecessor is broken: find out how.
        real_prev = self.store.find_by_hash(e.prev_hash) if e.prev_hash != GENESIS else None
        if e.prev_hash == GENESIS and prev is not None:
            report.problems.append(
                ChainProblem(
                    e.seq,
                    "reordered",
                    f"event at {e.seq} was moved: it is the first event of the log",
                    f"第 {e.seq} 条位置的事件被挪动：它本是日志的第一条",
                )
            )
        elif real_prev is not None and (prev is None or real_prev.seq != prev.seq):
            report.problems.append(
                ChainProblem(
                    e.seq,
                    "reordered",
                    f"event at {e.seq} was moved: it belongs after event {real_prev.seq}",
                    f"第 {e.seq} 条位置的事件被挪动：它应在第 {real_prev.seq} 条之后",
                )
            )
        elif e.seq != expected_seq:
            first_missing = expected_seq
            report.problems.append(
                ChainProblem(
                    e.seq,
                    "deleted",
                    f"events {first_missing}–{e.seq - 1} were deleted before event {e.seq}",
                    f"第 {e.seq} 条之前的第 {first_missing}–{e.seq - 1} 条事件被删除",
                )
                if e.seq > expected_seq
                else ChainProblem(
                    e.seq,
                    "reordered",
                    f"event numbers go backwards at {e.seq}",
                    f"事件编号在第 {e.seq} 条处倒退",
                )
            )
        elif prev is not None and not self_ok:
            report.problems.append(_edited(e))
        elif prev is not None:
            report.problems.append(
                ChainProblem(
                    prev.seq,
                    "edited",
                    f"event {prev.seq} was replaced or edited and re-hashed "
                    f"(event {e.seq} no longer points to it)",
                    f"第 {prev.seq} 条事件被替换或修改后重算了哈希（第 {e.seq} 条不再指向它）",
                )
            )
        else:
            report.problems.append(
                ChainProblem(
                    e.seq,
                    "deleted",
                    f"the start of the log was deleted (event {e.seq} does not follow the genesis)",
                    f"日志开头被删除（第 {e.seq} 条不接在起点之后）",
                )
            )
        if not self_ok and report.problems[-1].seq != e.seq:
            report.problems.append(_edited(e))
