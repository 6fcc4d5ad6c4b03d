"""Chinese handwriting faces the project never tunes on, fetched at benchmark time.

The simulator writes its entries in the system Kai face (AR PL UKai).  An evaluation
needs hands the code has never seen: SIL OFL handwriting faces published as Fontsource
packages on the npm registry.  Fontsource splits each CJK face into about a hundred
unicode-range subsets; they are merged back into one TrueType file with fontTools (the
``.woff`` subsets are zlib-compressed, so no brotli is needed) and cached under
``~/.cache/hukou-scan-bench/fonts`` — nothing is committed to the repository.

Needs ``npm`` on the PATH the first time (``apt-get install npm``); a hand that cannot
be fetched is reported and left out, never silently replaced.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

CACHE = Path(os.environ.get("HUKOU_BENCH_CACHE", Path.home() / ".cache" / "hukou-scan-bench")) / "fonts"
KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"
"""The printed-Kai entries: the face the simulator itself writes with."""

HANDS = ("ma-shan-zheng", "zhi-mang-xing", "long-cang", "liu-jian-mao-cao", "zcool-kuaile")
"""Handwriting faces: 楷书-like (马善政), 行书 (志莽行, 龙藏), 草书 (流江毛草), and a casual hand."""


def _merge(package: Path, out: Path) -> None:
    from fontTools.merge import Merger
    from fontTools.ttLib import TTFont

    subsets = sorted(package.glob("files/*-400-normal.woff"))
    if not subsets:
        raise FileNotFoundError(f"no .woff subsets in {package}")
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, f in enumerate(subsets):
            t = TTFont(f)
            t.flavor = None
            for tag in ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH"):
                if tag in t:  # layout features are not needed to draw plain text and break merging
                    del t[tag]
            p = Path(tmp) / f"{i}.ttf"
            t.save(p)
            parts.append(str(p))
        merged = Merger().merge(parts)
        part = out.with_suffix(".part")
        merged.save(part)
        part.replace(out)


def hand_path(name: str) -> Path | None:
    """The merged TrueType file of Fontsource face ``name``; ``None`` when it cannot be had."""
    out = CACHE / f"{name}.ttf"
    if out.exists():
        return out
    npm = shutil.which("npm")
    if npm is None:
        log.warning("npm is not installed: handwriting face %s left out", name)
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            r = subprocess.run(
                [npm, "pack", f"@fontsource/{name}", "--silent"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            tgz = Path(tmp) / r.stdout.strip().splitlines()[-1]
            with tarfile.open(tgz) as tf:
                tf.extractall(tmp, filter="data")
            _merge(Path(tmp) / "package", out)
        except (subprocess.SubprocessError, OSError, IndexError) as e:
            log.warning("handwriting face %s could not be fetched: %s", name, e)
            return None
    return out


@functools.lru_cache(maxsize=64)
def hand_font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """``name`` at ``size`` px: ``"kai"`` is the simulator's own face, others are Fontsource hands."""
    path = KAI if name == "kai" else hand_path(name)
    if path is None:
        raise FileNotFoundError(name)
    return ImageFont.truetype(str(path), size)


def available_hands(names: tuple[str, ...] = HANDS) -> list[str]:
    """The hands of ``names`` that are cached or can be fetched now."""
    return [n for n in names if hand_path(n) is not None]
