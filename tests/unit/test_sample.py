"""The shipped sample registry matches its generator, and its data is internally consistent."""

from __future__ import annotations

import csv
from pathlib import Path

from hukou_scan.domain import idnumber
from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households, registry_rows

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "registry.csv"


def test_shipped_csv_matches_generator() -> None:
    with open(SAMPLE, encoding="gb18030", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == REGISTRY_COLUMNS
    assert rows[1:] == registry_rows(generate_households())


def test_sample_ids_valid_and_consistent() -> None:
    households = generate_households()
    assert len(households) == 40
    for h in households:
        assert h.head.relation == "户主"
        for p in h.members:
            assert idnumber.is_valid18(p.id_number)
            assert idnumber.to18(p.id_number_raw) == p.id_number
            assert idnumber.birth_date(p.id_number) == p.birth_date
            assert idnumber.sex(p.id_number) == p.sex


def test_generator_is_deterministic() -> None:
    assert generate_households(5, seed=7) == generate_households(5, seed=7)
    assert generate_households(5, seed=7) != generate_households(5, seed=8)
