#!/usr/bin/env bash
# Packaging check (slow, not part of `make test`): build the bundle and the .deb, install
# the .deb into a scratch root without a container (dpkg -x), verify its metadata, and run
# `hukou-scan --version` and `hukou-scan demo` from the installed bundle, headless.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_BUILD:-0}" = 1 ] || bash packaging/build.sh
deb=$(ls -t dist/hukou-scan_*.deb | head -n1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
depends=$(dpkg-deb -f "$deb" Depends)
[[ "$depends" == *tesseract-ocr-chi-sim* ]] || { echo "Depends lacks tesseract-ocr-chi-sim: $depends"; exit 1; }
dpkg -x "$deb" "$root"
test -f "$root/usr/share/applications/hukou-scan.desktop"
desktop-file-validate "$root/usr/share/applications/hukou-scan.desktop" 2>/dev/null || true
test -f "$root/usr/share/icons/hicolor/scalable/apps/hukou-scan.svg"
bin="$root/opt/hukou-scan/hukou-scan"
"$bin" --version
export HUKOU_DATA_DIR="$root/data" HUKOU_CONFIG_DIR="$root/config" QT_QPA_PLATFORM=offscreen
"$bin" demo --pages 2
echo "packaging check passed"
