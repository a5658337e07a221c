"""A CJK font for matplotlib that needs no system fonts: Noto Sans SC, shipped by the PyPI
package ``pylopdf-fonts-zh-cn`` (SIL Open Font License 1.1), so ``uv sync`` alone brings it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

CJK_FAMILY = "Noto Sans SC"


def cjk_font_path() -> Path:
    """The Noto Sans SC (Simplified Chinese) OpenType file inside the installed package."""
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


@cache
def use_cjk_font() -> str:
    """Register Noto Sans SC with matplotlib's font manager and make it the default family.

    Idempotent. Latin glyphs come from the same font (DejaVu Sans only as a fallback), and the
    ASCII hyphen is used for minus signs. Returns the family name.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    return CJK_FAMILY
