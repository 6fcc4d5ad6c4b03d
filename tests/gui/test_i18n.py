"""Every visible string is in both catalogues, translated, and the catalogues are current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hukou_scan.app import AppContext

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


# --- no English in the Chinese UI where the text comes from data or from Qt (issue 15) ---------

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
ALLOWED_LATIN = {
    "PDF",
    "OCR",
    "JPEG",
    "TIFF",
    "RapidOCR",
    "Tesseract",
    "Ctrl",
    "Shift",
    "Esc",
    "Del",
    "PgDown",
}


def latin_words(text: str) -> list[str]:
    """Latin words in ``text`` other than product/format names and key names."""
    return [w for w in LATIN_WORD.findall(text.replace("&", "")) if w not in ALLOWED_LATIN]


def test_localized_picks_one_half_of_a_bilingual_text() -> None:
    from hukou_scan.errors import localized

    text = "未找到页面，请重新拍摄。 / No page found in the frame; capture again."
    assert localized(text, "zh_CN") == "未找到页面，请重新拍摄。"
    assert localized(text, "en") == "No page found in the frame; capture again."
    assert localized("QA: 模糊", "en") == "QA: 模糊"  # not a pair: unchanged
    assert localized("A / B", "zh_CN") == "A / B"


def test_qt_file_dialog_is_chinese(qtbot: QtBot) -> None:
    """Qt's own dialogs use the qtbase catalogue plus the strings it lacks (Look in, Files of type)."""
    from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel, QWidget

    from hukou_scan.gui.app import create_application

    create_application("zh_CN")
    dialog = QFileDialog(None, "保存")
    qtbot.addWidget(dialog)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.show()
    texts = [w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton) if w.text()]
    texts += [w.toolTip() for w in dialog.findChildren(QWidget) if w.toolTip()]
    assert texts and not [t for t in texts if latin_words(t)], texts
    assert "查找范围(&L)：" in texts and "文件类型(&T)：" in texts
    from PySide6.QtGui import QKeySequence

    # the gap translator answers only for its own strings; Qt's others still come through
    assert QKeySequence("Ctrl+E").toString(QKeySequence.SequenceFormat.NativeText) == "Ctrl+E"
    assert QKeySequence("Space").toString(QKeySequence.SequenceFormat.NativeText) == "空格"


def test_qa_checks_fields_and_totals_are_chinese(qtbot: QtBot, ctx: AppContext) -> None:
    """Quality messages, QA details, OCR field names, link methods and the statistics total in
    Chinese only (they came as 「✖ 未找到页面… / No page found…」, ``name:`` and 「合计 / total」)."""
    from hukou_scan.domain import BatchStatus, ExtractedField, OcrResult, PageState
    from hukou_scan.gui.app import create_application
    from hukou_scan.gui.dashboard_view import DashboardView
    from hukou_scan.gui.qa_view import QaView
    from hukou_scan.gui.tasks import TaskRunner
    from tests.unit.test_security_qa import make_batch

    create_application("zh_CN")
    sec = ctx.security
    sec.begin_interactive()
    sec.create_first_admin("admin", "管理员", "Admin-Pass-2026!")
    sec.login("admin", "Admin-Pass-2026!")
    b = make_batch(ctx, 6, expected=6)
    pages = ctx.pages.list_batch(b.id)
    ctx.pages.update(
        pages[1].id,
        state=PageState.FAILED,
        state_reason="未找到页面，请重新拍摄。 / No page found in the frame; capture again.",
    )
    glare = {"flag": True, "value": 0.2, "message_zh": "有反光亮斑", "message_en": "Glare spots"}
    ctx.pages.update(pages[2].id, quality={"glare": glare})
    ctx.pages.update(pages[3].id, original_sha256=pages[4].original_sha256)  # a duplicate
    fields = [ExtractedField("name", "王小明"), ExtractedField("sex", "男")]
    for p in pages:
        ctx.pages.save_ocr(
            p.id, OcrResult(text="t", words=[], engine="fake", width=1, height=1, fields=fields)
        )
    ctx.batches.set_status(b.id, BatchStatus.CLOSED)
    runner = TaskRunner()
    view = QaView(ctx.qa, runner, image_loader=lambda _pid: b"")
    qtbot.addWidget(view)
    view.batch_list.setCurrentRow(0)
    view.checks_button.click()
    qtbot.waitUntil(lambda: "未找到页面" in view.checks_text.toPlainText(), timeout=5000)
    checks = view.checks_text.toPlainText()
    assert "反光" in checks and "相同" in checks, checks
    assert not latin_words(checks), checks
    view.override_box.setChecked(True)
    with qtbot.waitSignal(view.sample_drawn, timeout=5000):
        view.sample_button.click()
    qtbot.waitUntil(lambda: "姓名" in view.info_text.toPlainText(), timeout=5000)
    info = view.info_text.toPlainText()
    assert "姓名：王小明" in info and "性别：男" in info and "name:" not in info
    assert not latin_words(info), info
    dashboard = DashboardView(ctx.dashboard, runner)
    qtbot.addWidget(dashboard)
    with qtbot.waitSignal(dashboard.report_loaded, timeout=5000):
        dashboard.refresh()
    last = dashboard.stats_table.rowCount() - 1
    assert dashboard.stats_table.item(last, 0).text() == "合计"
    runner.wait_all()


def test_no_python_translator_is_installed(qtbot: QtBot) -> None:
    """Qt asks every translator from any thread (each QImage decode in a worker does) while it
    holds its translate lock; a translator written in Python needs the GIL there and deadlocked
    the capture screen against a UI thread calling tr() (issue 15 soak)."""
    from PySide6.QtCore import QTranslator

    from hukou_scan.gui import i18n
    from hukou_scan.gui.app import create_application

    create_application("zh_CN")
    assert i18n._installed
    assert all(type(t) is QTranslator for t in i18n._installed)


DECODE_WHILE_TRANSLATING = """
import os, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage
from hukou_scan.gui.app import create_application
from hukou_scan.gui.i18n import tr

app = create_application("zh_CN")
img = QImage(64, 64, QImage.Format.Format_RGB32)
img.fill(0)
data = QByteArray()
buf = QBuffer(data)
buf.open(QIODevice.OpenModeFlag.WriteOnly)
img.save(buf, "JPG")
jpg = bytes(data)
stop = time.monotonic() + 3
def decode():
    while time.monotonic() < stop:
        QImage.fromData(jpg)
workers = [threading.Thread(target=decode) for _ in range(2)]
for w in workers:
    w.start()
n = 0
while time.monotonic() < stop:
    tr("Error")
    n += 1
for w in workers:
    w.join()
print("done", n)
"""


def test_decoding_in_workers_while_the_ui_thread_translates_does_not_deadlock() -> None:
    out = subprocess.run(
        [sys.executable, "-c", DECODE_WHILE_TRANSLATING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert out.stdout.startswith("done"), out.stderr[-2000:]


def test_location_label_does_not_repeat_a_typed_unit(qtbot: QtBot) -> None:
    """Journeys (issue 15): a room typed as 「一号库房」 read 「一号库房库房3柜」 on the batch line."""
    from hukou_scan.domain import PaperLocation
    from hukou_scan.gui.app import create_application
    from hukou_scan.gui.i18n import location_label

    create_application("zh_CN")
    assert location_label(PaperLocation(room="一号库房", cabinet="3", box="15盒")) == "一号库房3柜15盒"
    assert location_label(PaperLocation(room="2", cabinet="A")) == "2库房A柜"
