"""Issue 16 item 4: no CSV the product writes may carry a live spreadsheet formula."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.domain.csvfile import FORMULA_PREFIXES, csv_cell
from hukou_scan.registry.warnings import write_csv
from hukou_scan.services.dashboard import ClerkThroughput, DashboardReport, StationWarnings, StatRow
from hukou_scan.storage.registry import StoredWarning

PACKAGE = Path(__file__).resolve().parents[2] / "hukou_scan"
EVIL = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


def assert_no_formula(path: Path) -> None:
    live = [c for c in cells(path) if c[:1] in FORMULA_PREFIXES]
    assert not live, live


def test_shared_cell_function() -> None:
    for text in EVIL:
        assert csv_cell(text) == "'" + text
    assert csv_cell("张三") == "张三" and csv_cell(-5) == -5 and csv_cell(None) is None


def test_every_csv_writer_in_the_package_goes_through_the_shared_writer() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "csvfile.py" and re.search(r"csv\.(writer|DictWriter)\(", p.read_text("utf-8"))
    ]
    assert offenders == []


def test_warnings_csv(tmp_path: Path) -> None:
    rows = [
        StoredWarning(
            "duplicate_id",
            "p1",
            None,
            None,
            EVIL[3],
            EVIL[1],
            EVIL[2],
            EVIL[0],
            {"name": EVIL[0], "id_number": "=1"},
        )
    ]
    out = tmp_path / "w.csv"
    assert write_csv(rows, out) == 1
    assert_no_formula(out)
    assert "'" + EVIL[0] in cells(out)


def test_bad_rows_csv(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "公民身份号码", "户号", "出生日期"])
        w.writerow(["王五", "", "H0", "1990-01-01"])
        w.writerow([EVIL[0], "not-an-id", "=1+1", "1990-01-01"])  # rejected: malformed ID
        w.writerow(["@SUM(A1)", "", "H2", "-1"])  # rejected: unreadable date
    report = ctx.registry.import_file(path)
    assert report.run.bad == 2
    out = tmp_path / "bad.csv"
    assert ctx.registry.export_bad_rows(report.run.id, out) == 2
    assert_no_formula(out)
    assert "'" + EVIL[0] in cells(out)


def test_audit_csv(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "=cmd.csv"
    path.write_text("姓名\n张三\n", encoding="utf-8")
    ctx.registry.import_file(path)  # audited with target "=cmd.csv"
    out = tmp_path / "audit.csv"
    assert ctx.security.export_audit_csv(out) >= 1
    assert_no_formula(out)
    assert "'=cmd.csv" in cells(out)


def test_stats_csv(ctx: AppContext, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    report = DashboardReport(
        group="station",
        rows=[StatRow(EVIL[0], EVIL[1], captured=3)],
        throughput=[ClerkThroughput("@clerk", "-2026", 3, now, now)],
        warnings=[StationWarnings("s1", "=S1", {"+kind": 2}, 2, 10)],
        warnings_source="=src",
        generated_at=now,
    )
    out = tmp_path / "stats.csv"
    ctx.dashboard.export_csv(report, out)
    assert_no_formula(out)
    assert "'=S1" in cells(out) and "'+kind" in cells(out)


@pytest.mark.parametrize("text", EVIL[:4])  # names are stripped on import: tab/CR cases are unit-tested
def test_cli_warnings_csv_end_to_end(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """A registry name starting like a formula, through a real scan and ``warnings --csv``."""
    from hukou_scan.cli import main

    path = tmp_path / "reg.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "公民身份号码", "户号", "出生日期"])
        # the same ID number in two households: the one-person-two-households rule fires
        w.writerow([text, "11010519491231002X", "H1", "1949-12-31"])
        w.writerow([text, "11010519491231002X", "H2", "1949-12-31"])
    ctx.registry.import_file(path)
    out = tmp_path / "w.csv"
    assert main(["warnings", "--csv", str(out)]) == 0
    capsys.readouterr()
    assert "'" + text in cells(out)  # the finding is there, neutralised
    assert_no_formula(out)
