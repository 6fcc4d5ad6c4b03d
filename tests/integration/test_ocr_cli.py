"""``hukou-scan ocr``: plain text, JSON lines with words and fields, bad files, camera frames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from hukou_scan.capture.simulated.forms import render_blank_back, render_registration_form
from hukou_scan.capture.simulated.scene import compose_frame
from hukou_scan.cli import main
from hukou_scan.domain.sample import generate_households


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str], str]:
    d = tmp_path_factory.mktemp("ocr_cli")
    h = generate_households(3, seed=31)[1]
    page = render_registration_form(h.members[0], h.head.name, seed=2, fade=0.15)
    form = d / "form.png"
    Image.fromarray(page.image).save(form)
    blank = d / "blank.jpg"
    Image.fromarray(render_blank_back(page, seed=3).image).save(blank, quality=90)
    return form, blank, page.fields, page.text


def test_json_lines_share_one_engine(pages, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    form, blank, fields, _text = pages
    assert main(["ocr", "--json", "--engine", "rapidocr", str(form), str(blank)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(x) for x in lines)
    assert first["file"] == str(form) and first["engine"] == "rapidocr"
    got = {f["name"]: f for f in first["fields"]}
    assert got["id_number"]["value"] == fields["id_number"]
    assert got["id_number"]["valid"] is True and len(got["id_number"]["box"]) == 4
    assert {"value", "box", "confidence", "valid", "reasons", "needs_review"} <= set(got["name"])
    assert all(len(w["box"]) == 4 and 0 < w["conf"] <= 1 for w in first["words"])
    assert second["text"] == "" and second["fields"] == []


def test_plain_text_in_reading_order(pages, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    form, _blank, fields, text = pages
    assert main(["ocr", str(form)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == text.splitlines()[0]  # the title comes first
    assert fields["id_number"] in out or fields["id_number"][:6] in out


def test_bad_file_reports_and_exits_non_zero(
    pages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    form, *_ = pages
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    rc = main(["ocr", "--json", str(bad), str(form)])
    assert rc != 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert "error" in lines[0] and lines[1]["fields"]


def test_unknown_engine_is_a_user_error(pages, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    form, *_ = pages
    assert main(["ocr", "--engine", "nope", str(form)]) == 2
    assert "nope" in capsys.readouterr().err


def test_frame_runs_the_image_pipeline_first(
    pages, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("hukou_scan.imaging.pipeline")
    form, _blank, fields, _text = pages
    frame = compose_frame(
        __import__("numpy").asarray(Image.open(form).convert("RGB")),
        seed=5,
        size=(2448, 3264),
        max_rotation=4,
    )
    path = tmp_path / "frame.jpg"
    Image.fromarray(frame.image[:, :, ::-1]).save(path, quality=92)
    assert main(["ocr", "--frame", "--json", str(path)]) == 0
    objs = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert len(objs) == 1 and objs[0]["part"] == 0
    got = {f["name"]: f["value"] for f in objs[0]["fields"]}
    assert got.get("id_number") == fields["id_number"]


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_frame_without_a_page_is_an_error_not_empty_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    """An empty desk under ``--frame``: an error naming the reason and a non-zero exit."""
    pytest.importorskip("hukou_scan.imaging.pipeline")
    from hukou_scan.capture.simulated.scene import empty_desk
    from hukou_scan.errors import ImageProcessingError

    monkeypatch.setenv("HUKOU_LANG", "en")
    path = tmp_path / "desk.png"
    Image.fromarray(empty_desk("dark_wood", seed=3, size=(1632, 1224)).image[:, :, ::-1]).save(path)
    rc = main(["ocr", "--frame", *(["--json"] if as_json else []), str(path)])
    out, err = capsys.readouterr()
    assert rc == ImageProcessingError.exit_code != 0
    if as_json:
        objs = [json.loads(x) for x in out.strip().splitlines()]
        assert len(objs) == 1 and objs[0]["file"] == str(path)
        assert "No page found" in objs[0]["error"] and "fields" not in objs[0]
    else:
        assert out.strip() == ""
        assert "No page found" in err and str(path) in err
