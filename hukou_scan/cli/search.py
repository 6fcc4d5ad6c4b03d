"""``hukou-scan search QUERY [filters] [--json]`` and ``hukou-scan search --reindex``."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.domain.models import BatchCategory
from hukou_scan.domain.search import SearchFilters
from hukou_scan.errors import HukouScanError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "search",
        help="全文检索档案 / search the archive",
        description="检索 OCR 文字、人员字段与批次信息 / search OCR text, person fields and batch metadata",
    )
    p.add_argument("query", nargs="?", default="", help="检索词 / query (Chinese, names, ID numbers…)")
    p.add_argument("--station", help="派出所代码 / station code")
    p.add_argument("--category", choices=[c.value for c in BatchCategory], help="业务类别 / category")
    p.add_argument("--batch", help="批次档号或编号 / batch archive id or batch id")
    p.add_argument(
        "--from", dest="date_from", type=_date, help="采集日期起 / captured on or after (YYYY-MM-DD)"
    )
    p.add_argument("--to", dest="date_to", type=_date, help="采集日期止 / captured on or before (YYYY-MM-DD)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--linked", action="store_true", default=None, help="仅已关联人员 / linked pages only")
    g.add_argument("--unlinked", action="store_true", default=None, help="仅未关联 / unlinked pages only")
    p.add_argument("--review", help="审核状态 / review state")
    p.add_argument("--limit", type=int, default=20, help="最多结果数 / maximum results (default 20)")
    p.add_argument("--json", action="store_true", help="每行一个 JSON 对象 / one JSON object per line")
    p.add_argument("--reindex", action="store_true", help="重建检索索引 / rebuild the search index")
    p.add_argument(
        "--update-index", action="store_true", help="索引新增或变更的页面 / index new and changed pages"
    )
    p.set_defaults(handler=_run)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD: {value}") from e


def _run(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        if args.reindex:
            return _reindex(ctx, args)
        if args.update_index:
            n = ctx.search.update_index()
            if args.json:
                print_json({"indexed": n})
            else:
                print(f"已索引 / indexed: {n} pages")
            return 0
        filters = _filters(ctx, args)
        if not args.query.strip() and filters.is_empty():
            raise HukouScanError(
                "请输入检索词或筛选条件。",
                "Give a query or at least one filter.",
                hint_en="e.g. hukou-scan search 王伟 --station CG",
            )
        result = ctx.search.search(args.query, filters, limit=args.limit)
        if args.json:
            for h in result.hits:
                print_json(h.to_dict())
            print_json(
                {
                    "summary": True,
                    "hits": len(result.hits),
                    "more": result.more,
                    "elapsed_ms": round(result.elapsed_ms, 1),
                }
            )
            return 0
        if not result.hits:
            print("没有找到结果 / no results")
            return 0
        for i, h in enumerate(result.hits, 1):
            persons = "、".join(p.name for p in h.persons)
            print(
                f"{i:>3}. [{h.archive_id} 第{h.page_no}页] {h.category} {h.station_name} {h.captured_at:%Y-%m-%d}"
                + (f"  人员/persons: {persons}" if persons else "")
            )
            print(f"     {h.snippet}")
        more = " (还有更多 / more available)" if result.more else ""
        print(f"共 {len(result.hits)} 条 / {len(result.hits)} hits, {result.elapsed_ms:.0f} ms{more}")
        return 0
    finally:
        ctx.close()


def _filters(ctx: Any, args: argparse.Namespace) -> SearchFilters:
    station_id = None
    if args.station:
        match = [s for s in ctx.stations.list() if s.code == args.station or s.name == args.station]
        if not match:
            raise HukouScanError(f"未知的派出所：{args.station}", f"Unknown station: {args.station}")
        station_id = match[0].id
    batch_id = None
    if args.batch:
        found = ctx.search_store.batches_by_archive_id(args.batch)
        batch_id = found[0] if found else args.batch
    linked = True if args.linked else False if args.unlinked else None
    return SearchFilters(
        station_id=station_id,
        category=args.category,
        batch_id=batch_id,
        date_from=datetime.combine(args.date_from, datetime.min.time()) if args.date_from else None,
        date_to=datetime.combine(args.date_to + timedelta(days=1), datetime.min.time())
        if args.date_to
        else None,
        linked=linked,
        review_state=args.review,
    )


def _reindex(ctx: Any, args: argparse.Namespace) -> int:
    def progress(done: int, total: int, _msg: str) -> None:
        if not args.json and total:
            print(f"\r索引 / indexing {done}/{total}", end="", flush=True)

    n = ctx.search.reindex(progress=progress)
    if args.json:
        print_json({"reindexed": n})
    else:
        print(f"\n已重建索引 / index rebuilt: {n} pages")
    return 0
