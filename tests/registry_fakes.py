"""An in-memory registry for the linking tests (synthetic persons only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hukou_scan.domain import Person
from hukou_scan.registry.matching import fold


class MemorySource:
    """The four index lookups of :class:`~hukou_scan.registry.matching.CandidateSource` over
    a list, with the same matching rules as ``RegistryStore`` (a name key matches the
    folded name, the name as written or the former name)."""

    def __init__(self, persons: Sequence[Person]) -> None:
        self.persons = list(persons)

    def by_id_numbers(self, numbers: Sequence[str], limit: int = 50) -> list[Person]:
        wanted = set(numbers)
        return [p for p in self.persons if p.id_number in wanted or p.id_number_raw in wanted][:limit]

    def by_name_keys(self, keys: Sequence[str], birth: date | None = None, limit: int = 200) -> list[Person]:
        ks = set(keys)
        return [
            p
            for p in self.persons
            if (fold(p.name) in ks or p.name in ks or p.former_name in ks)
            and (birth is None or p.birth_date == birth)
        ][:limit]

    def by_birth_date(self, birth: date, limit: int = 500) -> list[Person]:
        return [p for p in self.persons if p.birth_date == birth][:limit]

    def by_household(self, household_no: str, limit: int = 100) -> list[Person]:
        return [p for p in self.persons if p.household_no == household_no][:limit]
