"""Hand-over packages (issue 18): content, XSD validity, ``--verify`` and its failures, roles, audit."""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook
from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import PageState, Role, User
from hukou_scan.errors import ExportError, PermissionDenied
from hukou_scan.export.handover import (
    CATALOGUE_NS,
    PROCESS_NS,
    FolderSink,
    HandoverCancelled,
    HandoverProfile,
    schema_text,
    verify_package,
)
from hukou_scan.services.guard import OpenGuard
from hukou_scan.services.handover import HandoverRequest, HandoverSelection, HandoverService
from tests.export_pages import seed


class ClerkGuard(OpenGuard):
    @property
    def user(self) -> User | None:
        return User("u1", "clerk1", "采集员甲", frozenset({Role.CLERK}))

    def require(self, *roles: Role, station_id: str | None = None) -> User | None:
        if Role.CLERK in roles:
            return self.user
        raise PermissionDenied("无权移交。", "Not allowed to hand over.")


def _service(ctx: AppContext, guard: Any | None = None, **settings: Any) -> tuple[HandoverService, OpenGuard]:
    g = guard or OpenGuard(username="核查员丙")
    s = ctx.settings
    if settings:
        s = s.with_changes(extra={**s.extra, "handover": settings})
    svc = HandoverService(
        settings=s,
        blobs=ctx.blobs,
        pages=ctx.pages,
        batches=ctx.batches,
        persons=ctx.persons,
        links=ctx.links,
        stations=ctx.stations,
        station=ctx.station,
        guard=g,
    )
    return svc, g


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(schema_text(name)))


def test_package_layout_content_and_schemas(ctx: AppContext, tmp_path: Path) -> None:
    s = seed(ctx, n_pages=4)
    # delete page 2: the visible numbering closes the gap (files -0001..-0003, not seq 1,3,4)
    ctx.pages.update(s.pages[1].id, state=PageState.DELETED.value)
    svc, guard = _service(ctx)
    res = svc.handover(HandoverRequest(HandoverSelection(archive_ids=("A0101-*",)), output=tmp_path))
    root = Path(res.location)
    assert res.pages == 3 and res.volumes == 1
    folder = root / "A0101" / "2026" / "A0101-2026-001"  # 全宗/目录/档号
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"A0101-2026-001-{i:04d}.{e}" for i in (1, 2, 3) for e in ("jpg", "xml")]
    # masters byte for byte (the colour master, not a derivative), in page order
    kept = [s.pages[0], s.pages[2], s.pages[3]]
    for i, p in enumerate(kept, 1):
        assert (folder / f"A0101-2026-001-{i:04d}.jpg").read_bytes() == ctx.blobs.get(
            p.processed_sha256 or ""
        )
    cat_schema, proc_schema = _schema("catalogue.xsd"), _schema("process.xsd")
    cat = etree.parse(str(root / "catalogue.xml"))
    cat_schema.assertValid(cat)
    ns = {"c": CATALOGUE_NS}
    assert cat.findtext("c:volume/c:archiveId", namespaces=ns) == "A0101-2026-001"
    assert cat.findtext("c:volume/c:pageCount", namespaces=ns) == "3"
    assert cat.findtext("c:volume/c:retention", namespaces=ns) == "永久"
    assert [e.text for e in cat.findall("c:volume/c:page/c:pageNo", ns)] == ["1", "2", "3"]
    title = cat.findtext("c:volume/c:title", namespaces=ns) or ""
    assert title.startswith("出生") and "王大力" in title
    first_persons = [e.text for e in cat.findall("c:volume/c:page[1]/c:persons/c:person/c:name", ns)]
    assert first_persons == ["王大力", "王小明"]
    for xml in folder.glob("*.xml"):
        doc = etree.parse(str(xml))
        proc_schema.assertValid(doc)
        assert doc.findtext("p:image/p:colourMode", namespaces={"p": PROCESS_NS}) == "colour"
    # an invalid document is rejected by the schema (the test can fail)
    bad = etree.parse(str(root / "catalogue.xml"))
    bad.find("c:volume/c:page/c:sha256", ns).text = "xyz"  # type: ignore[union-attr]
    assert not cat_schema.validate(bad)
    # XLSX catalogue: one 卷 row + one row per page
    ws = load_workbook(root / "catalogue.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("层次", "档号", "全宗号")
    assert [r[0] for r in rows[1:]] == ["卷", "页", "页", "页"]
    assert [r[5] for r in rows[2:]] == [1, 2, 3]
    reg = load_workbook(root / "transfer-register.xlsx").active
    values = {r[0]: r[1] for r in reg.iter_rows(min_row=3, values_only=True) if r[0]}
    assert values["页数"] == "3" and values["案卷数"] == "1" and "移交人（签字）" in values
    pdf_text = subprocess.run(
        ["pdfinfo", str(root / "transfer-register.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "Pages:           1" in pdf_text
    # manifest covers every other file, with correct hashes
    manifest = (root / "manifest-sha256.txt").read_text("utf-8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in manifest}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest-sha256.txt"}
    for rel, h in listed.items():
        assert hashlib.sha256((root / rel).read_bytes()).hexdigest() == h
    assert verify_package(root).ok
    # audited, with the manifest's hash
    action, _target, outcome, details = guard.events[-1]
    assert (action, outcome) == ("handover", "ok")
    assert details["pages"] == 3 and details["manifest_sha256"] == res.manifest_sha256
    assert oct((folder / "A0101-2026-001-0001.jpg").stat().st_mode & 0o777) == "0o600"


def test_verify_fails_on_flipped_byte_deleted_and_added_file(ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx, n_pages=2)
    svc, _ = _service(ctx)
    root = Path(svc.handover(HandoverRequest(HandoverSelection(), output=tmp_path)).location)
    assert main(["handover", "--verify", str(root)]) == 0
    img = next(root.rglob("*-0001.jpg"))
    original = img.read_bytes()

    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    img.write_bytes(bytes(flipped))
    rep = verify_package(root)
    assert rep.changed == [img.relative_to(root).as_posix()] and not rep.missing and not rep.extra
    assert main(["handover", "--verify", str(root)]) == 1
    img.write_bytes(original)

    xml = next(root.rglob("*-0002.xml"))
    data = xml.read_bytes()
    xml.unlink()
    rep = verify_package(root)
    assert rep.missing == [xml.relative_to(root).as_posix()]
    assert main(["handover", "--verify", str(root)]) == 1
    xml.write_bytes(data)

    (root / "A0101" / "notes.txt").write_text("extra")
    rep = verify_package(root)
    assert rep.extra == ["A0101/notes.txt"]
    assert main(["handover", "--verify", str(root), "--json"]) == 1
    (root / "A0101" / "notes.txt").unlink()
    assert main(["handover", "--verify", str(root)]) == 0


def test_verify_of_a_folder_without_manifest_is_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    assert main(["handover", "--verify", str(tmp_path)]) != 0
    assert "manifest" in capsys.readouterr().err


def test_sm3_manifest_tiff_masters_and_profile_levels(ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx, n_pages=1, archive_id="0101·户籍·0007")
    svc, _ = _service(
        ctx,
        archive_pattern=r"^(?P<fonds>\d+)·(?P<catalogue>[^·]+)·(?P<volume>\d+)$",
        levels=["fonds"],
        page_name="{archive_id}_{page:03d}",
        security_class="秘密",
    )
    res = svc.handover(HandoverRequest(HandoverSelection(), output=tmp_path, image_format="tiff", sm3=True))
    root = Path(res.location)
    tif = root / "0101" / "0101·户籍·0007" / "0101·户籍·0007_001.tif"
    with Image.open(tif) as im:
        assert im.format == "TIFF" and im.mode == "RGB"
    sm3 = (root / "manifest-sm3.txt").read_text("utf-8")
    from gmssl import func
    from gmssl import sm3 as gm

    expected = gm.sm3_hash(func.bytes_to_list(tif.read_bytes()))
    assert f"{expected}  {tif.relative_to(root).as_posix()}" in sm3
    cat = etree.parse(str(root / "catalogue.xml"))
    assert cat.findtext("c:volume/c:securityClass", namespaces={"c": CATALOGUE_NS}) == "秘密"
    rep = verify_package(root)
    assert rep.ok and rep.algorithms == ("sha256", "sm3")
    # SM3 alone catches a change too: tamper and fix the SHA-256 line only
    tif.write_bytes(tif.read_bytes() + b"\0")
    rel = tif.relative_to(root).as_posix()
    lines = (root / "manifest-sha256.txt").read_text("utf-8").splitlines()
    new = hashlib.sha256(tif.read_bytes()).hexdigest()
    fixed = [f"{new}  {rel}" if line.endswith(rel) else line for line in lines]
    (root / "manifest-sha256.txt").write_text("\n".join(fixed) + "\n", "utf-8")
    assert verify_package(root).changed == [rel]


def test_bad_profile_is_a_clear_error(ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx, n_pages=1)
    svc, _ = _service(ctx, levels=["box"])
    with pytest.raises(ExportError) as e:
        svc.handover(HandoverRequest(HandoverSelection(), output=tmp_path))
    assert "box" in e.value.en


def test_only_reviewers_and_admins_hand_over_and_cancel_leaves_nothing(
    ctx: AppContext, tmp_path: Path
) -> None:
    seed(ctx, n_pages=3)
    svc, _ = _service(ctx, guard=ClerkGuard())
    with pytest.raises(PermissionDenied):
        svc.handover(HandoverRequest(HandoverSelection(), output=tmp_path))
    svc, guard = _service(ctx)
    cancel = threading.Event()

    def progress(done: int, total: int, label: str) -> None:
        if done == 2:
            cancel.set()

    out = tmp_path / "out"
    with pytest.raises(HandoverCancelled):
        svc.handover(HandoverRequest(HandoverSelection(), output=out), progress=progress, cancel=cancel)
    assert list(out.iterdir()) == []
    assert guard.events[-1][2] == "cancelled"
    with pytest.raises(ExportError):
        svc.handover(HandoverRequest(HandoverSelection(archive_ids=("NOPE",)), output=tmp_path))


def test_folder_sink_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(ExportError):
        FolderSink(tmp_path)
    assert (tmp_path / "x").read_text() == "keep me"


def test_unknown_file_kind_in_profile_is_refused() -> None:
    with pytest.raises(ExportError) as e:
        HandoverProfile.from_section({"files": ["images", "catalog_xml"]})
    assert "catalog_xml" in e.value.en


def test_default_profile_is_dat31() -> None:
    p = HandoverProfile.from_section({})
    assert p.name == "DA/T 31-2017" and p.checksums == ("sha256",) and p.image_format == "jpg"
    assert p.folder_of("A0101-2026-001") == "A0101/2026/A0101-2026-001"
    assert p.folder_of("DEMO-20261204-101500") == "DEMO/20261204/DEMO-20261204-101500"
    assert p.folder_of("无分隔") == "无分隔"


def test_handover_to_the_sync_target(ctx: AppContext, tmp_path: Path) -> None:
    """The package straight to the sync target (a file:// store here; S3 goes through the same put)."""
    from hukou_scan.sync.store import open_store

    seed(ctx, n_pages=2)
    target = tmp_path / "nas"
    svc, _ = _service(ctx)
    svc.store_factory = lambda: open_store(f"file://{target}")
    res = svc.handover(HandoverRequest(HandoverSelection(), to_sync_target=True))
    assert res.location.startswith(f"file://{target}/handover/")
    pkg = next((target / "handover").iterdir())
    assert verify_package(pkg).ok and verify_package(pkg).checked == res.files


@pytest.mark.slow
@pytest.mark.usefixtures("cli_login")  # handover needs a reviewer's login (cli/_auth.py)
def test_handover_of_demo_batches_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    data = os.environ["HUKOU_DATA_DIR"]  # the logged-in station (demo then runs with the login too)
    assert main(["--data-dir", data, "demo", "--pages", "2", "--json"]) == 0
    capsys.readouterr()
    assert (
        main(
            ["--data-dir", data, "handover", "--archive-id", "DEMO-*", "-o", str(tmp_path / "out"), "--json"]
        )
        == 0
    )
    done = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert done["pages"] == 2 and done["volumes"] == 1
    assert main(["handover", "--verify", done["location"]]) == 0
    root = Path(done["location"])
    _schema("catalogue.xsd").assertValid(etree.parse(str(root / "catalogue.xml")))
    for xml in root.rglob("*-000?.xml"):
        _schema("process.xsd").assertValid(etree.parse(str(xml)))


@pytest.mark.s3
def test_handover_to_an_s3_target_verifies_after_download(ctx: AppContext, tmp_path: Path) -> None:
    """Straight to S3 through the real protocol (moto on loopback): every file lands under
    handover/<package>/ and the downloaded package verifies from its manifest alone."""
    from hukou_scan.sync.store import open_store
    from tests.s3_server import MotoS3

    server = MotoS3().start()
    try:
        server.create_bucket("handover-s3")
        seed(ctx, n_pages=2)
        svc, _ = _service(ctx)
        svc.store_factory = lambda: open_store("s3://handover-s3/city-a", server.options())
        res = svc.handover(HandoverRequest(HandoverSelection(), to_sync_target=True))
        assert res.location.startswith("s3://handover-s3/city-a/handover/")
        prefix = res.location.removeprefix("s3://handover-s3/").rstrip("/") + "/"
        client = server.client()
        keys = [
            o["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket="handover-s3", Prefix=prefix)
            for o in page.get("Contents", [])
        ]
        assert len(keys) == res.files + len(res.checksums)  # plus one manifest per algorithm
        local = tmp_path / "downloaded"
        for key in keys:
            dest = local / key.removeprefix(prefix)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(client.get_object(Bucket="handover-s3", Key=key)["Body"].read())
        report = verify_package(local)
        assert report.ok and report.checked == res.files
    finally:
        server.stop()
