"""Qt translations: compiled catalogues (.qm) built from resources/i18n/*.ts.

Source strings in the code are English; Simplified Chinese is the default UI
language and is complete; English is a full second catalogue.  The .qm files are
built by ``packaging/build_assets.py`` (run by ``make``); when they are missing
(e.g. a fresh checkout used without make) they are built on the fly with
pyside6-lrelease so the UI is never shown untranslated.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QLocale, QTranslator

from hukou_scan.domain import PaperLocation

log = logging.getLogger(__name__)

LANGUAGES = {"zh_CN": "简体中文", "en": "English"}
CATALOGUE = "hukou_scan"


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def ts_path(lang: str) -> Path:
    return resources_dir() / "i18n" / f"{CATALOGUE}_{lang}.ts"


def qm_path(lang: str) -> Path:
    return resources_dir() / "i18n" / f"{CATALOGUE}_{lang}.qm"


def build_qm(lang: str) -> Path | None:
    """Compile one .ts with lrelease if the .qm is missing or older."""
    ts, qm = ts_path(lang), qm_path(lang)
    if not ts.exists():
        return None
    if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
        return qm
    tool = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name("pyside6-lrelease"))
    try:
        subprocess.run(
            [tool, "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60, capture_output=True
        )
    except (OSError, subprocess.SubprocessError):
        log.exception("could not compile translations for %s", lang)
        return qm if qm.exists() else None
    return qm


_installed: list[QTranslator] = []


# Strings of Qt's own dialogs that the shipped qtbase catalogue leaves in English (the
# non-native file dialog's 「Look in」 and 「Files of type」 in Qt 6).  Marked here so lupdate
# keeps them in our catalogue under Qt's own context names, where our translator answers
# them.  Why not a QTranslator subclass in Python (as before): Qt asks every installed
# translator from whatever thread translates — each QImage decode in a worker thread does
# (QTgaFile's "Image type not supported") — while holding its translate lock; a Python
# translator then needs the GIL there, and a UI thread holding the GIL and calling tr()
# waits for that lock: the capture screen froze for good (issue 15 soak).
QT_GAPS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
    QT_TRANSLATE_NOOP("QCalendarWidget", "Today"),
)


def remove_translators(app: QCoreApplication) -> None:
    """Back to the source language (English); used between GUI tests."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()


def install_translators(app: QCoreApplication, lang: str) -> list[QTranslator]:
    """Install our catalogue and Qt's own (dialog buttons etc.) for ``lang``, replacing
    whatever was installed before (so the language can be switched, e.g. in tests)."""
    lang = lang if lang in LANGUAGES else "zh_CN"
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    installed = _installed
    qt_tr = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_tr.load(QLocale(lang), "qtbase", "_", qt_dir):
        app.installTranslator(qt_tr)
        installed.append(qt_tr)
    qm = build_qm(lang)
    ours = QTranslator(app)
    if qm is not None and ours.load(str(qm)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("no compiled translations for %s", lang)
    QLocale.setDefault(QLocale(lang))
    return installed


def tr(text: str) -> str:
    """Translate a string outside a QObject (module-level code, data labels).

    pyside6-lupdate files bare ``tr("…")`` calls (outside ``self.tr``) under the empty
    context, so they must be looked up there too or they would never be translated.
    """
    return QCoreApplication.translate("", text)


def category_label(value: str) -> str:
    """A batch category — stored as its official Chinese name, the registry's own term —
    in the UI language (the Chinese catalogue maps each back to that name)."""
    labels = {
        "出生": tr("Birth"),
        "死亡": tr("Death"),
        "迁入": tr("Moved in"),
        "迁出": tr("Moved out"),
        "项目变更更正": tr("Changes and corrections"),
        "注销和恢复": tr("Cancellation and restoration"),
        "居民身份证件": tr("Resident identity card"),
        "档案管理": tr("Archive management"),
    }
    return labels.get(str(value), str(value))


def _with_unit(pattern: str, value: str) -> str:
    """``value`` in its unit's pattern (「%1库房」), unless the clerk already typed the unit:
    「一号库房」 stayed 「一号库房」 instead of 「一号库房库房」 (issue 15 journeys)."""
    before, _, after = pattern.partition("%1")
    if (after.strip() and value.endswith(after.strip())) or (
        before.strip() and value.lower().startswith(before.strip().lower())
    ):
        return value
    return pattern.replace("%1", value)


def location_label(loc: PaperLocation) -> str:
    """Where the paper original is kept, in the UI language (the Chinese catalogue gives
    the archive room's own notation, 1库房A柜2架15盒3卷 第1-40页)."""
    parts = [
        _with_unit(tr("room %1"), loc.room) if loc.room else "",
        _with_unit(tr("cabinet %1"), loc.cabinet) if loc.cabinet else "",
        _with_unit(tr("shelf %1"), loc.shelf) if loc.shelf else "",
        _with_unit(tr("box %1"), loc.box) if loc.box else "",
        _with_unit(tr("volume %1"), loc.volume) if loc.volume else "",
    ]
    chinese = QLocale().language() == QLocale.Language.Chinese
    sep = "" if chinese else ", "  # 1库房A柜2架 runs together
    text = sep.join(p for p in parts if p)
    if loc.page_from is not None:
        pages = (
            tr("pages %1-%2")
            .replace("%1", str(loc.page_from))
            .replace("%2", str(loc.page_to) if loc.page_to is not None else "?")
        )
        text = f"{text}{' ' if chinese else ', '}{pages}" if text else pages
    return text[:1].upper() + text[1:]


def local_time(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (naive UTC, as every table keeps it) in the workstation's local time.

    Why: a clerk reads 14:05 for what happened at 14:05 on the office clock, not 06:05.
    """
    if at is None:
        return ""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone().strftime(fmt)


def field_label(name: str) -> str:
    """An OCR field code (``name``, ``sex``, ``id_number`` …) as the form calls it."""
    labels = {
        "name": tr("Name"),
        "former_name": tr("Former name"),
        "id_number": tr("Citizen ID number"),
        "sex": tr("Sex"),
        "ethnicity": tr("Ethnicity"),
        "birth_date": tr("Date of birth"),
        "household_no": tr("Household number"),
        "head_name": tr("Head of household"),
        "relation": tr("Relation to head"),
        "address": tr("Address"),
        "birthplace": tr("Place of birth"),
        "native_place": tr("Native place"),
        "page_no": tr("Printed page number"),
    }
    return labels.get(name, name)
