"""``hukou-scan qa check|sample|record|finish|reproduce|queue`` — spot-check (抽检) from the shell.

Runs as ``system:<os login>`` (audited) like every headless command; the verdicts
are the same service calls the reviewer's screen makes.
"""

from __future__ import annotations

import argparse
from typing import Any

from hukou_scan.app import AppContext
from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.errors import NotFoundError
from hukou_scan.services.qa import ISSUE_LABELS, QA_REASONS


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("qa", help="质量抽检 / quality spot-check")
    qsub = p.add_subparsers(dest="qa_command", required=True)

    c = qsub.add_parser("check", help="自动检查 / automatic checks of a batch")
    c.add_argument("batch", help="批次 id 或档号 / batch id or archive id")
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=_check)

    s = qsub.add_parser("sample", help="抽取样本 / draw the sample")
    s.add_argument("batch")
    s.add_argument("--rate", type=float, help="e.g. 0.05 (default from [qa] sample_rate)")
    s.add_argument("--seed", type=int, help="reproduce a given sample")
    s.add_argument("--force", action="store_true", help="sample despite automatic-check findings")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_sample)

    r = qsub.add_parser("record", help="记录核查结果 / record a verdict")
    r.add_argument("sample")
    r.add_argument("page")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("--pass", dest="passed", action="store_true")
    g.add_argument("--fail", dest="failed", action="store_true")
    r.add_argument("--reason", action="append", default=[], choices=sorted(QA_REASONS))
    r.add_argument("--note", default="")
    r.set_defaults(handler=_record)

    f = qsub.add_parser("finish", help="判定批次 / decide the batch")
    f.add_argument("sample")
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=_finish)

    rp = qsub.add_parser("reproduce", help="按种子复现样本 / recompute a sample from its seed")
    rp.add_argument("sample")
    rp.set_defaults(handler=_reproduce)

    q = qsub.add_parser("queue", help="待重拍页面 / pages sent back for re-capture")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_queue)


def _batch_id(ctx: AppContext, ref: str) -> str:
    for b in ctx.batches.list():
        if ref in (b.id, b.archive_id):
            return b.id
    raise NotFoundError(f"找不到批次：{ref}", f"No batch {ref!r}.")


def _check(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    report = ctx.qa.auto_checks(_batch_id(ctx, args.batch))
    if args.json:
        print_json(
            {
                "batch_id": report.batch_id,
                "expected": report.expected,
                "actual": report.actual,
                "ok": report.ok,
                "issues": [i.to_dict() for i in report.issues],
            }
        )
    else:
        print(f"页数 / pages: {report.actual} (应为 / expected {report.expected or '?'})")
        for i in report.issues:
            zh, en = ISSUE_LABELS[i.kind]
            where = f"#{i.page_no} " if i.page_no is not None else ""
            print(f"  {where}{zh} / {en} {i.detail}".rstrip())
        print("通过 / ok" if report.ok else f"{len(report.issues)} 项问题 / finding(s)")
    return 0 if report.ok else 1


def _sample(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    s = ctx.qa.draw_sample(
        _batch_id(ctx, args.batch), rate=args.rate, seed=args.seed, ignore_checks=args.force
    )
    if args.json:
        print_json({"sample_id": s.id, "seed": s.seed, "rate": s.rate, "page_ids": list(s.page_ids)})
    else:
        print(f"样本 / sample {s.id}: {len(s.page_ids)}/{len(s.population)} 页, seed {s.seed}")
        numbers = ctx.qa.page_numbers(list(s.page_ids))
        for pid in s.page_ids:
            print(f"  #{numbers.get(pid, '?')} {pid}")
    return 0


def _record(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    ctx.qa.record(args.sample, args.page, bool(args.passed), args.reason, args.note)
    return 0


def _finish(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    s = ctx.qa.finish(args.sample)
    rate = s.pass_rate or 0.0
    if args.json:
        print_json({"sample_id": s.id, "status": s.status, "pass_rate": rate})
    else:
        verdict = "验收通过 / accepted" if s.status == "passed" else "不合格 / rejected"
        print(f"{verdict}: {rate * 100:.1f} % (≥ {s.pass_threshold * 100:g} %)")
    return 0 if s.status == "passed" else 1


def _reproduce(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    ids = ctx.qa.reproduce(args.sample)
    stored = ctx.qa.sample(args.sample).page_ids
    same = list(stored) == ids
    print("\n".join(ids))
    print("与记录一致 / matches the record" if same else "与记录不符 / DIFFERS from the record")
    return 0 if same else 1


def _queue(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    queue = ctx.qa.recapture_queue()
    numbers = ctx.qa.page_numbers([p.id for p in queue])
    for p in queue:
        no = numbers.get(p.id)
        if args.json:
            print_json({"page_id": p.id, "batch_id": p.batch_id, "page_no": no, "reason": p.state_reason})
        else:
            print(f"{p.batch_id} #{no if no is not None else '?'} {p.id} {p.state_reason}")
    return 0
