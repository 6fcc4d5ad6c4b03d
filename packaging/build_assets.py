"""Build generated GUI assets: Python forms from ui/*.ui and .qm catalogues from .ts.

Run by ``make`` (via packaging/setup.sh) and by the packaging scripts; generated files
are not committed (hukou_scan/gui/forms/ and resources/i18n/*.qm are git-ignored).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def build_forms() -> list[Path]:
    out_dir = ROOT / "hukou_scan" / "gui" / "forms"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "__init__.py").write_text(
        '"""Generated from ui/*.ui by packaging/build_assets.py; do not edit."""\n'
    )
    built = []
    for ui in sorted((ROOT / "ui").glob("*.ui")):
        target = out_dir / f"ui_{ui.stem}.py"
        if not target.exists() or target.stat().st_mtime < ui.stat().st_mtime:
            subprocess.run(
                [str(BIN / "pyside6-uic"), "--from-imports", str(ui), "-o", str(target)], check=True
            )
        built.append(target)
    return built


def build_translations() -> list[Path]:
    built = []
    for ts in sorted((ROOT / "resources" / "i18n").glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
        built.append(qm)
    return built


def main() -> int:
    forms = build_forms()
    qms = build_translations()
    print(f"built {len(forms)} form(s), {len(qms)} catalogue(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
