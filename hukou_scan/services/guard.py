"""The seam through which every service checks roles and writes audit events.

Services receive a :class:`Guard` in their constructor and call ``require`` before
acting and ``audit`` after, so permission checks live in the core, not only in the
GUI.  The security area provides the real implementation (logged-in user, roles,
station scoping, hash-chained audit log); :class:`OpenGuard` is the explicit
"no login" guard for headless tools and tests, and it records what it was asked to
audit so tests can assert on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from hukou_scan.domain import Role, User


def station_scope(user: User | None) -> str | None:
    """The only station ``user`` may see, or ``None`` for all stations.

    System work (``user is None``), administrators and users granted all stations see
    everything; anyone else only their own station (issue 10's station scoping).
    """
    if user is None or Role.ADMIN in user.roles or user.all_stations:
        return None
    return user.station_id


class Guard(Protocol):
    @property
    def user(self) -> User | None:
        """The logged-in user (``None`` for system work)."""

    def require(self, *roles: Role, station_id: str | None = None) -> User | None:
        """Raise :class:`~hukou_scan.errors.PermissionDenied` unless the user holds one of ``roles``
        (administrators hold all) and, when given, may act on ``station_id``."""

    def audit(self, action: str, target: str = "", outcome: str = "ok", **details: Any) -> None:
        """Append an audit event for the current user."""

    def can_view_full_id(self) -> bool:
        """Whether ID numbers may be shown unmasked to this user."""


@dataclass
class OpenGuard:
    """Allows everything; keeps audit calls in memory.  For the CLI's system user and tests."""

    username: str = "system"
    events: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def user(self) -> User | None:
        return None

    def require(self, *roles: Role, station_id: str | None = None) -> User | None:
        return None

    def audit(self, action: str, target: str = "", outcome: str = "ok", **details: Any) -> None:
        self.events.append((action, target, outcome, details))

    def can_view_full_id(self) -> bool:
        return True
