"""``hukou-scan import-registry`` and ``hukou-scan warnings`` end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from hukou_scan.cli import main
from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households, registry_rows

pytestmark = pytest.mark.usefixtures("cli_login")  # commands need a product login (cli/_auth.py)


def _write(path: Path, rows: list[list[str]], header: list[str] = REGISTRY_COLUMNS) -> Path:
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_import_registry_json_bad_rows_and_warnings(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = registry_rows(generate_households(12, seed=2))
    rows.append(["", "", "", "男", "", "", "", "", "", "", "", ""])
    path = _write(tmp_path / "人口.csv", rows)
    bad = tmp_path / "bad.csv"
    assert main(["import-registry", str(path), "--bad-rows", str(bad), "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["state"] == "done" and out["bad"] == 1 and out["added"] == len(rows) - 1
    assert out["encoding"] == "gb18030"
    assert bad.exists()
    assert main(["import-registry", str(path), "--json"]) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again["updated"] == len(rows) - 1 and again["added"] == 0

    report = tmp_path / "w.csv"
    assert main(["warnings", "--json", "--csv", str(report)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    rules = {x["rule"]: x["count"] for x in lines if "rule" in x}
    assert rules["id_not_upgraded"] > 0 and len(rules) == 11
    stations = [x for x in lines if "station" in x]
    assert stations and all(s["colour"] in {"red", "yellow", "blue"} for s in stations)
    assert report.read_text(encoding="utf-8-sig").count("\n") == sum(rules.values()) + 1


def test_import_registry_mapping_override_and_preview(
    settings: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = ["人员名称", "证件", "性别"]
    path = _write(tmp_path / "odd.csv", [["王一", "", "男"], ["李二", "", "女"]], header)
    # without a mapping the name column is not recognised: a clear error, non-zero exit
    assert main(["import-registry", str(path)]) != 0
    assert "姓名" in capsys.readouterr().err
    assert main(["import-registry", str(path), "--mapping", "name=人员名称", "--preview", "--json"]) == 0
    pv = json.loads(capsys.readouterr().out)
    assert pv["mapping"]["name"] == "人员名称" and len(pv["rows"]) == 2
    assert main(["import-registry", str(path), "--mapping", '{"name": "人员名称"}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 2


def test_missing_file_is_a_user_error(settings: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-registry", "/nonexistent/file.csv"]) != 0
    assert "文件不存在" in capsys.readouterr().err
