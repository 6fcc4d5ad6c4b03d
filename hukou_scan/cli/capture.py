"""``hukou-scan capture …``: the capture station's use cases without the GUI.

``devices`` lists cameras, ``new-batch`` / ``batches`` / ``close`` manage batches,
``import`` imports files, ``hotfolder`` watches the hot folder, ``snap`` takes
frames from the configured camera (auto-capture or a fixed count).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

from hukou_scan.cli import print_json
from hukou_scan.cli._common import open_context
from hukou_scan.domain import BatchCategory, PaperLocation
from hukou_scan.errors import HukouScanError

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("capture", help="采集 / capture station")
    p.set_defaults(auth="system")  # no personal data shown, no user/registry change (cli/_auth.py)
    cs = p.add_subparsers(dest="capture_command", required=True)

    d = cs.add_parser("devices", help="列出相机 / list cameras")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=_devices)

    nb = cs.add_parser("new-batch", help="新建批次 / open a batch")
    nb.add_argument("--archive-id", required=True, help="档号")
    nb.add_argument("--category", required=True, choices=[c.value for c in BatchCategory])
    for name in ("room", "cabinet", "shelf", "box", "volume"):
        nb.add_argument(f"--{name}", default="")
    nb.add_argument("--page-from", type=int)
    nb.add_argument("--page-to", type=int)
    nb.add_argument("--expected", type=int, help="预计页数 / expected page count")
    nb.add_argument("--notes", default="")
    nb.add_argument("--json", action="store_true")
    nb.set_defaults(handler=_new_batch)

    ls = cs.add_parser("batches", help="未关闭的批次 / open batches of this station")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_batches)

    im = cs.add_parser("import", help="导入图像或PDF / import images, multi-page TIFF, PDF")
    im.add_argument("--batch", required=True)
    im.add_argument("files", nargs="+", type=Path)
    im.add_argument("--json", action="store_true")
    im.set_defaults(handler=_import)

    hf = cs.add_parser(
        "hotfolder",
        help="监视热文件夹 / watch the hot folder",
        description="监视热文件夹并导入完整写入的文件 / import files once completely written.",
        epilog="退出码 / exit status: 0 = 全部导入 / all files imported; 1 = 有文件被隔离或无法导入 "
        "(见 quarantine/*.reason.txt) / some file was quarantined or could not be imported "
        "(see quarantine/*.reason.txt).",
    )
    hf.add_argument("--batch", required=True)
    hf.add_argument("--folder", type=Path, help="default: the configured hot folder")
    hf.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0 = until Ctrl+C)")
    hf.add_argument("--json", action="store_true")
    hf.set_defaults(handler=_hotfolder)

    sn = cs.add_parser("snap", help="从相机采集 / capture from the camera")
    sn.add_argument("--batch", required=True)
    sn.add_argument("--camera", help="simulated | auto | v4l2:N | URL (default: setting)")
    sn.add_argument("--count", type=int, default=1, help="pages to capture")
    sn.add_argument("--auto", action="store_true", help="wait for auto-capture instead of capturing at once")
    sn.add_argument("--timeout", type=float, default=120.0)
    sn.add_argument("--json", action="store_true")
    sn.set_defaults(handler=_snap)

    cl = cs.add_parser("close", help="关闭批次 / close a batch")
    cl.add_argument("--batch", required=True)
    cl.add_argument(
        "--paper-returned",
        action="store_true",
        help="确认纸质原件已放回 / the paper original is back in place",
    )
    cl.add_argument("--json", action="store_true")
    cl.set_defaults(handler=_close)


def _devices(args: argparse.Namespace) -> int:
    from hukou_scan.capture.opencv_camera import list_devices

    devices = list_devices()
    if args.json:
        for dev in devices:
            print_json({"id": dev.id, "name": dev.name, "kind": dev.kind, "index": dev.index})
        print_json({"id": "simulated", "name": "模拟高拍仪 (Simulated document camera)", "kind": "simulated"})
    else:
        for dev in devices:
            print(f"{dev.id}\t{dev.name}")
        print("simulated\t模拟高拍仪 (Simulated document camera)")
    return 0


def _new_batch(args: argparse.Namespace) -> int:
    from hukou_scan.services.capture import BatchDraft

    ctx = open_context(args)
    try:
        b = ctx.capture.new_batch(
            BatchDraft(
                archive_id=args.archive_id,
                category=BatchCategory(args.category),
                location=PaperLocation(
                    room=args.room,
                    cabinet=args.cabinet,
                    shelf=args.shelf,
                    box=args.box,
                    volume=args.volume,
                    page_from=args.page_from,
                    page_to=args.page_to,
                ),
                expected_pages=args.expected,
                notes=args.notes,
            )
        )
    finally:
        ctx.close()
    if args.json:
        print_json({"batch_id": b.id, "archive_id": b.archive_id, "category": b.category.value})
    else:
        print(b.id)
    return 0


def _batches(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        for b in ctx.capture.open_batches():
            n = ctx.capture.progress(b.id)
            if args.json:
                print_json(
                    {
                        "batch_id": b.id,
                        "archive_id": b.archive_id,
                        "category": b.category.value,
                        "pages": n.captured,
                        "expected": n.expected,
                        "location": b.location.describe(),
                    }
                )
            else:
                exp = f"/{n.expected}" if n.expected else ""
                print(
                    f"{b.id}\t{b.archive_id}\t{b.category.value}\t{n.captured}{exp}\t{b.location.describe()}"
                )
    finally:
        ctx.close()
    return 0


def _import(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    failed = 0
    try:
        for path in args.files:
            try:
                r = ctx.capture.import_file(args.batch, path)
            except HukouScanError as e:
                failed += 1
                print(f"{path.name}: {e.user_message()}", file=sys.stderr)
                continue
            except Exception as e:  # one file's unexpected failure must not stop the others
                log.exception("capture import: unexpected error on one file")
                failed += 1
                print(f"{path.name}: {type(e).__name__}: {e}", file=sys.stderr)
                continue
            if args.json:
                print_json({"file": r.file, "pages": [p.id for p in r.pages], "duplicate": r.duplicate})
            else:
                print(f"{r.file}: {'duplicate' if r.duplicate else f'{len(r.pages)} page(s)'}")
    finally:
        ctx.close()
    return 1 if failed else 0


def _hotfolder(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    svc = ctx.capture
    svc.set_current_batch(svc.batch(args.batch).id)

    def on_message(m: Any) -> None:
        if args.json:
            print_json({"level": m.level, "file": m.file, "message": m.en, "message_zh": m.zh})
        else:
            print(f"[{m.level}] {m.zh} / {m.en}", flush=True)

    hf = svc.start_hot_folder(on_message=on_message, folder=args.folder)
    print(f"watching {hf.folder}", file=sys.stderr)
    try:
        deadline = time.monotonic() + args.seconds if args.seconds else None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        svc.stop_hot_folder()
        ctx.close()
    return 1 if any(m.level == "error" for m in hf.messages) else 0


def _snap(args: argparse.Namespace) -> int:
    from hukou_scan.capture.autocapture import AutoCapture
    from hukou_scan.capture.factory import make_source
    from hukou_scan.capture.grabber import FrameGrabber, GrabbedFrame

    ctx = open_context(args)
    svc = ctx.capture
    svc.batch(args.batch)
    source = make_source(args.camera or ctx.settings.camera, ctx.settings.section("camera"))
    done = threading.Event()
    captured: list[Any] = []
    auto = AutoCapture(svc.autocapture_config()) if args.auto else None

    def take(frame: GrabbedFrame) -> None:
        if len(captured) >= args.count:
            return
        desk = auto.desk_reference if auto is not None else None
        r = svc.capture(args.batch, frame.full, source_device=source.info.id, desk_reference=desk)
        captured.append(r)
        if args.json:
            print_json({"page_id": r.page.id, "page_no": r.number, "durable_ms": round(r.durable_ms, 1)})
        else:
            print(f"page {r.number}: {r.page.id} ({r.durable_ms:.0f} ms)", flush=True)
        if len(captured) >= args.count:
            done.set()

    grabber = FrameGrabber(source, autocapture=auto, on_auto_capture=take if auto else None)
    grabber.start()
    try:
        deadline = time.monotonic() + args.timeout
        last = -1
        while not done.is_set() and time.monotonic() < deadline:
            if auto is not None:
                done.wait(0.2)
                continue
            frame = grabber.wait_frame(last, timeout=2.0)
            if frame is not None:
                last = frame.index
                take(frame)
    finally:
        grabber.stop()
        ctx.close()
    if len(captured) < args.count:
        print(f"captured {len(captured)} of {args.count} before the timeout", file=sys.stderr)
        return 1
    return 0


def _close(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    try:
        b = ctx.capture.close_batch(args.batch, paper_returned=args.paper_returned)
        n = len(ctx.capture.list_pages(b.id))
    finally:
        ctx.close()
    if args.json:
        print_json({"batch_id": b.id, "status": b.status.value, "pages": n})
    else:
        print(f"{b.archive_id}: closed ({n} pages)")
    return 0
