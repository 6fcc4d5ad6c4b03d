"""Refresh the translation sources (resources/i18n/*.ts) from the code and the .ui forms.

``pyside6-lupdate`` extracts every ``tr()``/``translate()`` string and keeps existing
translations.  English is the source language, so the English catalogue is filled with
the source text (marked finished); Chinese entries stay ``unfinished`` until a
translator fills them — ``--apply FILE.tsv`` (source<TAB>translation lines, with an
optional ``context<TAB>source<TAB>translation`` form) does that in bulk.  The test
suite fails while any visible string lacks a translation in either catalogue.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"
LANGS = ("zh_CN", "en")


def sources() -> list[Path]:
    files = sorted((ROOT / "hukou_scan" / "gui").rglob("*.py"))
    files = [f for f in files if "forms" not in f.parts]
    return files + sorted((ROOT / "ui").glob("*.ui"))


def run_lupdate(ts_files: list[Path]) -> None:
    tool = Path(sys.executable).with_name("pyside6-lupdate")
    args = [
        str(tool),
        *[str(s) for s in sources()],
        "-no-obsolete",
        "-locations",
        "none",
        "-ts",
        *[str(t) for t in ts_files],
    ]
    subprocess.run(args, check=True, capture_output=True, timeout=300)


def load_tsv(path: Path) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    plain: dict[str, str] = {}
    ctx: dict[tuple[str, str], str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#"):
                continue
            if len(row) == 2:
                plain[row[0]] = row[1]
            elif len(row) == 3:
                ctx[(row[0], row[1])] = row[2]
    return plain, ctx


def fill(ts: Path, lang: str, plain: dict[str, str], ctx: dict[tuple[str, str], str]) -> int:
    tree = ET.parse(ts)
    root = tree.getroot()
    root.set("language", lang)
    missing = 0
    for context in root.iter("context"):
        name = context.findtext("name", "")
        for msg in context.iter("message"):
            source = msg.findtext("source", "")
            tr = msg.find("translation")
            if tr is None:
                tr = ET.SubElement(msg, "translation")
            # %n messages keep their text in <numerusform> children (one per plural form
            # of the language: 1 for Chinese, 2 for English); text put directly into
            # <translation> is ignored by lrelease and the message shows untranslated.
            forms = tr.findall("numerusform") if msg.get("numerus") == "yes" else []
            if forms:
                tr.text = None
            new = source if lang == "en" else ctx.get((name, source)) or plain.get(source)
            if new:
                for target in forms or [tr]:
                    target.text = new
                tr.attrib.pop("type", None)
            texts = [f.text for f in forms] if forms else [tr.text]
            if tr.get("type") == "unfinished" or not all((t or "").strip() for t in texts):
                missing += 1
    ET.indent(tree)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apply", type=Path, help="TSV of translations for zh_CN")
    args = parser.parse_args()
    I18N.mkdir(parents=True, exist_ok=True)
    ts_files = [I18N / f"hukou_scan_{lang}.ts" for lang in LANGS]
    run_lupdate(ts_files)
    plain, ctx = load_tsv(args.apply) if args.apply else ({}, {})
    for lang, ts in zip(LANGS, ts_files, strict=True):
        missing = fill(ts, lang, plain, ctx)
        print(f"{ts.name}: {missing} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
