"""End-to-end link benchmark: camera frames in, confirmed-person proposals out, 1 M registry.

Run: ``python -m benchmarks.bench_link [--quick] [--persons N] [--pages-per-hand K]
[--layout independent|simulator|both]``.  Prints one JSON object on its last line.

The registry: a fictional 1 M-person registry (:func:`benchmarks.bench_registry.write_registry`,
about 50 000 with ``--quick``) plus, for each of 200 target persons, five near-duplicate
twins (issue 17 item 4):

* ``namesake_slip``  same name, sex and birth date; number one digit off in the body
  (a misread digit plus a misread check digit, or a misread digit of an old 15-digit
  number, lands exactly on it);
* ``variant_slip``   a one-character-different name, same birth date, number one digit off;
* ``namesake_day``   same name and birth date, an unrelated number;
* ``namesake_year``  same name and birth year, another day;
* ``form_twin``      the 15/18-digit twin: a record in the other number form whose body is
  one digit off the target's.

Built once and cached under ``~/.cache/hukou-scan-bench/link`` (the SQLite database after
a normal import through :class:`RegistryService`, and the targets).

The pages (``pages``), ``--layout independent`` (the default): a form in the layout the
project's simulator never draws (:mod:`benchmarks.independent.hwforms`: four-column
table, the 公民身份号码 one digit per printed box) for a target person — every page's
person has the five near-duplicates above in the registry — its entries written in one
hand.  ``--layout simulator``: the simulator's 常住人口登记表 for a target person (even
pages) or a person without twins (odd pages), as before.  Either way the page is laid on a desk of the independent frame generator (:mod:`benchmarks.independent.frames`:
other desks, lights, pens, sheets underneath), 8 MP frames.  Hands: ``kai`` (printed Kai,
the face the simulator writes with) and five handwriting faces from Fontsource that the
project never tuned on (:mod:`benchmarks._hands`); on the independent layout the
report keeps the hands the form reader may be tuned on
(:data:`benchmarks.independent.hwforms.TUNING_HANDS`) apart from the test-only ones
(``TEST_HANDS``): ``tuning_hands`` / ``test_hands``.  Each frame goes through the same
steps as in the app: :func:`hukou_scan.imaging.pipeline.process_frame` →
:func:`hukou_scan.ocr.form.recognize_page` (rapidocr) → :func:`rank_page` → the
pre-selection rule of :class:`LinkingService` (``certain``, score ≥ 85, lead ≥ 10).

Figures: ``link_top1`` (top candidate is the true person, printed Kai), ``link_top1_hw``
(the handwriting faces together, and per hand), ``wrong_certain`` (pages where a wrong
person was pre-selected as certain; goal 0), ``certain_rate``, ``registry_size``,
``pages``; per page group the readings of 公民身份号码 and 姓名 three ways: ``raw`` (the
plain ID rules on what was read), ``read`` (the field value: for the ID after the
constrained decoder), ``corrected`` (the value the clerk's confirmation of the top
candidate would write: its ``*_corrected`` proposals, else the value read).  Anchor in the same run: ``old_rule`` — the score-only pre-selection (≥ 85,
lead ≥ 10) that the linker used before — on the same pages.

``twin_stress``: no images; for every target, the readings an OCR slip produces —
the true number, a number landing on each slip twin, an invalid one-digit misread — with
the true name and sex, ranked against the registry: wrong certain proposals of the new
rule and of the old rule.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks._hands import HANDS, available_hands, hand_font
from benchmarks.bench_registry import write_registry
from benchmarks.independent.frames import make_frame
from hukou_scan.app import AppContext
from hukou_scan.capture.simulated.forms import render_registration_form
from hukou_scan.config import load_settings
from hukou_scan.domain import ExtractedField, Person, idnumber
from hukou_scan.domain.sample import REGISTRY_COLUMNS
from hukou_scan.ocr.fields import strip_punct
from hukou_scan.registry.matching import Candidate, PageFields, corrections_for, rank, rank_page
from hukou_scan.registry.variants import confusion_variants
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.linking import DEFAULT_MARGIN, DEFAULT_THRESHOLD
from hukou_scan.services.registry import RegistryService
from hukou_scan.storage.registry import RegistryStore

CACHE = Path(os.environ.get("HUKOU_BENCH_CACHE", Path.home() / ".cache" / "hukou-scan-bench")) / "link"
TARGETS = 200
TWIN_KINDS = ("namesake_slip", "variant_slip", "namesake_day", "namesake_year", "form_twin")
SLIP_KINDS = {str(TWIN_KINDS.index(k)) for k in ("namesake_slip", "variant_slip", "form_twin")}
"""Twins whose number one misread digit of the target's number can produce (household suffix)."""
PAGE_SEED0 = 9100  # independent frame seeds used for the desks (held-out range of frames.py)
INDEPENDENT_SEED0 = 9400
"""Frame and form seeds of the independent-layout pages (no other benchmark draws them)."""


# --------------------------------------------------------------------------- registry


def _slip(body: str, positions: range, rng: random.Random) -> str:
    i = rng.choice(list(positions))
    d = rng.choice([c for c in "0123456789" if c != body[i]])
    return body[:i] + d + body[i + 1 :]


def _as18(body17: str) -> str:
    return body17 + idnumber.check_digit(body17)


def _to15(n18: str) -> str:
    return n18[:6] + n18[8:17]


def _variant_name(name: str, rng: random.Random) -> str:
    vs = [v for v in confusion_variants(name) if v != name and len(v) == len(name)]
    if vs:
        return rng.choice(vs)
    return name[:-1] + rng.choice([c for c in "华明英芳军平强" if c != name[-1]])


def _twins(row: list[str], k: int, rng: random.Random) -> list[list[str]]:
    """The five near-duplicates of one target row (registry CSV rows)."""
    name, raw, birth = row[0], row[2], row[5]
    n18 = idnumber.to18(raw) or raw
    fifteen = len(raw) == 15
    out: list[list[str]] = []

    def twin(kind: str, t_name: str, number: str, t_birth: str) -> None:
        r = list(row)
        r[0], r[1], r[2], r[5] = t_name, "", number, t_birth
        r[6] = f"TW{k:04d}{TWIN_KINDS.index(kind)}"  # own household
        r[7], r[8] = t_name, "户主"
        out.append(r)

    if fifteen:
        twin("namesake_slip", name, _slip(raw, range(12, 15), rng), birth)
        twin("variant_slip", _variant_name(name, rng), _slip(raw, range(12, 15), rng), birth)
        twin("form_twin", name, _as18(_slip(n18[:17], range(14, 17), rng)), birth)
    else:
        twin("namesake_slip", name, _as18(_slip(n18[:17], range(14, 17), rng)), birth)
        twin("variant_slip", _variant_name(name, rng), _as18(_slip(n18[:17], range(14, 17), rng)), birth)
        twin("form_twin", name, _slip(_to15(n18), range(12, 15), rng), birth)
    far_area = f"{(int(n18[:6]) + 1111) % 900000 + 100000:06d}"
    twin("namesake_day", name, _as18(far_area + n18[6:14] + f"{rng.randrange(1000):03d}"), birth)
    b = date.fromisoformat(birth)
    other_day = date(b.year, (b.month % 12) + 1, min(b.day, 28))
    seq = f"{rng.randrange(1000):03d}"
    twin("namesake_year", name, _as18(n18[:6] + other_day.strftime("%Y%m%d") + seq), other_day.isoformat())
    return out


def build_registry(persons: int, seed: int = 20261205) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    """The cached registry database, its twin targets and plain persons (built on first use)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    db_path = CACHE / f"registry-{persons}-{seed}-v2.sqlite3"
    meta_path = db_path.with_suffix(".json")
    if db_path.exists() and meta_path.exists():
        return db_path, json.loads(meta_path.read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-link-build-"))
    try:
        csv_path = tmp / "registry.csv"
        write_registry(csv_path, persons)
        with open(csv_path, encoding="gb18030", newline="") as fh:
            rows = list(csv.reader(fh))[1:]
        rng = random.Random(seed)
        usable = [
            r
            for r in rng.sample(rows, TARGETS * 6)
            if r[0] and r[5] and len(r[0]) >= 2 and r[11] in ("", "正常")
        ]
        targets, plain = usable[:TARGETS], usable[TARGETS : 2 * TARGETS]
        with open(csv_path, "a", encoding="gb18030", newline="") as fh:
            w = csv.writer(fh)
            for k, t in enumerate(targets):
                w.writerows(_twins(t, k, rng))
        settings = load_settings(config_dir=tmp / "config", data_dir=tmp / "data")
        ctx = AppContext(settings, log_to_file=False)
        report = RegistryService(ctx.registry_store, OpenGuard()).import_file(csv_path)
        print(f"registry: {report.to_dict()['added']} persons imported", file=sys.stderr)
        ctx.db.engine.dispose()
        shutil.copy(tmp / "data" / "hukou.sqlite3", db_path)
        meta = {
            "targets": [dict(zip(REGISTRY_COLUMNS, t, strict=True)) for t in targets],
            "plain": [dict(zip(REGISTRY_COLUMNS, t, strict=True)) for t in plain],
        }
        meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return db_path, meta
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_store(db_path: Path, tmp: Path) -> tuple[AppContext, RegistryStore]:
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(db_path, data / "hukou.sqlite3")
    ctx = AppContext(load_settings(config_dir=tmp / "config", data_dir=data), log_to_file=False)
    return ctx, ctx.registry_store


def true_person(store: RegistryStore, t: dict[str, str]) -> Person:
    number = idnumber.to18(t["公民身份号码"]) or t["公民身份号码"]
    found = [p for p in store.by_id_numbers([number]) if p.household_no == t["户号"] and p.name == t["姓名"]]
    if len(found) != 1:
        raise RuntimeError(f"target not unique in the registry: {t['户号']}")
    return found[0]


# --------------------------------------------------------------------------- rules


def old_rule(cands: list[Candidate]) -> bool:
    """Pre-selection before issue 17: score ≥ 85 and a lead of ≥ 10 over the runner-up."""
    if not cands:
        return False
    runner = cands[1].score if len(cands) > 1 else 0.0
    return cands[0].score >= DEFAULT_THRESHOLD and cands[0].score - runner >= DEFAULT_MARGIN


def new_rule(cands: list[Candidate]) -> bool:
    """:meth:`LinkingService.propose` for a single-person page."""
    return bool(cands) and cands[0].certain and old_rule(cands)


# --------------------------------------------------------------------------- pages


def page_person(t: dict[str, str], pid: str) -> Person:
    return Person(
        id=pid,
        name=t["姓名"],
        former_name=t["曾用名"],
        id_number=idnumber.to18(t["公民身份号码"]) or "",
        id_number_raw=t["公民身份号码"],
        sex=t["性别"],
        ethnicity=t["民族"],
        birth_date=date.fromisoformat(t["出生日期"]),
        household_no=t["户号"],
        relation=t["与户主关系"],
        address=t["住址"],
        station=t["派出所"],
    )


LAYOUTS = ("independent", "simulator")


def _id_canon(value: str) -> str:
    n = idnumber.normalize(value)
    return idnumber.to18(n) or n


def _raw_id(flds: list[ExtractedField]) -> str:
    """What the plain ID rules (:func:`idnumber.read`) make of the raw reading, canonical form."""
    f = max((f for f in flds if f.name == "id_number"), key=lambda f: f.confidence, default=None)
    if f is None:
        return ""
    r = idnumber.read(strip_punct("".join((f.raw or f.value).split())))
    return (idnumber.to18(r.value) or "") if r.valid else ""


def readings(flds: list[ExtractedField], top: Candidate | None) -> dict[str, str]:
    """公民身份号码 and 姓名 raw, as read, and as the confirmation of ``top`` would write them."""
    read = PageFields.from_extracted(flds)
    out = {
        "id_raw": _raw_id(flds),
        "id_read": _id_canon(read.id_number),
        "name_read": read.name,
    }
    out["id_corrected"], out["name_corrected"] = out["id_read"], out["name_read"]
    if top is not None:
        for c in corrections_for(flds, top.person, top.reasons):
            if c.field == "id_number":
                out["id_corrected"] = _id_canon(c.corrected)
            elif c.field == "name":
                out["name_corrected"] = c.corrected
    return out


def run_pages(
    store: RegistryStore,
    people: dict[str, list[dict[str, str]]],
    hands: list[str],
    per_hand: int,
    layout: str = "independent",
) -> dict[str, Any]:
    """Link every page; on the simulator layout half the pages show a person without twins."""
    from benchmarks.independent.frames import desk_of
    from benchmarks.independent.hwforms import render_form
    from hukou_scan.imaging.pipeline import process_frame
    from hukou_scan.ocr.engine import create_engine
    from hukou_scan.ocr.form import recognize_page

    engine = create_engine("rapidocr")
    rows: list[dict[str, Any]] = []
    k = 0
    seed0 = PAGE_SEED0 if layout == "simulator" else INDEPENDENT_SEED0
    for hand in hands:
        for j in range(per_hand):
            group = "targets" if layout == "independent" or j % 2 == 0 else "plain"
            t = people[group][(k * 37) % len(people[group])]
            truth = true_person(store, t)
            seed = seed0 + k
            k += 1
            person = page_person(t, truth.id)
            font = functools.partial(hand_font, hand)
            if layout == "simulator":
                image = render_registration_form(person, t["户主姓名"], seed=seed, hand=font).image
            else:
                image = render_form(person, t["户主姓名"], font, seed).image
            frame = make_frame(seed, page_image=cv2.cvtColor(image, cv2.COLOR_RGB2BGR)).image
            c0 = time.process_time()
            res = process_frame(frame)
            base = {"hand": hand, "desk": desk_of(seed), "twins": group == "targets"}
            if not res.parts:
                rows.append({**base, "ok": False, "certain": False, "old": False})
                continue
            ocr = recognize_page(engine, res.parts[0].derivative)
            cands, household = rank_page(ocr.fields, store)
            cpu = time.process_time() - c0
            top = cands[0] if cands and not household else None
            got = readings(ocr.fields, top)
            want_name = truth.name
            row = {
                **base,
                "ok": bool(cands) and cands[0].person.id == truth.id,
                "certain": (not household) and new_rule(cands),
                "old": (not household) and old_rule(cands),
                **{
                    f"{k_}_ok": got[k_] == (truth.id_number if k_.startswith("id") else want_name)
                    for k_ in ("id_raw", "id_read", "id_corrected", "name_read", "name_corrected")
                },
                "cpu_s": round(cpu, 2),
            }
            rows.append(row)
            print(f"{layout} {hand} {j}: {json.dumps(row, ensure_ascii=False)}", file=sys.stderr)
    return summarise(rows, hands)


def _rate(xs: list[bool]) -> float | None:
    return round(sum(xs) / len(xs), 3) if xs else None


READ_KEYS = ("id_raw", "id_read", "id_corrected", "name_read", "name_corrected")


def _group(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "pages": len(rows),
        "top1": _rate([r["ok"] for r in rows]),
        "certain": _rate([r["certain"] for r in rows]),
        "wrong_certain": sum(1 for r in rows if r["certain"] and not r["ok"]),
        **{f"{k}_exact": _rate([bool(r.get(f"{k}_ok")) for r in rows]) for k in READ_KEYS},
    }


def summarise(rows: list[dict[str, Any]], hands: list[str]) -> dict[str, Any]:
    from benchmarks.independent.hwforms import TEST_HANDS, TUNING_HANDS

    kai = [r for r in rows if r["hand"] == "kai"]
    hw = [r for r in rows if r["hand"] != "kai"]
    return {
        "link_top1": _rate([r["ok"] for r in kai]),
        "link_top1_hw": _rate([r["ok"] for r in hw]),
        "wrong_certain": sum(1 for r in rows if r["certain"] and not r["ok"]),
        "certain_rate": _rate([r["certain"] for r in rows]),
        "certain_rate_kai": _rate([r["certain"] for r in kai]),
        "certain_rate_no_twins": _rate([r["certain"] for r in rows if not r["twins"]]),
        "certain_rate_with_twins": _rate([r["certain"] for r in rows if r["twins"]]),
        "pages": len(rows),
        "kai": _group(kai),
        "tuning_hands": _group([r for r in rows if r["hand"] in TUNING_HANDS]),
        "test_hands": _group([r for r in rows if r["hand"] in TEST_HANDS]),
        "per_hand": {h: _group([r for r in rows if r["hand"] == h]) for h in hands},
        "cpu_s_per_page": round(float(np.mean([r.get("cpu_s", 0.0) for r in rows])), 2) if rows else None,
        "anchor_old_rule": {
            "wrong_certain": sum(1 for r in rows if r["old"] and not r["ok"]),
            "certain_rate": _rate([r["old"] for r in rows]),
        },
    }


# --------------------------------------------------------------------------- twin stress


def twin_stress(store: RegistryStore, targets: list[dict[str, str]]) -> dict[str, Any]:
    """Readings one OCR slip produces, ranked: how often each rule pre-selects a wrong person."""
    counts = {"readings": 0, "new_wrong_certain": 0, "old_wrong_certain": 0, "new_certain": 0, "top1": 0}
    rng = random.Random(5)
    ms: list[float] = []
    for t in targets:
        truth = true_person(store, t)
        twins = [
            p
            for p in store.by_birth_date(truth.birth_date or date.min)
            if p.household_no[:-1] == f"TW{targets.index(t):04d}" and p.household_no[-1] in SLIP_KINDS
        ]
        raw = t["公民身份号码"]
        readings = [raw]
        readings += [p.id_number_raw for p in twins if p.id_number_raw]  # slips landing on a twin
        body = raw if len(raw) == 15 else raw[:17]
        readings.append(_slip(body, range(6, len(body)), rng) + ("" if len(raw) == 15 else raw[17]))
        for reading in readings:
            page = PageFields(id_number=reading, name=truth.name, sex=truth.sex)
            t0 = time.perf_counter()
            cands = rank(page, store)
            ms.append((time.perf_counter() - t0) * 1000)
            counts["readings"] += 1
            ok = bool(cands) and cands[0].person.id == truth.id
            counts["top1"] += ok
            if new_rule(cands):
                counts["new_certain"] += 1
                counts["new_wrong_certain"] += not ok
            if old_rule(cands) and not ok:
                counts["old_wrong_certain"] += 1
    ms.sort()
    return {**counts, "rank_p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2) if ms else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--quick", action="store_true", help="50 000 persons, 2 pages per hand")
    ap.add_argument("--persons", type=int, default=None)
    ap.add_argument("--pages-per-hand", type=int, default=None)
    ap.add_argument(
        "--layout",
        choices=(*LAYOUTS, "both"),
        default="independent",
        help="form layout of the pages: the independent one (default), the simulator's, or both",
    )
    ap.add_argument(
        "--hands",
        default="",
        help="comma-separated subset of hands (e.g. only the tuning hands while developing)",
    )
    args = ap.parse_args(argv)
    persons = args.persons or (50_000 if args.quick else 1_000_000)
    per_hand = args.pages_per_hand or (2 if args.quick else 10)
    t0 = time.perf_counter()
    db_path, people = build_registry(persons)
    targets = people["targets"]
    result: dict[str, Any] = {"bench": "link", "build_s": round(time.perf_counter() - t0, 1)}
    tmp = Path(tempfile.mkdtemp(prefix="bench-link-"))
    try:
        ctx, store = open_store(db_path, tmp)
        with ctx.db.engine.connect() as conn:
            result["registry_size"] = conn.exec_driver_sql("SELECT count(*) FROM persons").scalar_one()
        result["twin_stress"] = twin_stress(store, targets)
        print(f"twin stress: {result['twin_stress']}", file=sys.stderr)
        hands = ["kai", *available_hands(HANDS)]
        result["hands_missing"] = [h for h in HANDS if h not in hands]
        if args.hands:
            wanted = args.hands.split(",")
            hands = [h for h in hands if h in wanted]
        layouts = list(LAYOUTS) if args.layout == "both" else [args.layout]
        result["layout"] = layouts[0]
        result.update(run_pages(store, people, hands, per_hand, layouts[0]))
        for other in layouts[1:]:
            result[f"{other}_layout"] = run_pages(store, people, hands, per_hand, other)
        result["goals"] = {"link_top1": 0.98, "link_top1_hw": 0.95, "wrong_certain": 0}
        result["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
