"""A fictional sample registry, generated deterministically from a seed.

Used by the demo, the simulated camera and the tests.  Every name, address and ID
number is invented (random surnames and given names, random sequence digits); ID
numbers carry a valid GB 11643 check digit so validation paths are exercised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from hukou_scan.domain import idnumber
from hukou_scan.domain.models import Person

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟强军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆建国志文德福海林春生荣"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英华慧巧美玲桂兰凤洁梅琳素云莲真环雪荣爱妹香月红"
ETHNICITIES = ["汉族"] * 40 + ["回族", "满族", "蒙古族", "壮族", "朝鲜族", "土家族", "苗族"]
AREAS = {
    "110101": "北京市东城区",
    "110102": "北京市西城区",
    "320102": "江苏省南京市玄武区",
    "330106": "浙江省杭州市西湖区",
    "420106": "湖北省武汉市武昌区",
    "510104": "四川省成都市锦江区",
}
STREETS = ["和平", "建设", "解放", "人民", "胜利", "文化", "光明", "新华", "东风", "红旗", "团结", "向阳"]
STATIONS = ["城关派出所", "东街派出所", "西关派出所"]


@dataclass(frozen=True)
class SampleHousehold:
    household_no: str
    address: str
    station: str
    members: tuple[Person, ...]

    @property
    def head(self) -> Person:
        return self.members[0]


def _name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(pool) if rng.random() < 0.45 else rng.choice(pool) + rng.choice(pool)
    return (surname or rng.choice(SURNAMES)) + given


def _id_number(rng: random.Random, area: str, born: date, male: bool) -> str:
    seq = rng.randrange(0, 100) * 10 + (rng.choice([1, 3, 5, 7, 9]) if male else rng.choice([0, 2, 4, 6, 8]))
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_digit(first17)


def _birth(rng: random.Random, start_year: int, end_year: int) -> date:
    start = date(start_year, 1, 1)
    days = (date(end_year, 12, 31) - start).days
    return start + timedelta(days=rng.randrange(days))


def _member(
    rng: random.Random,
    area: str,
    household_no: str,
    index: int,
    surname: str,
    address: str,
    station: str,
    name: str,
    male: bool,
    born: date,
    relation: str,
    old15: bool,
) -> Person:
    number = _id_number(rng, area, born, male)
    raw = number[:6] + number[8:17] if old15 and born.year < 2000 else number
    return Person(
        id=f"sample-{household_no}-{index}",
        name=name,
        id_number=number,
        id_number_raw=raw,
        former_name=_name(rng, male, surname) if rng.random() < 0.08 else "",
        sex="男" if male else "女",
        ethnicity=rng.choice(ETHNICITIES),
        birth_date=born,
        household_no=household_no,
        relation=relation,
        address=address,
        station=station,
        status="正常" if rng.random() < 0.9 else rng.choice(["死亡", "迁出", "注销"]),
    )


def generate_households(n: int = 40, seed: int = 20261122) -> list[SampleHousehold]:
    """``n`` fictional households of 1–6 members with consistent relations and ages."""
    rng = random.Random(seed)
    out: list[SampleHousehold] = []
    for i in range(n):
        area = rng.choice(sorted(AREAS))
        station = STATIONS[i % len(STATIONS)]
        address = f"{AREAS[area]}{rng.choice(STREETS)}路{rng.randrange(1, 300)}号"
        household_no = f"{area[:4]}{i + 1:06d}"
        surname = rng.choice(SURNAMES)
        head_male = rng.random() < 0.8
        head_birth = _birth(rng, 1920, 1960)

        specs: list[tuple[str, bool, date, str, bool]] = [
            (_name(rng, head_male, surname), head_male, head_birth, "户主", rng.random() < 0.2)
        ]
        if rng.random() < 0.85:
            spouse_birth = head_birth + timedelta(days=rng.randrange(-1500, 1500))
            specs.append(
                (_name(rng, not head_male), not head_male, spouse_birth, "妻" if head_male else "夫", False)
            )
        for _ in range(rng.randrange(0, 4)):
            child_male = rng.random() < 0.5
            child_birth = _birth(rng, head_birth.year + 20, min(head_birth.year + 40, 1989))
            specs.append(
                (
                    _name(rng, child_male, surname),
                    child_male,
                    child_birth,
                    "子" if child_male else "女",
                    False,
                )
            )
        members = [
            _member(rng, area, household_no, k, surname, address, station, name, male, born, rel, old15)
            for k, (name, male, born, rel, old15) in enumerate(specs, start=1)
        ]
        out.append(SampleHousehold(household_no, address, station, tuple(members)))
    return out


def generate_persons(n_households: int = 40, seed: int = 20261122) -> list[Person]:
    return [p for h in generate_households(n_households, seed) for p in h.members]


REGISTRY_COLUMNS = [
    "姓名",
    "曾用名",
    "公民身份号码",
    "性别",
    "民族",
    "出生日期",
    "户号",
    "户主姓名",
    "与户主关系",
    "住址",
    "派出所",
    "状态",
]


def registry_rows(households: list[SampleHousehold]) -> list[list[str]]:
    """Rows in the column order of a population-information-system export."""
    rows: list[list[str]] = []
    for h in households:
        for p in h.members:
            rows.append(
                [
                    p.name,
                    p.former_name,
                    p.id_number_raw or p.id_number,
                    p.sex,
                    p.ethnicity,
                    p.birth_date.strftime("%Y-%m-%d") if p.birth_date else "",
                    h.household_no,
                    h.head.name,
                    p.relation,
                    p.address,
                    p.station,
                    p.status,
                ]
            )
    return rows
