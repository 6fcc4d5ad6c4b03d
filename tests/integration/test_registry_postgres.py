"""The registry area on PostgreSQL: migration, import (Core upsert path), re-import, lookup, warnings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households, registry_rows
from hukou_scan.registry.matching import PageFields, rank
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.registry import RegistryService
from hukou_scan.storage.db import Database
from hukou_scan.storage.registry import RegistryStore
from tests.registry_helpers import write_registry_csv

pytestmark = pytest.mark.postgres


def test_import_reimport_rank_and_scan_on_postgres(pg_db_url: str, tmp_path: Path) -> None:
    db = Database(pg_db_url)
    db.upgrade(backup=False)
    try:
        hs = generate_households(25, seed=3)
        rows = registry_rows(hs)
        rows.append(["", "", "", "", "", "", "", "", "", "", "", ""])  # blank: skipped
        rows.append(["坏行", "", "12345", "男", "", "", "", "", "", "", "", ""])  # malformed ID
        path = tmp_path / "reg.csv"
        with open(path, "w", encoding="gb18030", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(REGISTRY_COLUMNS)
            w.writerows(rows)
        store = RegistryStore(db)
        svc = RegistryService(store, OpenGuard(), chunk_size=17)
        first = svc.import_file(path).run
        n = sum(len(h.members) for h in hs)
        assert (first.added, first.updated, first.bad) == (n, 0, 1)
        second = svc.import_file(path, resume=False).run
        assert (second.added, second.updated) == (0, n)
        assert store.count_persons() == n
        target = hs[4].members[0]
        top = rank(PageFields(id_number=target.id_number_raw or target.id_number, name=target.name), store)[0]
        assert top.person.id_number == target.id_number
        counts = svc.scan_warnings()
        assert counts.get("id_not_upgraded", 0) == sum(
            1 for h in hs for m in h.members if len(m.id_number_raw) == 15
        )
    finally:
        db.dispose()


def test_bulk_first_import_rebuilds_indexes_on_postgres(
    pg_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hukou_scan.registry import importer

    monkeypatch.setattr(importer, "BULK_MIN_BYTES", 0)
    db = Database(pg_db_url)
    db.upgrade(backup=False)
    try:
        hs = generate_households(20, seed=5)
        path = write_registry_csv(tmp_path / "reg.csv", hs)
        store = RegistryStore(db)
        seen: list[int] = []
        svc = RegistryService(store, OpenGuard(), chunk_size=15)
        svc.after_chunk = lambda _pos: seen.append(len(store.missing_person_indexes()))
        run = svc.import_file(path).run
        assert run.added == sum(len(h.members) for h in hs)
        assert seen and min(seen) > 0  # dropped while loading
        assert store.missing_person_indexes() == []
        target = hs[3].members[0]
        top = rank(PageFields(name=target.name, birth_date=target.birth_date), store)[0]
        assert top.person.name == target.name
    finally:
        db.dispose()


def test_migration_0005_downgrades_on_postgres(pg_db_url: str) -> None:
    from sqlalchemy import inspect

    db = Database(pg_db_url)
    try:
        db.upgrade(backup=False)
        db.downgrade("0004_ocr")
        insp = inspect(db.engine)
        assert "link_proposals" not in insp.get_table_names()
        assert "name_key" not in {c["name"] for c in insp.get_columns("persons")}
        db.upgrade(backup=False)
        assert "name_key" in {c["name"] for c in inspect(db.engine).get_columns("persons")}
    finally:
        db.dispose()
