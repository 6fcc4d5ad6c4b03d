"""Registry field extraction with reasons the clerk can see.

Written by hand because the rules are ours: the 56 official ethnic names, dates
as clerks wrote them on old paper (1963.5.12, 63年5月12日, 一九六三年五月十二日,
民国纪年), the GB 11643 check digit (shared rules in :mod:`hukou_scan.domain.idnumber`)
and cross-checks between fields.  Every field keeps its box, a confidence and
reason codes; fields that are invalid or below the confidence threshold are marked
``needs_review`` so the clerk looks at exactly those.

A registration form yields one value per field.  A household table (户口登记簿)
yields one set of ``name/relation/sex/birth_date/id_number`` per member row, in row
order; the rows are told apart by their boxes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from rapidfuzz import fuzz, process

from hukou_scan.domain import iddecode, idnumber
from hukou_scan.domain.models import Alternatives, ExtractedField, OcrWord

REVIEW_THRESHOLD = 0.80

#: Printed labels on old forms → field key.  Order matters for prefix matching (longest first).
LABELS: dict[str, str] = {
    "公民身份号码": "id_number",
    "身份证号码": "id_number",
    "身份证号": "id_number",
    "出生年月日": "birth_date",
    "出生日期": "birth_date",
    "与户主关系": "relation",
    "户主姓名": "head_name",
    "曾用名": "former_name",
    "姓名": "name",
    "性别": "sex",
    "民族": "ethnicity",
    "户号": "household_no",
    "住址": "address",
    "住所": "address",
    "文化程度": "",
    "婚姻状况": "",
    "职业": "",
    "服务处所": "",
    "何时由何地迁来本址": "",
    "承办人": "",
    "登记日期": "",
}
FIELD_KEYS = ("name", "former_name", "sex", "ethnicity", "birth_date", "id_number", "household_no",
              "address", "relation", "head_name")  # fmt: skip

ETHNIC_GROUPS: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # fmt: skip
#: Most populous groups first (2020 census); the rest in official order.
_BY_POPULATION = ("汉族", "壮族", "维吾尔族", "回族", "苗族", "满族", "彝族", "土家族", "藏族", "蒙古族",
                  "布依族", "侗族", "瑶族", "白族", "哈尼族", "朝鲜族", "黎族", "哈萨克族", "傣族")  # fmt: skip


def _prior_rank(name: str) -> int:
    return (
        _BY_POPULATION.index(name)
        if name in _BY_POPULATION
        else len(_BY_POPULATION) + ETHNIC_GROUPS.index(name)
    )


_ETHNIC_SHORT = {e.removesuffix("族"): e for e in ETHNIC_GROUPS}
_ETHNIC_ALIASES = {"蒙": "蒙古族", "维吾尔": "维吾尔族", "维": "维吾尔族", "朝": "朝鲜族", "僮": "壮族"}

RELATIONS: tuple[str, ...] = (
    "户主", "妻", "夫", "子", "女", "长子", "次子", "三子", "四子", "长女", "次女", "三女", "四女",
    "养子", "养女", "继子", "继女", "父", "母", "父亲", "母亲", "岳父", "岳母", "公公", "婆婆",
    "孙子", "孙女", "外孙子", "外孙女", "儿媳", "女婿", "兄", "弟", "姐", "妹", "哥哥", "弟弟",
    "姐姐", "妹妹", "祖父", "祖母", "侄子", "侄女", "配偶", "其他",
)  # fmt: skip

REASON_TEXT: dict[str, tuple[str, str]] = {
    **idnumber.REASONS,
    "low_confidence": ("识别把握不足，请核对", "low recognition confidence, please check"),
    "name_not_han": ("姓名含非汉字字符", "name contains non-Chinese characters"),
    "name_length": ("姓名长度异常", "unusual name length"),
    "sex_unknown": ("性别无法识别", "sex not recognised"),
    "ethnicity_unknown": ("不是56个民族之一", "not one of the 56 official ethnic groups"),
    "ethnicity_fuzzy": ("民族按近似字形纠正", "ethnic group corrected by closest match"),
    "date_unparsed": ("日期格式无法识别", "date format not recognised"),
    "date_impossible": ("日期不存在", "impossible date"),
    "date_future": ("日期晚于今天", "date lies in the future"),
    "date_two_digit_year": ("两位年份，按19xx年理解", "two-digit year read as 19xx"),
    "date_minguo": ("民国纪年已换算为公历", "Republic-era year converted"),
    "date_from_id": ("出生日期与身份号码不符", "birth date does not match the ID number"),
    "sex_from_id": ("性别与身份号码不符", "sex does not match the ID number"),
    "household_no_bad": ("户号应为数字", "household number should be digits"),
    "relation_unknown": ("与户主关系不在常用称谓中", "relation not a usual term"),
    "empty": ("未识别到内容", "nothing recognised"),
    "id_decoded": (
        "身份号码按校验位、出生日期和性别规则从候选字中推断，请核对",
        "ID number inferred from the recogniser's alternatives under the check-digit, date and sex rules; please check",
    ),
    "id_date_field": (
        "推断的身份号码与出生日期栏不符",
        "the inferred ID number disagrees with the birth date field",
    ),
    "id_sex_field": ("推断的身份号码与性别栏不符", "the inferred ID number disagrees with the sex field"),
    "confirmed_correction": (
        "经办人确认关联时按登记人员更正了识别结果（原识别内容保留）",
        "corrected to the registered person's value when the clerk confirmed the link (the reading is kept)",
    ),
    "id_area_unknown": ("身份号码的地区码不在已知地区中", "the ID number's area code is not a known area"),
}


def reason_text(code: str, lang: str = "zh_CN") -> str:
    """Human text for a reason code (codes are stored; text is rendered in the UI language)."""
    zh, en = REASON_TEXT.get(code, (code, code))
    return en if lang == "en" else zh


@dataclass(frozen=True)
class RawField:
    """A value found next to a label, before parsing."""

    key: str
    text: str
    box: tuple[int, int, int, int] | None
    conf: float
    alternatives: Alternatives = ()
    """The recogniser's options per written character, when the engine gives them."""


# --- labels -------------------------------------------------------------------------

_PUNCT = "：:;；,，.。、 　()（）[]【】"
_LABEL_LIST = sorted(LABELS, key=len, reverse=True)


def strip_punct(s: str) -> str:
    return s.strip(_PUNCT)


def match_label(text: str, *, fuzzy: bool = True) -> tuple[str, str, str] | None:
    """If ``text`` starts with a printed label, return (label, field key, remainder).

    OCR sometimes misreads one character of a label (公民身分号码), so a run that
    is entirely a near-label (≥80 % similar) also counts.
    """
    t = text.strip()
    for label in _LABEL_LIST:
        if t.startswith(label):
            return label, LABELS[label], strip_punct(t[len(label) :])
    if fuzzy:
        core = strip_punct(t)
        if 2 <= len(core) <= 10:
            hit = process.extractOne(core, _LABEL_LIST, scorer=fuzz.ratio, score_cutoff=80)
            if hit is not None and len(hit[0]) == len(core):
                return hit[0], LABELS[hit[0]], ""
    return None


def pairs_from_lines(lines: Sequence[Sequence[OcrWord]]) -> list[RawField]:
    """Label/value pairs from text lines when no ruled cells were found.

    A value is the run(s) after a label up to the next label on the same line; a
    label and its value read as one run ("户号：1101000001") are split.
    """
    out: list[RawField] = []
    for line in lines:
        groups: list[tuple[str, list[OcrWord]]] = []
        for w in line:
            m = match_label(w.text)
            if m is not None:
                _label, key, rest = m
                groups.append((key, []))
                if rest:
                    # Box of the remainder: proportional slice of the run's box.
                    frac = len(rest) / max(1, len(w.text))
                    rx = w.x + int(w.w * (1 - frac))
                    groups[-1][1].append(OcrWord(rest, rx, w.y, w.x + w.w - rx, w.h, w.conf))
            elif groups:
                groups[-1][1].append(w)
        for key, ws in groups:
            if key:
                out.append(RawField(key, "".join(w.text for w in ws), _union(ws), _mean_conf(ws)))
    return [r for r in out if r.key]


def _union(words: Sequence[OcrWord]) -> tuple[int, int, int, int] | None:
    if not words:
        return None
    x0 = min(w.x for w in words)
    y0 = min(w.y for w in words)
    x1 = max(w.x + w.w for w in words)
    y1 = max(w.y + w.h for w in words)
    return (x0, y0, x1 - x0, y1 - y0)


def _mean_conf(words: Sequence[OcrWord]) -> float:
    return sum(w.conf for w in words) / len(words) if words else 0.0


# --- dates --------------------------------------------------------------------------

_CN_NUM = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9, "元": 1}  # fmt: skip


def cn_to_int(s: str) -> int | None:
    """Chinese or Arabic numerals → int: 一九六三 (digit by digit), 十二, 二十一, 卅, 12."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    s = s.replace("廿", "二十").replace("卅", "三十")
    if "十" in s:
        tens_s, _, ones_s = s.partition("十")
        tens = _CN_NUM.get(tens_s, -1) if tens_s else 1
        ones = _CN_NUM.get(ones_s, -1) if ones_s else 0
        if tens < 0 or ones < 0 or len(tens_s) > 1 or len(ones_s) > 1:
            return None
        return tens * 10 + ones
    digits = [_CN_NUM.get(ch, ch if ch.isdigit() else None) for ch in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


_NUM = r"[0-9〇零○O一二三四五六七八九十廿卅元]+"
_DATE_CN = re.compile(rf"^(民国|民國)?({_NUM})年({_NUM})月(?:({_NUM})[日号號]?)?$")
_DATE_SEP = re.compile(r"^(\d{2,4})\s*[.\-/．。、]\s*(\d{1,2})\s*[.\-/．。、]\s*(\d{1,2})$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class ParsedDate:
    value: date | None
    reasons: tuple[str, ...] = ()


def parse_date(raw: str, *, today: date | None = None, century_hint: int | None = None) -> ParsedDate:
    """Parse a date in any form found on old registry paper.

    Args:
        raw: as recognised (spaces and trailing punctuation are ignored).
        today: upper bound for plausibility (defaults to today).
        century_hint: century (e.g. 19) for two-digit years, typically from the ID number.
    """
    s = "".join(raw.split()).strip(_PUNCT).replace("年年", "年")
    s = s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not s:
        return ParsedDate(None, ("empty",))
    reasons: list[str] = []
    y: int | None
    m: int | None
    d: int | None
    if mt := _DATE_CN.match(s):
        minguo = bool(mt.group(1))
        y, m = cn_to_int(mt.group(2)), cn_to_int(mt.group(3))
        d = cn_to_int(mt.group(4)) if mt.group(4) else 1
        if y is not None and minguo:
            y += 1911
            reasons.append("date_minguo")
        elif (
            y is not None
            and y < 100
            and len(mt.group(2)) <= 2
            and not any(c in mt.group(2) for c in "十廿卅")
        ):
            y += (century_hint or 19) * 100
            reasons.append("date_two_digit_year")
        elif y is not None and y < 100:  # 民国-less 三十八年 style: treat as Republic year
            y += 1911
            reasons.append("date_minguo")
    elif mt := _DATE_SEP.match(s):
        y, m, d = int(mt.group(1)), int(mt.group(2)), int(mt.group(3))
        if y < 100:
            y += (century_hint or 19) * 100
            reasons.append("date_two_digit_year")
    elif mt := _DATE_COMPACT.match(s):
        y, m, d = int(mt.group(1)), int(mt.group(2)), int(mt.group(3))
    else:
        return ParsedDate(None, ("date_unparsed",))
    if y is None or m is None or d is None:
        return ParsedDate(None, ("date_unparsed",))
    try:
        value = date(y, m, d)
    except ValueError:
        return ParsedDate(None, (*reasons, "date_impossible"))
    if value > (today or date.today()) or value.year < 1850:
        return ParsedDate(value, (*reasons, "date_future" if value.year >= 1850 else "date_impossible"))
    return ParsedDate(value, tuple(reasons))


# --- single fields ------------------------------------------------------------------

_ID_EDGE = re.compile(r"^[^0-9A-Za-z×〇|!丨]+|[^0-9A-Za-z×〇|!丨]+$")
_HAN = re.compile(r"^[\u3400-\u9fff·•]+$")
_BAD_REASONS = {
    "id_empty", "id_bad_chars", "id_check_digit", "id_bad_date", "id_length", "id15_repair_unconfirmed",
    "name_not_han", "sex_unknown", "ethnicity_unknown", "date_unparsed", "date_impossible", "date_future",
    "household_no_bad", "empty", "date_from_id", "sex_from_id",
}  # fmt: skip


def _field(key: str, value: str, raw: RawField, conf: float, reasons: Iterable[str]) -> ExtractedField:
    rs = tuple(dict.fromkeys(reasons))
    valid = not any(r in _BAD_REASONS for r in rs)
    review = (
        (not valid)
        or conf < REVIEW_THRESHOLD
        or any(r in {"ethnicity_fuzzy", "relation_unknown", "name_length"} for r in rs)
    )
    if conf < REVIEW_THRESHOLD and "low_confidence" not in rs:
        rs = (*rs, "low_confidence")
    return ExtractedField(key, value, raw.text, raw.box, conf, valid, rs, review)


def parse_field(
    raw: RawField, *, century_hint: int | None = None, today: date | None = None
) -> ExtractedField:
    """Normalise one raw value by field key, with reason codes."""
    text = strip_punct("".join(raw.text.split()))
    conf = raw.conf
    key = raw.key
    if not text:
        return _field(key, "", raw, 0.0, ["empty"])
    if key == "id_number":
        # Neighbouring handwriting (a date's 日) drifts over the rule into the ID cell.
        text = _ID_EDGE.sub("", unicodedata.normalize("NFKC", text))
        r = idnumber.read(text)
        return _field(key, r.value, raw, conf, r.reasons)
    if key in {"name", "former_name", "head_name"}:
        name = text.replace("•", "·")
        reasons = []
        if not _HAN.match(name):
            reasons.append("name_not_han")
        elif not 2 <= len(name) <= 6 and "·" not in name:
            reasons.append("name_length")
        return _field(key, name, raw, conf, reasons)
    if key == "sex":
        if text[0] in "男女":
            return _field(key, text[0], raw, conf, [])
        return _field(key, text, raw, conf, ["sex_unknown"])
    if key == "ethnicity":
        return _ethnicity(text, raw, conf)
    if key == "birth_date":
        p = parse_date(text, today=today, century_hint=century_hint)
        value = p.value.isoformat() if p.value else text
        return _field(key, value, raw, conf, p.reasons)
    if key == "household_no":
        fixed = "".join(idnumber.CONFUSIONS.get(c, c) for c in unicodedata.normalize("NFKC", text))
        if fixed.isdigit():
            return _field(key, fixed, raw, conf, [])
        return _field(key, text, raw, conf, ["household_no_bad"])
    if key == "relation":
        if text in RELATIONS:
            return _field(key, text, raw, conf, [])
        hit = process.extractOne(text, RELATIONS, scorer=fuzz.ratio, score_cutoff=66)
        if hit is not None and len(hit[0]) == len(text):
            return _field(key, hit[0], raw, conf, ["relation_unknown"] if hit[1] < 100 else [])
        return _field(key, text, raw, conf, ["relation_unknown"])
    return _field(key, text, raw, conf, [])


def _ethnicity(text: str, raw: RawField, conf: float) -> ExtractedField:
    t = text.removesuffix("族") if text not in ETHNIC_GROUPS else text
    if text in ETHNIC_GROUPS:
        return _field("ethnicity", text, raw, conf, [])
    if t in _ETHNIC_SHORT:
        return _field("ethnicity", _ETHNIC_SHORT[t], raw, conf, [])
    if t in _ETHNIC_ALIASES:
        return _field("ethnicity", _ETHNIC_ALIASES[t], raw, conf, [])
    query = text if text.endswith("族") else text + "族"
    hits = process.extract(query, ETHNIC_GROUPS, scorer=fuzz.ratio, score_cutoff=50, limit=None)
    if hits:
        best = max(h[1] for h in hits)
        # One misread character of a one-character name ties with every other
        # one-character name: the population prior (汉族 ≈ 91 %) breaks the tie.
        # Either way the clerk is asked to confirm (ethnicity_fuzzy → needs_review).
        top = min((h[0] for h in hits if h[1] == best), key=_prior_rank)
        if best >= 60 or len(t) == 1:
            return _field("ethnicity", top, raw, conf * 0.9, ["ethnicity_fuzzy"])
    return _field("ethnicity", text, raw, conf, ["ethnicity_unknown"])


# --- records and cross-checks -------------------------------------------------------


def parse_record(raws: Sequence[RawField], *, today: date | None = None) -> list[ExtractedField]:
    """Parse one person's raw values and cross-check ID number vs birth date and sex."""
    by_key: dict[str, ExtractedField] = {}
    id_raw = next((r for r in raws if r.key == "id_number"), None)
    id_field = parse_field(id_raw, today=today) if id_raw else None
    if id_raw is not None and id_field is not None and id_raw.alternatives:
        id_field = constrained_id(id_field, id_raw.alternatives, *_birth_and_sex(raws, today), today=today)
    century = None
    if id_field and id_field.valid and len(id_field.value) == 18:
        century = int(id_field.value[6:8])
    out: list[ExtractedField] = []
    for r in raws:
        f = id_field if (r is id_raw and id_field) else parse_field(r, century_hint=century, today=today)
        out.append(f)
        by_key.setdefault(f.name, f)
    if id_field and id_field.valid:
        born = idnumber.birth_date(id_field.value)
        sex = idnumber.sex(id_field.value)
        for i, f in enumerate(out):
            if f.name == "birth_date" and f.valid and born and f.value != born.isoformat():
                out[i] = _flag(f, "date_from_id")
            elif f.name == "birth_date" and not f.valid and born:
                # The ID is confirmed by its check digit; offer its date as the value.
                out[i] = replace(f, value=born.isoformat(), reasons=(*f.reasons, "date_from_id"))
            if f.name == "sex" and f.valid and sex and f.value != sex:
                out[i] = _flag(f, "sex_from_id")
    return out


DECODE_MIN_P = 0.5
"""A constrained decoding is offered as the value from this posterior on (else the plain reading stays)."""
DECODE_SURE_P = 0.95
"""At or above this posterior, with no digit changed and no soft rule broken, no review is asked."""


def _birth_and_sex(raws: Sequence[RawField], today: date | None) -> tuple[date | None, str | None]:
    """The 出生日期 and 性别 read on the page, as evidence for the ID decoder (``None`` if unread)."""
    birth: date | None = None
    sex: str | None = None
    for r in raws:
        text = strip_punct("".join(r.text.split()))
        if r.key == "birth_date" and birth is None and text:
            p = parse_date(text, today=today)
            if p.value is not None and not set(p.reasons) & _BAD_REASONS:
                birth = p.value
        elif r.key == "sex" and sex is None and text[:1] in ("男", "女"):
            sex = text[0]
    return birth, sex


def constrained_id(
    f: ExtractedField,
    alternatives: Alternatives,
    birth: date | None,
    sex: str | None,
    *,
    today: date | None = None,
) -> ExtractedField:
    """The ID field after decoding its per-character options under the ID rules.

    The read number stands when it already satisfies every rule and agrees with the
    date and sex read on the page.  Otherwise the most probable valid number
    (:func:`hukou_scan.domain.iddecode.decode`) becomes the value when its posterior
    reaches :data:`DECODE_MIN_P`, with reason ``id_decoded`` and that posterior as the
    confidence; ``raw`` keeps what was read.  A number with changed digits, a broken
    soft rule or a posterior under :data:`DECODE_SURE_P` is marked for review: the
    decoder proposes, the clerk decides.
    """
    f = replace(f, alternatives=alternatives)
    if (
        f.valid
        and (birth is None or idnumber.birth_date(f.value) == birth)
        and (sex is None or idnumber.sex(f.value) == sex)
    ):
        return f
    dec = iddecode.decode(alternatives, birth=birth, sex=sex, today=today)
    if dec is None or dec.probability < DECODE_MIN_P or (f.valid and dec.value == f.value):
        return f
    review = dec.probability < DECODE_SURE_P or bool(dec.changed) or bool(dec.reasons)
    reasons = tuple(r for r in f.reasons if r not in _BAD_REASONS and r != "low_confidence")
    reasons = (*reasons, "id_decoded", *dec.reasons)
    if dec.probability < REVIEW_THRESHOLD:
        reasons = (*reasons, "low_confidence")
    return replace(
        f,
        value=dec.value,
        confidence=dec.probability,
        valid=True,
        reasons=reasons,
        needs_review=review,
    )


def _flag(f: ExtractedField, reason: str) -> ExtractedField:
    return replace(f, valid=False, needs_review=True, reasons=(*f.reasons, reason))
