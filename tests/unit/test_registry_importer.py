"""Registry import: encodings, header recognition, bad rows, re-import, resume, XLSX."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from hukou_scan.app import AppContext
from hukou_scan.config import Settings
from hukou_scan.domain.sample import REGISTRY_COLUMNS, generate_households, registry_rows
from hukou_scan.errors import HukouScanError
from hukou_scan.registry.importer import (
    detect_encoding,
    parse_date,
    parse_mapping_spec,
    preview,
    recognize_headers,
    resolve_mapping,
)


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def sample_rows(n_households: int = 20, seed: int = 7) -> list[list[str]]:
    return registry_rows(generate_households(n_households, seed))


BAD_ROWS = [
    [
        "",
        "",
        "110101199001011234",
        "男",
        "汉族",
        "1990-01-01",
        "H1",
        "",
        "户主",
        "某地",
        "城关派出所",
        "正常",
    ],
    [
        "李坏号",
        "",
        "11010119900101ABCD",
        "男",
        "汉族",
        "1990-01-01",
        "H2",
        "",
        "户主",
        "某地",
        "城关派出所",
        "正常",
    ],
    ["赵坏日", "", "", "女", "汉族", "1990-13-45", "H3", "", "户主", "某地", "城关派出所", "正常"],
    ["钱短行", "", "110101199001011234"],
    ["孙坏性别", "", "", "未知", "汉族", "1990-01-01", "H4", "", "户主", "某地", "城关派出所", "正常"],
]


def test_detect_encoding(tmp_path: Path) -> None:
    rows = sample_rows(3)
    assert detect_encoding(write_csv(tmp_path / "a.csv", REGISTRY_COLUMNS, rows, "gbk")) == "gb18030"
    assert detect_encoding(write_csv(tmp_path / "b.csv", REGISTRY_COLUMNS, rows, "gb18030")) == "gb18030"
    assert detect_encoding(write_csv(tmp_path / "c.csv", REGISTRY_COLUMNS, rows, "utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(write_csv(tmp_path / "d.csv", REGISTRY_COLUMNS, rows, "utf-8")) == "utf-8"


def test_header_recognition_and_manual_override() -> None:
    headers = [
        "序号",
        "人员姓名",
        "身份证号",
        "性别",
        "出生年月日",
        "户编号",
        "与户主的关系",
        "户籍地址",
        "所属派出所",
        "人员状态",
        "备注姓名",
    ]
    m = recognize_headers(headers)
    assert m == {
        "name": 1,
        "id_number": 2,
        "sex": 3,
        "birth_date": 4,
        "household_no": 5,
        "relation": 6,
        "address": 7,
        "station": 8,
        "status": 9,
    }
    m2 = resolve_mapping(headers, {"name": "备注姓名", "status": ""})
    assert m2["name"] == 10 and "status" not in m2
    assert resolve_mapping(headers, {"former_name": 0})["former_name"] == 0
    with pytest.raises(HukouScanError):
        resolve_mapping(headers, {"name": "不存在的列"})
    with pytest.raises(HukouScanError):
        resolve_mapping(headers, {"bogus": "性别"})
    with pytest.raises(HukouScanError):
        resolve_mapping(["甲", "乙"])  # no name column at all


def test_mapping_spec_forms() -> None:
    assert parse_mapping_spec("name=人员姓名, id_number=证件号码") == {
        "name": "人员姓名",
        "id_number": "证件号码",
    }
    assert parse_mapping_spec('{"name": "人员姓名"}') == {"name": "人员姓名"}
    with pytest.raises(HukouScanError):
        parse_mapping_spec("name")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990-01-02", date(1990, 1, 2)),
        ("1990/1/2", date(1990, 1, 2)),
        ("1990.01.02", date(1990, 1, 2)),
        ("19900102", date(1990, 1, 2)),
        ("1990年1月2日", date(1990, 1, 2)),
        ("1990-01-02 00:00:00", date(1990, 1, 2)),
        ("", None),
    ],
)
def test_parse_date(raw: str, expected: date | None) -> None:
    assert parse_date(raw) == expected


def test_parse_date_rejects_nonsense() -> None:
    for bad in ("1990-13-01", "一九九〇年", "90-1-2"):
        with pytest.raises(ValueError):
            parse_date(bad)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_import_with_bad_rows_keeps_good_rows(ctx: AppContext, tmp_path: Path, encoding: str) -> None:
    good = sample_rows(20)
    rows = good[:10] + BAD_ROWS + good[10:]
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, encoding)
    out = tmp_path / "bad.csv"
    report = ctx.registry.import_file(path, bad_rows_out=out)
    run = report.run
    assert run.state == "done"
    assert run.rows_done == len(rows)
    assert run.bad == len(BAD_ROWS)
    assert run.added == len(good)
    assert ctx.persons.count() == len(good)
    # Bad rows are listed with their file row number (header = row 1) and a reason.
    bad = list(ctx.registry_store.bad_rows(run.id))
    assert [b.row_no for b in bad] == [12, 13, 14, 15, 16]
    assert "姓名为空" in bad[0].reason_zh and "name is empty" in bad[0].reason_en
    assert "身份号码格式错误" in bad[1].reason_zh
    assert "出生日期" in bad[2].reason_zh
    assert "列数" in bad[3].reason_zh
    assert "性别" in bad[4].reason_zh
    with open(out, encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.reader(fh))
    assert exported[0][:3] == ["行号", "原因", "reason"]
    assert [r[0] for r in exported[1:]] == ["12", "13", "14", "15", "16"]
    assert exported[2][3] == "李坏号"
    # 15-digit numbers are stored upgraded, the raw number kept.
    p = ctx.persons.by_name(good[0][0])[0]
    assert len(p.id_number) == 18
    assert p.birth_date == date.fromisoformat(good[0][5])


def test_reimport_updates_instead_of_duplicating(ctx: AppContext, tmp_path: Path) -> None:
    rows = sample_rows(15)
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, "gb18030")
    first = ctx.registry.import_file(path).run
    assert first.added == len(rows) and first.updated == 0
    rows[0][9] = "新地址路1号"
    rows[1][11] = "死亡"
    path2 = write_csv(tmp_path / "reg2.csv", REGISTRY_COLUMNS, rows, "gb18030")
    second = ctx.registry.import_file(path2).run
    assert second.added == 0 and second.updated == len(rows)
    assert ctx.persons.count() == len(rows)
    number = rows[0][2]
    (p,) = ctx.registry_store.by_id_numbers([number])
    assert p.address == "新地址路1号"
    # the same file imported again is a new, complete run (not a resume of a finished one)
    third = ctx.registry.import_file(path2)
    assert third.resumed_from == 0 and third.run.updated == len(rows)


def test_interrupted_import_resumes_from_last_committed_chunk(ctx: AppContext, tmp_path: Path) -> None:
    rows = sample_rows(60)
    rows.insert(5, BAD_ROWS[0])
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, "gb18030")
    svc = ctx.registry
    svc.chunk_size = 20

    class Crash(Exception):
        pass

    def crash_after_two(position: int) -> None:
        if position >= 40:
            raise Crash

    svc.after_chunk = crash_after_two
    with pytest.raises(Crash):
        svc.import_file(path)
    (run,) = ctx.registry_store.list_imports()
    # an error marks the run failed (never "running" forever, issue 16); failed runs resume
    assert run.state == "failed" and run.rows_done == 40
    assert ctx.persons.count() == 39  # 40 rows committed, one of them bad
    svc.after_chunk = None
    report = svc.import_file(path)
    assert report.resumed_from == 40
    assert report.run.id == run.id
    assert report.run.rows_done == len(rows)
    assert report.run.bad == 1
    assert report.run.added == len(rows) - 1
    assert ctx.persons.count() == len(rows) - 1
    assert len(list(ctx.registry_store.bad_rows(run.id))) == 1


def test_cancelled_import_can_resume(ctx: AppContext, tmp_path: Path) -> None:
    import threading

    rows = sample_rows(40)
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, "utf-8")
    svc = ctx.registry
    svc.chunk_size = 10
    cancel = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int, _msg: str) -> None:
        seen.append((done, total))
        cancel.set()

    first = svc.import_file(path, progress=progress, cancel=cancel)
    assert first.cancelled and first.run.state == "cancelled"
    assert first.run.rows_done == 10
    assert seen and seen[0][1] == path.stat().st_size
    second = svc.import_file(path)
    assert second.resumed_from == 10 and second.run.state == "done"
    assert ctx.persons.count() == len(rows)


def test_first_large_import_drops_and_rebuilds_secondary_indexes(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hukou_scan.registry import importer

    monkeypatch.setattr(importer, "BULK_MIN_BYTES", 0)  # the sample file is "large"
    store = ctx.registry_store
    from hukou_scan.storage.records import PersonRecord

    n_secondary = sum(not i.unique for i in PersonRecord.__table__.indexes)  # type: ignore[attr-defined]
    assert n_secondary >= 5 and store.missing_person_indexes() == []
    rows = sample_rows(30)
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, "gb18030")
    missing_during: list[int] = []
    svc = ctx.registry
    svc.chunk_size = 20
    svc.after_chunk = lambda _pos: missing_during.append(len(store.missing_person_indexes()))
    messages: list[str] = []
    report = svc.import_file(path, progress=lambda _d, _t, msg: messages.append(msg))
    assert report.run.added == len(rows)
    assert messages[-1] == importer.INDEXING  # the dialog says why 100 % still takes a moment
    assert missing_during and all(n == n_secondary for n in missing_during)
    assert store.missing_person_indexes() == []
    # the rebuilt indexes answer lookups: name + birth date and household number
    target = rows[7]
    assert any(p.id_number == target[2] for p in ctx.persons.by_household(target[6]))
    # a re-import into the (now big) registry keeps its indexes while it runs
    missing_during.clear()
    ctx.registry.import_file(path, resume=False)
    assert missing_during and set(missing_during) == {0}


def test_bulk_import_restores_indexes_after_a_crash_and_at_start(
    ctx: AppContext, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hukou_scan.registry import importer

    monkeypatch.setattr(importer, "BULK_MIN_BYTES", 0)
    rows = sample_rows(30)
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, "gb18030")
    svc = ctx.registry
    svc.chunk_size = 20

    class Crash(Exception):
        pass

    def crash(_pos: int) -> None:
        raise Crash

    svc.after_chunk = crash
    with pytest.raises(Crash):
        svc.import_file(path)
    assert ctx.registry_store.missing_person_indexes() == []  # restored on the way out
    # a process killed mid-import never reaches that: the next start restores them
    ctx.registry_store.drop_person_indexes()
    assert ctx.registry_store.missing_person_indexes()
    again = AppContext(settings, log_to_file=False)
    try:
        assert again.registry_store.missing_person_indexes() == []
    finally:
        again.close()
    svc.after_chunk = None
    report = svc.import_file(path)
    assert report.resumed_from == 20 and report.run.state == "done"
    assert ctx.persons.count() == len(rows)


def test_xlsx_import_and_numeric_id_rejected(ctx: AppContext, tmp_path: Path) -> None:
    import openpyxl

    rows = sample_rows(5)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(REGISTRY_COLUMNS)
    for r in rows:
        values: list[object] = list(r)
        values[5] = date.fromisoformat(r[5])  # a real Excel date cell
        ws.append(values)
    bad = list(rows[0])
    bad[0] = "数字号"
    bad_values: list[object] = list(bad)
    bad_values[2] = 110101199001011234  # an 18-digit number typed into Excel loses digits
    ws.append(bad_values)
    path = tmp_path / "reg.xlsx"
    wb.save(path)
    pv = preview(path)
    assert pv.format == "xlsx" and pv.mapping["name"] == 0 and len(pv.rows) == len(rows) + 1
    assert len(rows) in pv.problems
    report = ctx.registry.import_file(path)
    assert report.run.added == len(rows) and report.run.bad == 1
    (b,) = ctx.registry_store.bad_rows(report.run.id)
    assert b.row_no == len(rows) + 2 and "Excel" in b.reason_zh


def test_wrong_encoding_is_a_clear_error(ctx: AppContext, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, sample_rows(3), "gb18030")
    with pytest.raises(HukouScanError) as e:
        ctx.registry.import_file(path, encoding="utf-8")
    assert "utf-8" in e.value.en


def test_preview_shows_detected_encoding_mapping_and_problems(tmp_path: Path) -> None:
    rows = [*sample_rows(3), BAD_ROWS[2]]
    path = write_csv(tmp_path / "reg.csv", REGISTRY_COLUMNS, rows, "gbk")
    pv = preview(path, n=50)
    assert pv.encoding == "gb18030"
    assert pv.headers == REGISTRY_COLUMNS
    assert pv.mapping["id_number"] == 2
    assert list(pv.problems) == [len(rows) - 1]
