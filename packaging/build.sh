#!/usr/bin/env bash
# Builds the PyInstaller one-folder bundle (dist/hukou-scan/) and a Debian package
# (dist/hukou-scan_<version>_<arch>.deb) that installs it under /opt/hukou-scan with a
# /usr/bin/hukou-scan launcher, a desktop entry and an icon, and declares the system
# packages it needs (Tesseract with chi_sim, CJK fonts, Qt's runtime libraries).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
"$PY" -m pip show pyinstaller >/dev/null 2>&1 || "$PY" -m pip install -q pyinstaller
"$PY" packaging/build_assets.py
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/hukou-scan.spec

version=$("$PY" -c "import hukou_scan; print(hukou_scan.__version__)")
arch=$(dpkg --print-architecture)
stage=build/deb/hukou-scan_${version}_${arch}
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
         "$stage/usr/share/icons/hicolor/scalable/apps"
cp -a dist/hukou-scan "$stage/opt/hukou-scan"
ln -s /opt/hukou-scan/hukou-scan "$stage/usr/bin/hukou-scan"
cp packaging/hukou-scan.desktop "$stage/usr/share/applications/hukou-scan.desktop"
cp resources/icons/hukou-scan.svg "$stage/usr/share/icons/hicolor/scalable/apps/hukou-scan.svg"
size_kb=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: hukou-scan
Version: ${version}
Architecture: ${arch}
Maintainer: hukou-scan developers <hukou-scan@localhost>
Installed-Size: ${size_kb}
Depends: tesseract-ocr, tesseract-ocr-chi-sim, fonts-wqy-zenhei | fonts-noto-cjk, fonts-arphic-ukai, fonts-arphic-uming, poppler-utils, libegl1, libgl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libdbus-1-3, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libglib2.0-0
Recommends: tesseract-ocr-chi-sim-vert
Section: graphics
Priority: optional
Description: household-registration archive digitization workstation (户籍档案数字化工作站)
 Captures pages from a document camera, crops, deskews and cleans them,
 recognises the Chinese text, links pages to registry persons, and exports
 searchable bookmarked PDFs; syncs a verified copy to object storage.
CONTROL
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "dist/hukou-scan_${version}_${arch}.deb" >/dev/null
echo "built dist/hukou-scan/ and dist/hukou-scan_${version}_${arch}.deb"
