"""ExportService on a real (SQLite) catalogue and page store, and the ``hukou-scan export`` CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import Role, User
from hukou_scan.errors import ExportError, NotFoundError, PermissionDenied
from hukou_scan.export.assemble import ExportCancelled
from hukou_scan.services.export import ExportRequest, ExportService, ExportSource, safe_filename
from hukou_scan.services.guard import OpenGuard
from tests.export_pages import LINES, pdftotext, seed


class DenyGuard(OpenGuard):
    """A logged-in clerk without the searcher role."""

    @property
    def user(self) -> User | None:
        return User("u1", "clerk1", "采集员甲", frozenset({Role.CLERK}))

    def require(self, *roles: Role, station_id: str | None = None) -> User | None:
        raise PermissionDenied("无权导出。", "Not allowed to export.")


def _service(ctx: AppContext, guard: Any | None = None) -> tuple[ExportService, OpenGuard]:
    g = guard or OpenGuard(username="查询员乙")
    svc = ExportService(
        settings=ctx.settings,
        blobs=ctx.blobs,
        pages=ctx.pages,
        batches=ctx.batches,
        persons=ctx.persons,
        links=ctx.links,
        guard=g,
    )
    return svc, g


def _outline_titles(path: Path) -> list[Any]:
    with pikepdf.open(path) as pdf, pdf.open_outline() as ol:

        def walk(items: Any) -> list[Any]:
            return [(i.title, walk(i.children)) if i.children else i.title for i in items]

        return walk(ol.root)


def test_batch_export_is_searchable_labelled_bookmarked_and_audited(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=4)
    svc, guard = _service(ctx)
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="户籍证明", output=tmp_path))
    assert res.path == tmp_path / "A0101-2026-001.pdf"  # named by 档号
    assert res.pages == 4
    text = pdftotext(res.path)
    for line in LINES:
        assert text.count(line) == 4
    reader = pypdf.PdfReader(res.path)
    assert reader.page_labels == [f"A0101-2026-001-{i:04d}" for i in range(1, 5)]
    titles = _outline_titles(res.path)
    assert titles[0][0] == "户号 110101000123（户主 王大力）"
    persons = [p[0] for p in titles[0][1]]
    assert persons == ["王大力（户主）", "王小明（子）"]
    assert titles[0][1][1][1] == ["A0101-2026-001 出生（第1–3页，共3页）"]
    assert titles[1] == ("未关联人员的页面", ["A0101-2026-001 出生（第4页）"])
    with pikepdf.open(res.path) as pdf:
        assert pdf.docinfo["/Author"] == "查询员乙"
        assert pdf.docinfo["/HukouPurpose"] == "户籍证明"
        assert pdf.docinfo["/HukouSource"] == f"batch:{s.batch.id}"
    action, target, outcome, details = guard.events[-1]
    assert (action, target, outcome) == ("export", f"batch:{s.batch.id}", "ok")
    assert details["purpose"] == "户籍证明" and details["pages"] == 4 and details["sha256"] == res.sha256


def test_person_and_household_sources(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=3)
    svc, _ = _service(ctx)
    head, son = s.persons
    plan = svc.plan(ExportSource.person(head.id))
    assert [p.seq for p in plan.pages] == [1, 2]
    plan = svc.plan(ExportSource.person(son.id))
    assert [p.seq for p in plan.pages] == [1, 2, 3]
    plan = svc.plan(ExportSource.household(s.household_no))
    assert [p.seq for p in plan.pages] == [1, 2, 3]  # a page shared by two members appears once
    assert plan.persons == 2 and plan.households == 1
    res = svc.export(
        ExportRequest(ExportSource.household(s.household_no), purpose="办案调档", output=tmp_path / "hh.pdf")
    )
    assert res.pages == 3
    titles = _outline_titles(res.path)
    assert [p[0] for p in titles[0][1]] == ["王大力（户主）", "王小明（子）"]


def test_hand_picked_pages_keep_their_order(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=3, link=False)
    svc, _ = _service(ctx)
    ids = [s.pages[2].id, s.pages[0].id, s.pages[2].id]
    res = svc.export(ExportRequest(ExportSource.pages(ids), purpose="核对", output=tmp_path / "sel"))
    assert res.path == tmp_path / "sel.pdf"
    assert pypdf.PdfReader(res.path).page_labels == ["A0101-2026-001-0003", "A0101-2026-001-0001"]


def test_purpose_is_required_and_roles_are_checked(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=1, link=False)
    svc, _ = _service(ctx)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(ExportError) as e:
        svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="  ", output=tmp_path))
    assert "用途" in e.value.zh
    denied, _ = _service(ctx, DenyGuard())
    with pytest.raises(PermissionDenied):
        denied.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_cancel_is_audited_and_leaves_no_file(ctx: AppContext, tmp_path: Path) -> None:
    import threading

    s = seed(ctx, n_pages=3, link=False)
    svc, guard = _service(ctx)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    cancel = threading.Event()
    with pytest.raises(ExportCancelled):
        svc.export(
            ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path),
            progress=lambda d, t, m: cancel.set(),
            cancel=cancel,
        )
    assert list(tmp_path.iterdir()) == []
    assert guard.events[-1][2] == "cancelled"


def test_missing_page_file_is_skipped_and_reported(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=3, link=False)
    # page 2 and page 3 share no blob; delete page 2's
    ctx.blobs.delete(s.pages[1].original_sha256)
    svc, guard = _service(ctx)
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path))
    assert res.pages == 2 and res.skipped == (s.pages[1].id,)
    assert res.warnings
    assert guard.events[-1][3]["skipped"] == 1


def test_bitonal_derivative_is_used_when_marked(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=1, link=False)
    deriv = ctx.blobs.put(s.synthetic[0].bitonal_png)
    meta = dict(s.pages[0].process_meta)
    meta["derivative"] = {"format": "png", "mode": "bitonal", "bits": 1, "dpi": 150.0}
    ctx.pages.update(s.pages[0].id, derivative_sha256=deriv, process_meta=meta)
    svc, _ = _service(ctx)
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path / "bw.pdf"))
    with pikepdf.open(res.path) as pdf:
        assert str(pdf.pages[0].Resources.XObject["/Im0"].Filter) == "/CCITTFaxDecode"
    assert "常住人口登记表" in pdftotext(res.path)
    master = svc.export(
        ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path / "m.pdf", image="master")
    )
    with pikepdf.open(master.path) as pdf:
        assert "/DCTDecode" in str(pdf.pages[0].Resources.XObject["/Im0"].Filter)


@pytest.mark.parametrize(("mode", "auto_filter"), [("grey", "/FlateDecode"), ("colour", "/DCTDecode")])
def test_auto_uses_the_cleaned_derivative_for_grey_pages(
    ctx: AppContext, tmp_path: Path, mode: str, auto_filter: str
) -> None:
    import io

    from PIL import Image

    s = seed(ctx, n_pages=1, link=False)
    master = Image.open(io.BytesIO(s.synthetic[0].image))
    cleaned = master.convert("L").point(lambda v: 255 if v > 200 else v)  # whitened paper
    buf = io.BytesIO()
    (cleaned if mode == "grey" else cleaned.convert("RGB")).save(buf, "PNG", compress_level=6)
    deriv = ctx.blobs.put(buf.getvalue())
    meta = dict(s.pages[0].process_meta)
    meta["derivative"] = {"format": "png", "mode": mode, "bits": 8, "dpi": 150.0}
    ctx.pages.update(s.pages[0].id, derivative_sha256=deriv, process_meta=meta)
    svc, _ = _service(ctx)
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path / "a.pdf"))
    with pikepdf.open(res.path) as pdf:
        im = pdf.pages[0].Resources.XObject["/Im0"]
        assert auto_filter in str(im.Filter)
        if mode == "grey":  # the derivative's own pixels, not re-encoded
            assert str(im.ColorSpace) == "/DeviceGray"
            decoded = pikepdf.PdfImage(im).as_pil_image()
            assert decoded.size == cleaned.size
            assert decoded.tobytes() == cleaned.tobytes()
    assert "常住人口登记表" in pdftotext(res.path)
    kept = svc.export(
        ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path / "m.pdf", image="master")
    )
    with pikepdf.open(kept.path) as pdf:
        assert "/DCTDecode" in str(pdf.pages[0].Resources.XObject["/Im0"].Filter)


def test_safe_filename() -> None:
    assert safe_filename("A01/2026:001") == "A01_2026_001.pdf"
    assert safe_filename("..") == "export.pdf"


def test_app_context_wires_the_service(ctx: AppContext) -> None:
    assert isinstance(ctx.export, ExportService)
    assert ctx.export.supports_query


@pytest.mark.usefixtures("cli_login")
def test_cli_export(ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = seed(ctx, n_pages=2)
    out = tmp_path / "cli.pdf"
    rc = main(
        ["export", "--batch", s.batch.id, "-o", str(out), "--purpose", "户籍证明", "--watermark", "--json"]
    )
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "done" and lines[-1]["pages"] == 2
    assert [x["done"] for x in lines if x["event"] == "progress"] == [1, 2]
    assert out.exists()
    rc = main(["export", "--batch", s.batch.id, "-o", str(tmp_path / "x.pdf")])
    assert rc == ExportError.exit_code  # purpose missing
    assert "用途" in capsys.readouterr().err
    rc = main(["export", "--pages", s.pages[1].id, "-o", str(tmp_path), "--purpose", "p", "--password", "pw"])
    assert rc == 0
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(tmp_path / "A0101-2026-001.pdf")


def test_query_source_uses_the_search_service(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=3, link=False)
    ctx.search.index_pages([p.id for p in s.pages])
    res = ctx.export.export(
        ExportRequest(ExportSource.query("东四十条"), purpose="核查", output=tmp_path / "q.pdf")
    )
    assert res.pages == 3
    with pikepdf.open(res.path) as pdf:
        assert str(pdf.docinfo["/Title"]) == "检索结果：东四十条"


def test_page_size_comes_from_the_master_density_not_the_camera_dpi(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=1, link=False)
    sp = s.synthetic[0]
    assert s.pages[0].dpi != sp.dpi  # effective camera dpi differs from the master's
    svc, _ = _service(ctx)
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path / "s.pdf"))
    with pikepdf.open(res.path) as pdf:
        box = [float(v) for v in pdf.pages[0].MediaBox]
    assert box[2] == pytest.approx(sp.width / sp.dpi * 72, abs=0.01)  # A4 width, 595 pt
    assert box[3] == pytest.approx(sp.height / sp.dpi * 72, abs=0.01)
    # a page that was never processed: the original frame at its file's own dpi
    ctx.pages.update(s.pages[0].id, processed_sha256=None, process_meta={})
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="x", output=tmp_path / "o.pdf"))
    with pikepdf.open(res.path) as pdf:
        assert float(pdf.pages[0].MediaBox[2]) == pytest.approx(sp.width / sp.dpi * 72, abs=0.01)


def test_batch_by_archive_number_and_person_by_id_number(ctx: AppContext, tmp_path: Path) -> None:
    """Issue 15 item 8: people know the 档号 and the citizen ID number, not internal ids."""
    s = seed(ctx, n_pages=3)
    svc, _ = _service(ctx)
    by_archive = svc.plan(ExportSource.batch(s.batch.archive_id))
    assert by_archive.page_count == 3 and by_archive.archive_ids == (s.batch.archive_id,)
    assert svc.plan(ExportSource.batch(s.batch.id)).page_count == 3  # the internal id still works
    son = dataclasses.replace(s.persons[1], id_number="11010119900307851X")
    ctx.persons.upsert_many([son])
    assert [p.seq for p in svc.plan(ExportSource.person("11010119900307851x")).pages] == [1, 2, 3]
    with pytest.raises(NotFoundError) as err:
        svc.plan(ExportSource.batch("A0101-2099-999"))
    assert "A0101-2099-999" in err.value.zh and "档号" in err.value.zh


@pytest.mark.usefixtures("cli_login")
def test_cli_export_batch_by_archive_number(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = seed(ctx, n_pages=2)
    out = tmp_path / "by-archive.pdf"
    rc = main(["export", "--batch", s.batch.archive_id, "-o", str(out), "--purpose", "户籍证明", "--json"])
    assert rc == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["pages"] == 2
    assert out.exists()
    rc = main(["export", "--batch", "没有这个档号", "-o", str(tmp_path / "n.pdf"), "--purpose", "p"])
    assert rc != 0 and "没有这个档号" in capsys.readouterr().err


def test_labels_and_bookmarks_use_the_page_number_people_read(ctx: AppContext, tmp_path: Path) -> None:
    """Issue 15 item 4: after a delete, 「（第N页）」 and the page labels must match the PDF pages."""
    from hukou_scan.domain import PageState

    s = seed(ctx, n_pages=4)
    ctx.pages.update(s.pages[0].id, state=PageState.DELETED, state_reason="deleted_from:linked")
    svc, _ = _service(ctx)
    res = svc.export(ExportRequest(ExportSource.batch(s.batch.id), purpose="核对", output=tmp_path))
    assert res.pages == 3
    reader = pypdf.PdfReader(res.path)
    assert reader.page_labels == [f"A0101-2026-001-{i:04d}" for i in range(1, 4)]  # no gap where seq 1 was
    titles = _outline_titles(res.path)
    assert titles[-1] == ("未关联人员的页面", ["A0101-2026-001 出生（第3页）"])
    leaf = reader.outline[-1][0]  # pypdf: a node's children follow it as a list
    assert reader.get_destination_page_number(leaf) == 2  # 「第3页」 opens PDF page 3


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([12, 14], "12、14"),  # was 「第12–14页，共2页」: page 13 is someone else's
        ([1, 2, 3], "1–3"),
        ([5, 1, 2, 3, 8, 9], "1–3、5、8–9"),
        ([1, 3, 5, 7, 9, 11], "1、3、5、7…"),
    ],
)
def test_bookmark_page_runs_name_only_the_persons_pages(numbers: list[int], text: str) -> None:
    from hukou_scan.services.export import page_runs

    assert page_runs(numbers) == text
