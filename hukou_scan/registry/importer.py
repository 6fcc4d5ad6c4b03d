"""Registry import: CSV/XLSX exports of the population information system into ``persons``.

What is ours and why: the header vocabulary of Chinese registry exports, the rules
that decide a bad row, the person key that makes a re-import update instead of
duplicate, and the chunk/position protocol that makes an interrupted import resume.
Parsing is the standard ``csv`` module and openpyxl in read-only streaming mode;
encoding detection tries BOMs, strict UTF-8 and GB18030 first (charset-normalizer
guesses short Chinese samples unreliably and is only the last resort).

Memory stays bounded: rows are read one at a time and written in chunks of
``chunk_size``; only the current chunk is held.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from hukou_scan.domain import idnumber
from hukou_scan.domain.csvfile import open_csv
from hukou_scan.domain.validation import has_control, text_problem
from hukou_scan.errors import HukouScanError, ImportRowError
from hukou_scan.registry.variants import fold
from hukou_scan.storage.registry import BadRow, ImportRun, RegistryStore

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]

DEFAULT_CHUNK = 20000
"""Rows per transaction.  Random person keys touch pages all over seven b-trees, and every
commit writes each touched page to the WAL once, so bigger chunks write far fewer pages
per row (5 000 → 20 000 rows: +25 % rows/s at 300 000 persons).  20 000 parsed rows
hold about 25 MB; a crash loses at most one chunk's work, which the resume redoes."""
# Bulk-load mode (indexes rebuilt at the end) from this file size, when the persons
# already held are under a tenth of the rows the file probably has.
BULK_MIN_BYTES = 16 * 1024 * 1024
BULK_BYTES_PER_ROW = 100  # a GB18030 registry row is 100-200 bytes
INDEXING = "indexes"  # progress message while a bulk load builds its indexes


FIELDS = (
    "name",
    "former_name",
    "id_number",
    "sex",
    "ethnicity",
    "birth_date",
    "household_no",
    "head_name",
    "relation",
    "address",
    "station",
    "status",
    "registered_on",
    "status_date",
    "record_id",
)
"""Target fields a column can be mapped to."""

FIELD_LABELS_ZH = {
    "name": "姓名",
    "former_name": "曾用名",
    "id_number": "公民身份号码",
    "sex": "性别",
    "ethnicity": "民族",
    "birth_date": "出生日期",
    "household_no": "户号",
    "head_name": "户主姓名",
    "relation": "与户主关系",
    "address": "住址",
    "station": "派出所",
    "status": "状态",
    "registered_on": "登记日期",
    "status_date": "变动日期",
    "record_id": "人员编号",
}

FIELD_MAX_LEN = {
    "name": 100,
    "former_name": 100,
    "id_number": 32,
    "sex": 4,
    "ethnicity": 20,
    "birth_date": 32,
    "household_no": 50,
    "head_name": 100,
    "relation": 20,
    "address": 500,
    "station": 100,
    "status": 20,
    "registered_on": 32,
    "status_date": 32,
    "record_id": 64,
}
MAX_BAD_CELL = 2000
"""Longest text accepted per field (the ``persons``/``households`` column widths; the address,
a ``Text`` column, at 500): a longer cell or one with control characters makes a bad row."""

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "人员姓名", "户籍姓名", "name"),
    "former_name": ("曾用名", "别名", "former_name"),
    "id_number": (
        "公民身份号码",
        "身份证号",
        "身份证号码",
        "公民身份证号",
        "公民身份证号码",
        "身份号码",
        "证件号码",
        "id_number",
    ),
    "sex": ("性别", "sex"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_date": ("出生日期", "出生年月日", "出生时间", "生日", "birth_date"),
    "household_no": ("户号", "户编号", "户籍号", "household_no"),
    "head_name": ("户主姓名", "户主", "head_name"),
    "relation": ("与户主关系", "与户主的关系", "户主关系", "家庭关系", "relation"),
    "address": ("住址", "户籍地址", "户籍地详址", "住址详址", "地址", "现住址", "address"),
    "station": ("派出所", "所属派出所", "登记单位", "管辖派出所", "派出所名称", "station"),
    "status": ("状态", "人员状态", "户籍状态", "注销状态", "status"),
    "registered_on": ("登记日期", "入户日期", "户籍登记日期", "立户日期", "registered_on"),
    "status_date": ("变动日期", "注销日期", "死亡日期", "迁出日期", "status_date"),
    "record_id": ("人员编号", "人员ID", "记录编号", "人口编号", "record_id"),
}

_NORMALISE_HEADER = re.compile(r"[\s\u3000:：*（）()]+")
_SEX = {"男": "男", "女": "女", "1": "男", "2": "女", "男性": "男", "女性": "女", "M": "男", "F": "女"}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_ID_SHAPE = re.compile(r"^(\d{15}|\d{17}[\dX])$")


# --- encodings and reading --------------------------------------------------------------
def detect_encoding(path: Path, sample_size: int = 256 * 1024) -> str:
    """Encoding of a CSV export: BOM, else strict UTF-8, else GB18030 (covers GBK), else a guess."""
    with open(path, "rb") as fh:
        head = fh.read(sample_size)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)(errors="strict")
        try:
            dec.decode(head, final=len(head) < sample_size)
            return enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None:
        raise HukouScanError(
            "无法识别文件编码。",
            "Cannot detect the file's text encoding.",
            hint_zh="请另存为 UTF-8 或 GB18030 编码的 CSV 后重试。",
            hint_en="Save it as a UTF-8 or GB18030 CSV and try again.",
        )
    return str(best.encoding)


def is_xlsx(path: Path) -> bool:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return True
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


class _CountingReader(io.RawIOBase):
    """Counts bytes read so CSV progress can be reported against the file size."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.fh.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n


@dataclass
class _Source:
    """An open row stream: header, data rows with their 1-based file row numbers, position."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    position: Callable[[], int]
    total: int
    close: Callable[[], None]


def _cell_text(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date()
    return v


def _open_source(path: Path, encoding: str) -> _Source:
    if is_xlsx(path):
        return _open_xlsx(path)
    raw = open(path, "rb")  # noqa: SIM115 - closed by _Source.close
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=encoding, newline="")
    reader = csv.reader(text)
    header: list[str] = []
    row_no = 0
    try:
        for row in _csv_rows(reader, path):
            row_no += 1
            if any(c.strip() for c in row):
                header = row
                break
    except BaseException:
        raw.close()
        raise

    def rows() -> Iterator[tuple[int, list[Any]]]:
        n = row_no
        for r in _csv_rows(reader, path):
            n += 1
            if not any(c.strip() for c in r):
                continue
            yield n, r

    size = path.stat().st_size

    def close() -> None:
        text.close()
        raw.close()

    return _Source(header, rows(), lambda: counter.count, size, close)


def _csv_rows(reader: Any, path: Path) -> Iterator[list[str]]:
    """The reader's rows; a line the csv module cannot parse (a field over its 131 072-character
    limit, a stray NUL) becomes a message naming the line instead of a traceback."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            line = reader.line_num
            raise HukouScanError(
                f"CSV 文件第 {line} 行无法读取（{e}）：{path.name}",
                f"Line {line} of the CSV file cannot be read ({e}): {path.name}",
                hint_zh="该行某个字段过长或引号不配对；请修正该行后重新导入（已导入的部分会保留）。",
                hint_en="A field on that line is far too long or a quote is unbalanced; fix the line "
                "and import again (what was imported is kept).",
            ) from e
        yield row


# An .xlsx file is a zip of XML parts.  A registry export of a million persons unpacks to
# well under a gigabyte at ratios of 5–30; a zip bomb unpacks a few megabytes to gigabytes
# (ratios near deflate's limit of ~1000).  openpyxl reads the shared-strings part whole even
# in read-only mode, so it is the part a bomb aims at.
XLSX_MAX_UNPACKED = 4 << 30
XLSX_MAX_SHARED_STRINGS = 512 << 20
XLSX_MAX_RATIO = 200
XLSX_MAX_MEMBERS = 10_000


def check_xlsx_archive(path: Path) -> None:
    """Refuse an Excel file whose zip would unpack to far more than any registry export.

    Read from the zip directory only, so a bomb is refused before a byte of it is inflated.
    """
    import zipfile

    def refuse(zh: str, en: str) -> HukouScanError:
        return HukouScanError(
            f"Excel 文件结构异常，已拒绝导入：{zh}（{path.name}）",
            f"The Excel file looks hostile and was refused: {en} ({path.name})",
            hint_zh="请在 Excel 中打开该文件另存为新的 .xlsx 或 UTF-8 CSV 后重试；如文件来源不明，请交管理员检查。",
            hint_en="Open it in Excel and save it as a new .xlsx or a UTF-8 CSV; if its origin is "
            "unknown, give it to an administrator.",
        )

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise HukouScanError(
            f"无法读取 Excel 文件：{e}", f"Cannot read the Excel file: {e}", hint_en=str(path)
        ) from e
    if len(infos) > XLSX_MAX_MEMBERS:
        raise refuse(f"包含 {len(infos)} 个部件", f"it has {len(infos)} parts")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > (1 << 20) and ratio > XLSX_MAX_RATIO:
            raise refuse(
                f"部件 {info.filename} 压缩比 {ratio:.0f}:1",
                f"part {info.filename} is compressed {ratio:.0f}:1",
            )
        if info.filename.lower().endswith("sharedstrings.xml") and info.file_size > XLSX_MAX_SHARED_STRINGS:
            raise refuse(
                f"共享字符串部件解压后 {info.file_size >> 20} MB",
                f"its shared strings unpack to {info.file_size >> 20} MB",
            )
    if total > XLSX_MAX_UNPACKED:
        raise refuse(f"解压后共 {total >> 20} MB", f"it unpacks to {total >> 20} MB")


def _open_xlsx(path: Path) -> _Source:
    check_xlsx_archive(path)
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged file
        raise HukouScanError(
            f"无法读取 Excel 文件：{e}", f"Cannot read the Excel file: {e}", hint_en=str(path)
        ) from e
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header: list[str] = []
    row_no = 0
    for row in it:
        row_no += 1
        if any(c not in (None, "") for c in row):
            header = ["" if c is None else str(c) for c in row]
            break
    state = {"n": row_no}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for r in it:
            state["n"] += 1
            if not any(c not in (None, "") for c in r):
                continue
            yield state["n"], [_cell_text(c) for c in r]

    total = int(ws.max_row or 0)
    return _Source(header, rows(), lambda: state["n"], total, wb.close)


# --- mapping -------------------------------------------------------------------------
def _norm_header(h: str) -> str:
    return _NORMALISE_HEADER.sub("", str(h)).lower()


def recognize_headers(headers: list[str]) -> dict[str, int]:
    """Map target fields to column indexes from the usual Chinese (and English) headers."""
    lookup: dict[str, str] = {}
    for fld, aliases in HEADER_ALIASES.items():
        for a in aliases:
            lookup.setdefault(_norm_header(a), fld)
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        target = lookup.get(_norm_header(h))
        if target and target not in out:
            out[target] = i
    return out


def parse_mapping_spec(spec: str) -> dict[str, str]:
    """``'{"name": "人员姓名"}'`` (JSON) or ``name=人员姓名,id_number=身份证`` → {field: header}."""
    spec = spec.strip()
    if not spec:
        return {}
    if spec.startswith("{"):
        try:
            data = json.loads(spec)
        except json.JSONDecodeError as e:
            raise HukouScanError(
                f"列映射不是有效的 JSON：{e}", f"Column mapping is not valid JSON: {e}"
            ) from e
        return {str(k): str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for part in spec.split(","):
        if "=" not in part:
            raise HukouScanError(
                f"列映射格式错误：{part}",
                f"Malformed column mapping: {part}",
                hint_zh="格式：字段=列名,字段=列名",
                hint_en="Use field=header,field=header",
            )
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def resolve_mapping(headers: list[str], override: dict[str, Any] | None = None) -> dict[str, int]:
    """Automatic recognition, then the manual override (header text or 0-based index; "" unmaps)."""
    mapping = recognize_headers(headers)
    for fld, target in (override or {}).items():
        if fld not in FIELDS:
            raise HukouScanError(
                f"未知字段：{fld}", f"Unknown field: {fld}", hint_en="Known fields: " + ", ".join(FIELDS)
            )
        if target in ("", None):
            mapping.pop(fld, None)
            continue
        if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
            idx = int(target)
        else:
            norm = [_norm_header(h) for h in headers]
            try:
                idx = norm.index(_norm_header(str(target)))
            except ValueError:
                raise HukouScanError(
                    f"文件中没有列“{target}”。", f"The file has no column '{target}'."
                ) from None
        if not 0 <= idx < len(headers):
            raise HukouScanError(f"列号超出范围：{idx}", f"Column index out of range: {idx}")
        mapping[fld] = idx
    if "name" not in mapping:
        raise HukouScanError(
            "没有找到“姓名”列。",
            "No name column (姓名) was found.",
            hint_zh="请在列映射中指定姓名所在的列。",
            hint_en="Map the name column manually.",
        )
    return mapping


# --- rows ----------------------------------------------------------------------------
def parse_date(value: Any) -> date | None:
    """ISO, 1990/1/2, 1990.01.02, 19900102, 1990年1月2日 or an Excel date; ``None`` when empty."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    if not s:
        return None
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        try:
            return date.fromisoformat(s)
        except ValueError:
            pass
    if isinstance(value, (int, float)) or re.fullmatch(r"\d{8}\.0", s):
        s = s.split(".")[0]
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(s)


def person_key(record_id: str, id_number: str, name: str, birth: date | None, household_no: str) -> str:
    """Stable primary key of a registry person so a re-import updates the same row.

    The export's own record number wins; else the ID number within its household
    (so two households claiming one number stay two rows and the duplicate-ID rule
    sees them); else name, birth date and household.
    """
    if record_id:
        basis = f"rec:{record_id}"
    elif id_number:
        basis = f"id:{id_number}|{household_no}"
    else:
        basis = f"nb:{fold(name)}|{birth.isoformat() if birth else ''}|{household_no}"
    return hashlib.md5(basis.encode("utf-8"), usedforsecurity=False).hexdigest()


def _text(v: Any) -> str:
    if type(v) is str:
        return v.strip()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


def parse_row(
    row_no: int, values: list[Any], mapping: dict[str, int], width: int, import_id: str = ""
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One data row → (person values, household values or ``None``); raises :class:`ImportRowError`."""
    if len(values) > width and any(_text(v) for v in values[width:]):
        raise ImportRowError(
            row_no, f"列数 {len(values)} 多于表头 {width}", f"{len(values)} columns, header has {width}"
        )
    get: dict[str, Any] = {}
    n_values = len(values)
    for fld, idx in mapping.items():
        if idx >= n_values:
            raise ImportRowError(
                row_no, f"列数 {len(values)} 少于表头 {width}", f"{len(values)} columns, header has {width}"
            )
        v = values[idx]
        if type(v) is str:
            v = v.strip()
            if len(v) > FIELD_MAX_LEN.get(fld, 100):
                _refuse_cell(row_no, fld, v)
        get[fld] = v
    # One regex scan over the row's mapped text (C speed) finds control characters; only a
    # row that has one is looked at field by field for the message.
    if has_control("".join(v for v in get.values() if type(v) is str)):
        for fld, v in get.items():
            if type(v) is str:
                _refuse_cell(row_no, fld, v)
    name = _text(get.get("name", ""))
    if not name:
        raise ImportRowError(row_no, "姓名为空", "name is empty")
    raw_id_value = get.get("id_number", "")
    if isinstance(raw_id_value, (int, float)) and len(str(int(raw_id_value))) > 15:
        raise ImportRowError(
            row_no,
            "身份号码在 Excel 中存为数字，后几位已丢失",
            "ID number stored as a number in Excel; its last digits are lost",
        )
    raw_id = _text(raw_id_value)
    if raw_id and not (raw_id.isascii() and _ID_SHAPE.match(raw_id)):
        raw_id = idnumber.normalize(raw_id)  # x, ×, full-width digits, inner spaces
        if not _ID_SHAPE.match(raw_id):
            raise ImportRowError(row_no, f"身份号码格式错误：{idnumber.mask(raw_id)}", "malformed ID number")
    # An 18-character number is stored as read (a wrong check digit is a warning, not a
    # reason to drop the person); a valid 15-digit one is stored upgraded, raw kept.
    id_number = raw_id
    if len(raw_id) == 15:
        id_number = idnumber.to18(raw_id) or raw_id
    dates: dict[str, date | None] = {}
    for fld, zh, en in (
        ("birth_date", "出生日期", "birth date"),
        ("registered_on", "登记日期", "registration date"),
        ("status_date", "变动日期", "status date"),
    ):
        try:
            dates[fld] = parse_date(get.get(fld, ""))
        except ValueError:
            raise ImportRowError(row_no, f"{zh}无法识别：{_text(get.get(fld))}", f"unreadable {en}") from None
    sex_raw = _text(get.get("sex", ""))
    sex = _SEX.get(sex_raw.upper() if sex_raw.isascii() else sex_raw) if sex_raw else ""
    if sex is None:
        raise ImportRowError(row_no, f"性别无法识别：{sex_raw}", "unreadable sex")
    household_no = _text(get.get("household_no", ""))
    record_id = _text(get.get("record_id", ""))
    person = {
        "id": person_key(record_id, id_number, name, dates["birth_date"], household_no),
        "name": name,
        "name_key": fold(name),
        "former_name": _text(get.get("former_name", "")),
        "id_number": id_number[:18],
        "id_number_raw": raw_id[:32],
        "sex": sex,
        "ethnicity": _text(get.get("ethnicity", "")),
        "birth_date": dates["birth_date"],
        "household_no": household_no,
        "relation": _text(get.get("relation", "")),
        "address": _text(get.get("address", "")),
        "station": _text(get.get("station", "")),
        "status": _text(get.get("status", "")),
        "registered_on": dates["registered_on"],
        "status_date": dates["status_date"],
        "import_id": import_id,
    }
    household = None
    if household_no:
        household = {
            "id": hashlib.md5(f"hh:{household_no}".encode(), usedforsecurity=False).hexdigest(),
            "household_no": household_no,
            "head_name": _text(get.get("head_name", "")),
            "address": person["address"],
            "station_code": person["station"],
        }
    return person, household


def _refuse_cell(row_no: int, fld: str, value: str) -> None:
    """Raise the bad-row error for a cell that is too long or holds control characters."""
    problem = text_problem(value, FIELD_MAX_LEN.get(fld, 100))
    if problem is not None:
        raise ImportRowError(
            row_no, f"{FIELD_LABELS_ZH[fld]}{problem[0]}", f"{fld.replace('_', ' ')} {problem[1]}"
        )


# --- preview and import ----------------------------------------------------------------
@dataclass
class Preview:
    """What the dialog shows before importing: encoding, headers, mapping, first rows checked."""

    path: Path
    encoding: str
    headers: list[str]
    mapping: dict[str, int]
    rows: list[list[str]]
    problems: dict[int, str] = field(default_factory=dict)  # index into rows → reason
    format: str = "csv"

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """(Chinese, English) warnings about the recognised columns, shown before importing."""
        return mapping_warnings(self.mapping)


def mapping_warnings(mapping: dict[str, int]) -> list[tuple[str, str]]:
    """What a file without an ID-number or household-number column cannot give (zh, en).

    Such a file imports (names alone are registry data), but persons are then matched by
    name and birth date only, every row becomes a household of its own, and the
    duplicate-ID and household rules find nothing: the administrator must know before.
    """
    out: list[tuple[str, str]] = []
    if "id_number" not in mapping:
        out.append(
            (
                "文件中没有公民身份号码列：人员只能按姓名和出生日期匹配，一人多户、重号等检查无法进行。",
                "The file has no ID-number column: persons can only be matched by name and birth "
                "date, and the duplicate-ID checks cannot run.",
            )
        )
    if "household_no" not in mapping:
        out.append(
            (
                "文件中没有户号列：无法建立户，按户的检查和链接无法进行。",
                "The file has no household-number column: no households are formed, and the "
                "household checks and links cannot run.",
            )
        )
    return out


def preview(
    path: Path, encoding: str | None = None, override: dict[str, Any] | None = None, n: int = 20
) -> Preview:
    """Read the first ``n`` data rows and check them with the same rules as the import."""
    path = Path(path)
    _check_file(path)
    xlsx = is_xlsx(path)
    enc = "" if xlsx else encoding or detect_encoding(path)
    src = _open_checked(path, enc)
    try:
        headers = [str(h).strip() for h in src.header]
        try:
            mapping = resolve_mapping(headers, override)
        except HukouScanError:
            mapping = recognize_headers(headers)
        rows: list[list[str]] = []
        problems: dict[int, str] = {}
        for row_no, values in src.rows:
            rows.append([_text(v) for v in values])
            if "name" in mapping:
                try:
                    parse_row(row_no, values, mapping, len(headers))
                except ImportRowError as e:
                    problems[len(rows) - 1] = e.user_message()
            if len(rows) >= n:
                break
    except UnicodeDecodeError as e:
        raise _decode_error(path, enc, e) from e
    finally:
        src.close()
    return Preview(path, enc, headers, mapping, rows, problems, "xlsx" if xlsx else "csv")


@dataclass
class ImportReport:
    run: ImportRun
    resumed_from: int
    cancelled: bool
    seconds: float
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (zh, en), see mapping_warnings

    @property
    def rows_per_second(self) -> float:
        done = self.run.rows_done - self.resumed_from
        return done / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.run.id,
            "file": self.run.file_name,
            "encoding": self.run.encoding,
            "state": self.run.state,
            "rows": self.run.rows_done,
            "added": self.run.added,
            "updated": self.run.updated,
            "bad": self.run.bad,
            "resumed_from": self.resumed_from,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "warnings": [en for _, en in self.warnings],
            "warnings_zh": [zh for zh, _ in self.warnings],
        }


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise HukouScanError(f"这是一个文件夹，不是文件：{path}", f"This is a folder, not a file: {path}")
    if not path.is_file():
        raise HukouScanError(f"文件不存在：{path}", f"File not found: {path}")


def _open_checked(path: Path, enc: str) -> _Source:
    try:
        return _open_source(path, enc)
    except UnicodeDecodeError as e:
        raise _decode_error(path, enc, e) from e
    except LookupError as e:
        raise HukouScanError(f"未知编码：{enc}", f"Unknown encoding: {enc}") from e


def _decode_error(path: Path, enc: str, e: UnicodeDecodeError) -> HukouScanError:
    return HukouScanError(
        f"文件无法按 {enc} 编码读取（位置 {e.start}）。",
        f"The file cannot be read as {enc} (byte {e.start}).",
        hint_zh="请用 --encoding 指定正确的编码。",
        hint_en="Give the right encoding with --encoding.",
    )


class RegistryImporter:
    """Streams one file into the store in committed chunks.

    Args:
        store: registry persistence.
        chunk_size: rows per transaction; also the most work a crash can lose.
        after_chunk: test hook called after each committed chunk with the position.
    """

    def __init__(
        self,
        store: RegistryStore,
        chunk_size: int = DEFAULT_CHUNK,
        after_chunk: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.chunk_size = chunk_size
        self.after_chunk = after_chunk

    def run(
        self,
        path: Path,
        *,
        override: dict[str, Any] | None = None,
        encoding: str | None = None,
        by: str = "",
        resume: bool = True,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> ImportReport:
        """Import ``path``; resumes an unfinished run of the same file and mapping."""
        import time

        path = Path(path)
        _check_file(path)
        t0 = time.perf_counter()
        xlsx = is_xlsx(path)
        enc = "" if xlsx else encoding or detect_encoding(path)
        sha = file_sha256(path)
        src = _open_checked(path, enc)
        try:
            headers = [str(h).strip() for h in src.header]
            mapping = resolve_mapping(headers, override)
            key = {"columns": {f: headers[i] for f, i in mapping.items()}, "encoding": enc}
            run = self.store.resumable_import(sha, key) if resume else None
            resumed_from = 0
            if run is not None:
                resumed_from = run.rows_done
                self.store.mark_running(run.id)
                log.info("resuming registry import %s at row %d", run.id, resumed_from)
            else:
                run = self.store.start_import(
                    file_name=path.name,
                    file_sha256=sha,
                    file_size=path.stat().st_size,
                    encoding=enc or "xlsx",
                    mapping=key,
                    by=by,
                )
                log.info("registry import %s started (%s)", run.id, enc or "xlsx")
            try:
                bulk = self._bulk_load(path)
                try:
                    cancelled = self._stream(
                        run.id, src, mapping, len(headers), resumed_from, progress, cancel
                    )
                    if bulk and progress:
                        progress(src.total, src.total, INDEXING)
                finally:
                    if bulk:  # also after a cancel or an error: lookups need the indexes
                        self.store.ensure_person_indexes()
            except UnicodeDecodeError as e:
                self._fail(run.id, _decode_error(path, enc, e))
                raise _decode_error(path, enc, e) from e
            except BaseException as e:
                self._fail(run.id, e)
                raise
        except UnicodeDecodeError as e:
            raise _decode_error(path, enc, e) from e
        finally:
            src.close()
        final = self.store.finish_import(run.id, "cancelled" if cancelled else "done")
        log.info(
            "registry import %s %s: %d rows, %d added, %d updated, %d bad",
            final.id,
            final.state,
            final.rows_done,
            final.added,
            final.updated,
            final.bad,
        )
        return ImportReport(
            final, resumed_from, cancelled, time.perf_counter() - t0, mapping_warnings(mapping)
        )

    def _fail(self, import_id: str, e: BaseException) -> None:
        """Record that the run stopped (never left "running"): ``cancelled`` after Ctrl-C, else
        ``failed`` with the reason; both stay resumable.  A kill -9 still leaves "running",
        which the next run of the same file resumes as before."""
        state = "cancelled" if isinstance(e, KeyboardInterrupt) else "failed"
        reason = e.en if isinstance(e, HukouScanError) else f"{type(e).__name__}: {e}"
        try:
            self.store.finish_import(import_id, state, reason)
        except Exception:  # the database itself may be what failed; the original error matters more
            log.exception("could not mark registry import %s as %s", import_id, state)

    def _bulk_load(self, path: Path) -> bool:
        """Drop the secondary person indexes when this file dwarfs the registry held.

        A first import of a city's registry (hundreds of thousands of rows into an empty
        table) runs about twice as fast without them and builds them once at the end;
        an update import into a large registry keeps them (lookups must stay fast while
        it runs).  A killed bulk load left them missing: the next run finds that and
        restores them at its end, as does the application's start.
        """
        if self.store.missing_person_indexes():
            return True
        size = path.stat().st_size
        if size < BULK_MIN_BYTES or self.store.count_persons() * BULK_BYTES_PER_ROW * 10 > size:
            return False
        self.store.drop_person_indexes()
        return True

    def _stream(
        self,
        import_id: str,
        src: _Source,
        mapping: dict[str, int],
        width: int,
        skip: int,
        progress: ProgressFn | None,
        cancel: threading.Event | None,
    ) -> bool:
        persons: dict[str, dict[str, Any]] = {}
        households: dict[str, dict[str, Any]] = {}
        bad: list[BadRow] = []
        position = 0
        pending = 0
        try:
            for row_no, values in src.rows:
                position += 1
                if position <= skip:
                    continue
                try:
                    person, household = parse_row(row_no, values, mapping, width, import_id)
                except ImportRowError as e:
                    raw = [
                        _text(v)[:MAX_BAD_CELL] for v in values
                    ]  # a 100 000-character cell is not kept whole
                    bad.append(BadRow(row_no, _reason(e.zh), _reason(e.en), raw))
                else:
                    persons[person["id"]] = person  # a repeated key within a chunk: last row wins
                    if household is not None:
                        households[household["household_no"]] = household
                pending += 1
                if pending >= self.chunk_size:
                    self._commit(import_id, persons, households, bad, position)
                    pending = 0
                    if progress:
                        progress(src.position(), src.total, f"{position}")
                    if cancel is not None and cancel.is_set():
                        return True
        except BaseException:
            # Whatever was not committed is simply not there: the position says so.
            log.warning("registry import %s interrupted at committed row %d", import_id, position - pending)
            raise
        if pending:
            self._commit(import_id, persons, households, bad, position)
        if progress:
            progress(src.total, src.total, f"{position}")
        return False

    def _commit(
        self,
        import_id: str,
        persons: dict[str, dict[str, Any]],
        households: dict[str, dict[str, Any]],
        bad: list[BadRow],
        position: int,
    ) -> None:
        self.store.write_chunk(
            import_id, list(persons.values()), list(households.values()), list(bad), position
        )
        persons.clear()
        households.clear()
        bad.clear()
        if self.after_chunk:
            self.after_chunk(position)


def _reason(message: str) -> str:
    """The reason without ImportRowError's "Row N:" prefix (the report has its own column)."""
    for sep in ("：", ": "):
        if sep in message:
            return message.split(sep, 1)[1]
    return message


def write_bad_rows_csv(
    store: RegistryStore,
    import_id: str,
    out: Path,
    headers: list[str] | None = None,
    before_commit: Callable[[int], None] | None = None,
) -> int:
    """Export an import's rejected rows (row number, reason, original cells) as UTF-8-BOM CSV.

    Cells pass :func:`~hukou_scan.domain.csvfile.csv_cell` (a rejected row is exactly
    where a ``=HYPERLINK(…)`` "name" ends up).
    """
    n = 0
    with open_csv(out) as w:
        w.writerow(["行号", "原因", "reason", *(headers or [])])
        for b in store.bad_rows(import_id):
            w.writerow([b.row_no, b.reason_zh, b.reason_en, *b.raw])
            n += 1
        if before_commit is not None:  # the caller audits the export before the file appears
            before_commit(n)
    return n
