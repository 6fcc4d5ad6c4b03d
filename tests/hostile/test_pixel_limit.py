"""Issue 16 item 2: one pixel limit wherever an image is decoded; refuse, name the file, go on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from hukou_scan.app import AppContext
from hukou_scan.cli import main
from hukou_scan.domain import BatchCategory
from hukou_scan.errors import ExportError, HukouScanError, ImageProcessingError
from hukou_scan.imaging.limits import MAX_IMAGE_PIXELS, ImageTooLargeError, check_pixels
from hukou_scan.services.capture import BatchDraft
from tests.hostile.bombs import pdf_big_image, pdf_big_page, png_bomb, small_jpeg

ROOT = Path(__file__).resolve().parents[2]


def test_limit_is_above_real_inputs_and_pillow_agrees() -> None:
    check_pixels(8660, 5773, "50MP camera frame")  # 50 MP
    check_pixels(7016, 9921, "A3 at 600 dpi")  # 70 MP
    check_pixels(9921, 14032, "A2 at 600 dpi")  # 139 MP
    with pytest.raises(ImageTooLargeError):
        check_pixels(30000, 30000, "bomb")
    assert Image.MAX_IMAGE_PIXELS == MAX_IMAGE_PIXELS


def test_capture_import_refuses_the_bomb_and_imports_the_next_file(
    ctx: AppContext, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = ctx.capture.new_batch(BatchDraft("PX-1", BatchCategory.BIRTH))
    a, bomb, b = (
        small_jpeg(tmp_path / "a.jpg", 1),
        png_bomb(tmp_path / "bomb.png"),
        small_jpeg(tmp_path / "b.jpg", 2),
    )
    rc = main(["capture", "import", "--batch", batch.id, str(a), str(bomb), str(b)])
    out = capsys.readouterr()
    assert rc != 0
    assert "bomb.png" in out.err and "150" in out.err and "Traceback" not in out.err
    assert "a.jpg" in out.out and "b.jpg" in out.out
    assert len(ctx.capture.list_pages(batch.id)) == 2


@pytest.mark.parametrize("maker", [pdf_big_page, pdf_big_image], ids=["5000pt-page", "169MP-image"])
def test_pdf_pages_above_the_limit_are_refused_before_rendering(
    ctx: AppContext, tmp_path: Path, maker: Callable[[Path], Path]
) -> None:
    batch = ctx.capture.new_batch(BatchDraft("PX-PDF", BatchCategory.BIRTH))
    pdf = maker(tmp_path / "huge.pdf")
    with pytest.raises(HukouScanError) as ei:
        ctx.capture.import_file(batch.id, pdf)
    assert "huge.pdf" in ei.value.zh and "第 1 页" in ei.value.zh and "page 1" in ei.value.en
    assert ctx.capture.list_pages(batch.id) == []


def test_process_refuses_the_bomb_without_decoding_it(tmp_path: Path) -> None:
    """Before: 5.4 GB peak and exit 0.  The child reports its own peak RSS."""
    bomb = png_bomb(tmp_path / "bomb.png")
    ok = small_jpeg(tmp_path / "ok.jpg", 3)
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"  # protect the machine
        "from hukou_scan.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        # VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across vfork+exec
        # into ru_maxrss, so a 1 GB pytest parent made a 140 MB child report 1 GB
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print('MAXRSS_KB', hwm, file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code, "process", str(bomb), str(ok)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == ImageProcessingError.exit_code, proc.stderr
    assert "bomb.png" in proc.stderr and "150" in proc.stderr and "Traceback" not in proc.stderr
    assert "ok.jpg" in proc.stdout
    peak_kb = int(proc.stderr.split("MAXRSS_KB")[1].split()[0])
    assert peak_kb < 1_000_000, f"peak {peak_kb / 1024:.0f} MB"


def test_ocr_refuses_the_bomb_and_reads_the_next_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = png_bomb(tmp_path / "bomb.png")
    ok = small_jpeg(tmp_path / "ok.jpg", 4)
    rc = main(["ocr", "--engine", "tesseract", "--json", str(bomb), str(ok)])
    out = capsys.readouterr()
    assert rc == ImageProcessingError.exit_code
    assert '"file": "' + str(ok) in out.out.replace("\\\\", "\\")
    assert "bomb.png" in out.out and "150" in out.out


def _decoders() -> list[tuple[str, Callable[[bytes], object]]]:
    from hukou_scan.capture import encode
    from hukou_scan.export.handover import _master_bytes
    from hukou_scan.export.images import prepare_image
    from hukou_scan.export.ofd import _page_image
    from hukou_scan.imaging.colour import detect_red_marks_encoded
    from hukou_scan.imaging.io import decode_image

    return [
        ("imaging.io.decode_image", lambda d: decode_image(d, name="bomb.png")),
        ("capture.encode.decode_image", encode.decode_image),
        ("capture.encode.thumbnail_jpeg", encode.thumbnail_jpeg),
        ("export.images.prepare_image", prepare_image),
        ("export.ofd._page_image", lambda d: _page_image(d, 85)),
        ("export.handover._master_bytes", lambda d: _master_bytes(d, "tiff")),
        ("imaging.colour.detect_red_marks_encoded", detect_red_marks_encoded),
    ]


@pytest.mark.parametrize("name", [n for n, _ in _decoders()])
def test_every_decoder_refuses_from_the_header(name: str, tmp_path: Path) -> None:
    fn = dict(_decoders())[name]
    data = png_bomb(tmp_path / "bomb.png").read_bytes()
    with pytest.raises((ImageProcessingError, ExportError)) as ei:
        fn(data)
    assert "150" in ei.value.en


def test_ocr_worker_loader_refuses(tmp_path: Path) -> None:
    from hukou_scan.ocr.worker import image_size, load_image

    bomb = png_bomb(tmp_path / "bomb.png")
    for fn in (load_image, image_size):
        with pytest.raises(ImageTooLargeError):
            fn(bomb)


def test_multi_frame_tiff_checks_every_frame(ctx: AppContext, tmp_path: Path) -> None:
    """Frame 1 small, frame 2 a bomb: the header of each frame is checked, not only the first."""
    from hukou_scan.ingest.fileimport import FileTooLargeError, load_pages

    small = Image.new("1", (50, 50))
    big = Image.new("1", (13000, 13000))  # 169 MP at one bit per pixel: 21 MB in memory
    path = tmp_path / "two.tif"
    small.save(path, save_all=True, append_images=[big], compression="group4")
    with pytest.raises(FileTooLargeError) as ei:
        load_pages(path)
    assert "two.tif" in ei.value.zh and "第 2 帧" in ei.value.zh
