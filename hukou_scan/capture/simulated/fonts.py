"""Locating the CJK fonts the page renderer needs (installed by packaging/setup.sh)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

from hukou_scan.errors import MissingDependencyError

_CANDIDATES = {
    # printed labels: a Ming/Song face like the forms' typesetting
    "print": [
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ],
    # handwritten entries: a Kai (brush) face is the closest installed thing to handwriting
    "hand": [
        ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ],
    "sans": [
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ],
}


@cache
def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    """A CJK font of ``kind`` (print, hand, sans) at ``size`` pixels."""
    for path, index in _CANDIDATES[kind]:
        if Path(path).exists():
            return ImageFont.truetype(path, size, index=index)
    raise MissingDependencyError(
        "未安装中文字体（fonts-arphic-uming / fonts-wqy-zenhei）。",
        "No CJK font installed (fonts-arphic-uming / fonts-wqy-zenhei).",
        hint_zh="请运行 make run 或 apt-get install fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei",
        hint_en="Run `make run` or apt-get install fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei",
    )
