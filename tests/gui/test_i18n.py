"""Every visible string is in both catalogues, translated, and the catalogues are current."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "resources" / "i18n"
sys.path.insert(0, str(ROOT / "packaging"))

from update_translations import sources  # noqa: E402


def messages(ts: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    out: dict[tuple[str, str], tuple[str, str | None]] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name", "")
        for msg in context.iter("message"):
            tr = msg.find("translation")
            text = (tr.text or "") if tr is not None else ""
            forms = [f.text or "" for f in tr.iter("numerusform")] if tr is not None else []
            if forms:  # %n messages: every plural form must be filled
                text = forms[0] if all(f.strip() for f in forms) else ""
            out[(name, msg.findtext("source", ""))] = (
                text,
                tr.get("type") if tr is not None else "unfinished",
            )
    return out


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_catalogue_complete(lang: str) -> None:
    msgs = messages(I18N / f"hukou_scan_{lang}.ts")
    assert msgs, "empty catalogue"
    missing = [
        src
        for (_ctx, src), (text, kind) in msgs.items()
        if kind in ("unfinished", "vanished") or not text.strip()
    ]
    assert not missing, f"{len(missing)} untranslated in {lang}: {missing[:15]}"


def test_chinese_catalogue_is_chinese() -> None:
    msgs = messages(I18N / "hukou_scan_zh_CN.ts")
    latin_only = [
        src
        for (_ctx, src), (text, _k) in msgs.items()
        if not any("\u4e00" <= ch <= "\u9fff" for ch in text)
        and any(c.isalpha() for c in src)
        and len(src) > 4
    ]
    # product and format names may stay Latin (RapidOCR, Tesseract, JPEG …), but only a few
    assert len(latin_only) <= max(8, len(msgs) // 40), latin_only


def test_catalogues_are_current(tmp_path: Path) -> None:
    """Running lupdate over the sources finds no string the committed catalogue lacks."""
    tool = Path(sys.executable).with_name("pyside6-lupdate")
    fresh = tmp_path / "fresh.ts"
    shutil.copy(I18N / "hukou_scan_zh_CN.ts", fresh)
    subprocess.run(
        [str(tool), *[str(s) for s in sources()], "-no-obsolete", "-locations", "none", "-ts", str(fresh)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    now = set(messages(fresh))
    committed = set(messages(I18N / "hukou_scan_zh_CN.ts"))
    new = sorted(now - committed)
    assert not new, f"run `python packaging/update_translations.py` and translate: {new[:15]}"
