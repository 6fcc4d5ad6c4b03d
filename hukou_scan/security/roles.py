"""Role labels and the permission check shared by the real guard and the GUI.

The check itself is three lines, but it must be the same everywhere: administrators
hold every role and every station; ``all_stations`` lifts the station scoping of a
clerk or reviewer; otherwise a user acts only in their own station.
"""

from __future__ import annotations

from hukou_scan.domain import Role, User

ROLE_LABELS_ZH: dict[Role, str] = {
    Role.CLERK: "采集员",
    Role.REVIEWER: "核查员",
    Role.SEARCHER: "查询员",
    Role.ADMIN: "管理员",
}
ROLE_LABELS_EN: dict[Role, str] = {
    Role.CLERK: "clerk",
    Role.REVIEWER: "reviewer",
    Role.SEARCHER: "searcher",
    Role.ADMIN: "administrator",
}


def has_any_role(user: User, roles: tuple[Role, ...]) -> bool:
    """True when the user holds one of ``roles`` (administrators hold all; no roles = any user)."""
    if not user.active:
        return False
    if Role.ADMIN in user.roles:
        return True
    return not roles or any(r in user.roles for r in roles)


def may_act_on_station(user: User, station_id: str | None) -> bool:
    """True when the user may see and change data of ``station_id``."""
    if station_id is None or Role.ADMIN in user.roles or user.all_stations:
        return True
    return user.station_id == station_id


def parse_roles(values: list[str] | tuple[str, ...]) -> frozenset[Role]:
    """Roles from their value (``clerk``), English or Chinese label; unknown names are an error."""
    lookup: dict[str, Role] = {}
    for r in Role:
        lookup[r.value] = r
        lookup[ROLE_LABELS_ZH[r]] = r
        lookup[ROLE_LABELS_EN[r]] = r
    out: set[Role] = set()
    for v in values:
        key = v.strip().lower() if v.isascii() else v.strip()
        if key not in lookup:
            raise ValueError(v)
        out.add(lookup[key])
    return frozenset(out)
