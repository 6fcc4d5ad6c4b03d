#!/usr/bin/env bash
# One-time set-up on a fresh machine: system packages (Debian/Ubuntu/Kylin/UOS, as root)
# and the project's virtualenv.  Idempotent: re-running it only installs what is missing.
# On other systems it prints exactly what to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${VENV:-.venv}

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-sim-vert
  fonts-wqy-zenhei fonts-arphic-ukai fonts-arphic-uming
  poppler-utils xvfb xauth
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libglib2.0-0
  postgresql
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo ">> installing system packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo apt-get update -qq
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "Please install these system packages as root, then run again:" >&2
      echo "  apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
else
  echo "This is not a Debian-based system. Install the equivalents of:" >&2
  echo "  ${APT_PACKAGES[*]}" >&2
  echo "(Tesseract 5 with chi_sim, a CJK font, poppler-utils, Qt 6 runtime libraries, PostgreSQL 15 for the tests)" >&2
  [ "${HUKOU_SKIP_SYSTEM_CHECK:-0}" = 1 ] || exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo ">> creating virtualenv $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(cat pyproject.toml packaging/constraints.txt | sha256sum | cut -c1-16)-${HUKOU_EXTRAS:-test}"
if [ ! -f "$stamp" ]; then
  echo ">> installing Python dependencies (extras: ${HUKOU_EXTRAS:-test})"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # constraints.txt pins the versions the suite was last run with (s3fs/aiobotocore/boto3 must agree)
  "$VENV/bin/python" -m pip install -q -c packaging/constraints.txt -e ".[${HUKOU_EXTRAS:-test}]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# Generated GUI assets (forms from ui/*.ui, .qm catalogues from resources/i18n/*.ts).
"$VENV/bin/python" packaging/build_assets.py >/dev/null
