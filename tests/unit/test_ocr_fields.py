"""Field parsers: table-driven cases and property tests of the ID-number rules."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hukou_scan.domain import idnumber
from hukou_scan.domain.models import OcrWord
from hukou_scan.ocr import fields as fx
from hukou_scan.ocr.engine import group_lines

TODAY = date(2026, 11, 22)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["110101", "320102", "510104", "420106", "330106"]))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_digit(first17)


@given(valid_ids())
def test_every_valid_id_round_trips(number: str) -> None:
    r = idnumber.read(number)
    assert r.valid and r.value == number and not r.repaired
    f = fx.parse_field(fx.RawField("id_number", number, (0, 0, 1, 1), 0.99), today=TODAY)
    assert f.valid and f.value == number and not f.needs_review


@given(valid_ids(), st.integers(0, 17), st.integers(1, 10))
def test_every_single_character_corruption_is_caught(number: str, pos: int, delta: int) -> None:
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    old = number[pos]
    new = alphabet[(alphabet.index(old) + delta) % len(alphabet)]
    if new == old:
        return
    corrupted = number[:pos] + new + number[pos + 1 :]
    r = idnumber.read(corrupted)
    assert not r.valid
    f = fx.parse_field(fx.RawField("id_number", corrupted, None, 0.99), today=TODAY)
    assert not f.valid and f.needs_review


@settings(max_examples=200)
@given(valid_ids(), st.data())
def test_letter_confusions_are_repaired_only_with_check_digit(number: str, data: st.DataObject) -> None:
    inverse: dict[str, list[str]] = {}
    for letter, digit in idnumber.CONFUSIONS.items():
        inverse.setdefault(digit, []).append(letter)
    positions = [i for i, ch in enumerate(number[:17]) if ch in inverse]
    if not positions:
        return
    pos = data.draw(st.sampled_from(positions))
    letter = data.draw(st.sampled_from(inverse[number[pos]]))
    garbled = number[:pos] + letter + number[pos + 1 :]
    r = idnumber.read(garbled)
    assert r.valid and r.value == number
    assert r.repaired == ((pos, letter, number[pos]),)
    assert "id_repaired_confirmed" in r.reasons


@pytest.mark.parametrize(
    ("raw", "value", "valid", "reason"),
    [
        ("110102195402188971", "110102195402188971", True, None),
        ("11010219540218897l", "110102195402188971", True, "id_repaired_confirmed"),
        ("1101O2195402188971", "110102195402188971", True, "id_repaired_confirmed"),
        ("110102 1954 0218 8971", "110102195402188971", True, None),
        ("１１０１０２１９５４０２１８８９７１", "110102195402188971", True, None),
        ("11010219540218897", "11010219540218897", False, "id_length"),
        ("110102195402188972", "110102195402188972", False, "id_check_digit"),
        ("110102195402308976", "110102195402308976", False, "id_check_digit"),
        ("110102540218897", "110102195402188971", True, "id_upgraded_15"),
        ("11010254021889l", idnumber.upgrade15("110102540218891"), False, "id15_repair_unconfirmed"),
        ("110102541318897", "110102541318897", False, "id_bad_date"),
        ("日110102195402188971", "110102195402188971", True, None),
        ("", "", False, "empty"),
    ],
)
def test_id_number_table(raw: str, value: str, valid: bool, reason: str | None) -> None:
    f = fx.parse_field(fx.RawField("id_number", raw, None, 0.95), today=TODAY)
    assert (f.value, f.valid) == (value, valid)
    if reason:
        assert reason in f.reasons
    assert f.needs_review == (not valid)


def test_check_x_accepts_lower_case_and_times_sign() -> None:
    first17 = "11010519491231002"
    assert idnumber.check_digit(first17) == "X"
    for raw in (first17 + "X", first17 + "x", first17 + "×"):
        assert idnumber.read(raw).value == first17 + "X"
        assert idnumber.read(raw).valid


@pytest.mark.parametrize(
    ("raw", "iso", "reason"),
    [
        ("1963.5.12", "1963-05-12", None),
        ("1963-05-12", "1963-05-12", None),
        ("1963/5/12", "1963-05-12", None),
        ("19630512", "1963-05-12", None),
        ("63年5月12日", "1963-05-12", "date_two_digit_year"),
        ("63.5.12", "1963-05-12", "date_two_digit_year"),
        ("1963年5月12日", "1963-05-12", None),
        ("一九六三年五月十二日", "1963-05-12", None),
        ("一九六三年十月二十日", "1963-10-20", None),
        ("一九六三年十二月三十一日", "1963-12-31", None),
        ("一九〇五年一月一日", "1905-01-01", None),
        ("民国三十八年十月一日", "1949-10-01", "date_minguo"),
        ("民國廿五年三月五日", "1936-03-05", "date_minguo"),
        ("民国38年10月1日", "1949-10-01", "date_minguo"),
        ("1963 年 5 月 12 日", "1963-05-12", None),
        ("1963年5月", "1963-05-01", None),
    ],
)
def test_dates_in_old_forms(raw: str, iso: str, reason: str | None) -> None:
    p = fx.parse_date(raw, today=TODAY)
    assert p.value is not None and p.value.isoformat() == iso
    if reason:
        assert reason in p.reasons


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1963年2月30日", "date_impossible"),
        ("1963.13.1", "date_impossible"),
        ("2099.1.1", "date_future"),
        ("去年春天", "date_unparsed"),
        ("", "empty"),
    ],
)
def test_impossible_dates_are_flagged(raw: str, reason: str) -> None:
    f = fx.parse_field(fx.RawField("birth_date", raw, None, 0.99), today=TODAY)
    assert not f.valid and f.needs_review and reason in f.reasons


@pytest.mark.parametrize(
    ("raw", "value", "review"),
    [
        ("汉", "汉族", False),
        ("汉族", "汉族", False),
        ("蒙古", "蒙古族", False),
        ("蒙", "蒙古族", False),
        ("维吾尔", "维吾尔族", False),
        ("土家", "土家族", False),
        ("朝鲜族", "朝鲜族", False),
        ("朝解族", "朝鲜族", True),
        ("火星族", "火星族", True),
    ],
)
def test_ethnicity_normalised_to_the_56(raw: str, value: str, review: bool) -> None:
    f = fx.parse_field(fx.RawField("ethnicity", raw, None, 0.99), today=TODAY)
    assert f.value == value and f.needs_review == review
    if not review:
        assert f.value in fx.ETHNIC_GROUPS


def test_there_are_56_ethnic_groups() -> None:
    assert len(set(fx.ETHNIC_GROUPS)) == 56


@pytest.mark.parametrize(
    ("key", "raw", "value", "valid"),
    [
        ("name", "张三", "张三", True),
        ("name", "张 三", "张三", True),
        ("name", "阿依古丽•买买提", "阿依古丽·买买提", True),
        ("name", "张3", "张3", False),
        ("former_name", "李四", "李四", True),
        ("sex", "男", "男", True),
        ("sex", "女性", "女", True),
        ("sex", "?", "?", False),
        ("household_no", "1101000001", "1101000001", True),
        ("household_no", "11O1000001", "1101000001", True),
        ("household_no", "户一", "户一", False),
        ("relation", "户主", "户主", True),
        ("relation", "长子", "长子", True),
        ("address", "北京市东城区和平路1号", "北京市东城区和平路1号", True),
    ],
)
def test_simple_fields(key: str, raw: str, value: str, valid: bool) -> None:
    f = fx.parse_field(fx.RawField(key, raw, (1, 2, 3, 4), 0.97), today=TODAY)
    assert (f.value, f.valid) == (value, valid)
    assert f.box == (1, 2, 3, 4) and f.confidence == pytest.approx(0.97)


def test_low_confidence_marks_for_review_even_when_valid() -> None:
    f = fx.parse_field(fx.RawField("name", "张三", None, 0.5), today=TODAY)
    assert f.valid and f.needs_review and "low_confidence" in f.reasons


def test_cross_checks_id_against_birth_date_and_sex() -> None:
    number = "110102195402188971"  # male, born 1954-02-18
    ok = fx.parse_record(
        [
            fx.RawField("id_number", number, None, 0.99),
            fx.RawField("birth_date", "54年2月18日", None, 0.99),
            fx.RawField("sex", "男", None, 0.99),
        ],
        today=TODAY,
    )
    assert all(f.valid for f in ok)
    bad = fx.parse_record(
        [
            fx.RawField("id_number", number, None, 0.99),
            fx.RawField("birth_date", "1954.3.18", None, 0.99),
            fx.RawField("sex", "女", None, 0.99),
        ],
        today=TODAY,
    )
    by = {f.name: f for f in bad}
    assert by["id_number"].valid
    assert not by["birth_date"].valid and "date_from_id" in by["birth_date"].reasons
    assert not by["sex"].valid and "sex_from_id" in by["sex"].reasons


def test_two_digit_year_takes_century_from_id() -> None:
    number = "110102200402188979"
    number = number[:17] + idnumber.check_digit(number[:17])
    out = fx.parse_record(
        [fx.RawField("id_number", number, None, 0.99), fx.RawField("birth_date", "04年2月18日", None, 0.99)],
        today=TODAY,
    )
    assert {f.name: f.value for f in out}["birth_date"] == "2004-02-18"


@pytest.mark.parametrize(
    ("text", "key", "rest"),
    [
        ("公民身份号码", "id_number", ""),
        ("公民身分号码", "id_number", ""),
        ("户号：1101000001", "household_no", "1101000001"),
        ("住址:北京市", "address", "北京市"),
        ("姓名", "name", ""),
        ("与户主关系", "relation", ""),
    ],
)
def test_label_matching(text: str, key: str, rest: str) -> None:
    m = fx.match_label(text)
    assert m is not None and m[1] == key and m[2] == rest


def test_label_matching_rejects_values() -> None:
    for text in ("张三", "1101000001", "汉", "北京市东城区和平路1号"):
        assert fx.match_label(text) is None


def test_pairs_from_lines_splits_label_and_value_runs() -> None:
    words = [
        OcrWord("户号：1101000001", 10, 10, 300, 30, 0.99),
        OcrWord("住址：", 400, 10, 80, 30, 0.98),
        OcrWord("北京市东城区和平路1号", 490, 12, 300, 30, 0.97),
        OcrWord("姓名", 10, 100, 60, 30, 0.99),
        OcrWord("张三", 100, 100, 60, 30, 0.9),
    ]
    raws = {r.key: r for r in fx.pairs_from_lines(group_lines(words))}
    assert raws["household_no"].text == "1101000001"
    assert raws["address"].text == "北京市东城区和平路1号" and raws["address"].box == (490, 12, 300, 30)
    assert raws["name"].text == "张三" and raws["name"].conf == pytest.approx(0.9)


def test_reason_texts_exist_in_both_languages() -> None:
    for code in fx.REASON_TEXT:
        assert fx.reason_text(code) and fx.reason_text(code, "en")
