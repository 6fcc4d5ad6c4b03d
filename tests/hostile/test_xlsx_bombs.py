"""Registry files in Excel format are zips of XML: a zip bomb or an entity bomb must be refused
with a message, before it can eat the station's memory, and the registry must be unchanged."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from hukou_scan.app import AppContext
from hukou_scan.errors import HukouScanError
from hukou_scan.registry import importer


def good_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "公民身份号码", "户号"])
    ws.append(["张三", "11010519491231002X", "H1"])
    wb.save(path)
    return path


def with_part(src: Path, dst: Path, name: str, write: object) -> Path:
    """Copy ``src`` replacing (or adding) one zip member, streaming it so the test stays small."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != name:
                zout.writestr(item, zin.read(item.filename))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as fh:
            write(fh)  # type: ignore[operator]
    return dst


def test_shared_strings_zip_bomb_is_refused_before_inflating(ctx: AppContext, tmp_path: Path) -> None:
    good = good_workbook(tmp_path / "good.xlsx")

    def zeros(fh: object) -> None:
        block = b"<si><t>" + b"0" * (1 << 20) + b"</t></si>"
        for _ in range(600):  # 600 MB of text, a few hundred kB on disk
            fh.write(block)  # type: ignore[attr-defined]

    bomb = with_part(good, tmp_path / "bomb.xlsx", "xl/sharedStrings.xml", zeros)
    assert bomb.stat().st_size < 5 << 20
    with pytest.raises(HukouScanError) as e:
        ctx.registry.preview(bomb)
    assert "拒绝导入" in e.value.zh and "refused" in e.value.en
    with pytest.raises(HukouScanError):
        ctx.registry.import_file(bomb)
    assert ctx.registry.import_file(good).run.rows_done == 1


def test_entity_expansion_is_not_resolved() -> None:
    """openpyxl only defuses XML when defusedxml is importable; it is a dependency for this."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_billion_laughs_in_a_sheet_is_a_message(ctx: AppContext, tmp_path: Path) -> None:
    good = good_workbook(tmp_path / "good.xlsx")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    bomb = with_part(good, tmp_path / "laughs.xlsx", "xl/worksheets/sheet1.xml", lambda fh: fh.write(laughs))
    with pytest.raises(HukouScanError):
        ctx.registry.preview(bomb)


def test_limits_are_far_above_a_real_export() -> None:
    # a million-person export: ~1 GB of sheet XML at most, shared strings ~100 MB
    assert importer.XLSX_MAX_UNPACKED >= 2 << 30
    assert importer.XLSX_MAX_SHARED_STRINGS >= 256 << 20
