"""A real browser for the tests: Debian's ``chromium-headless-shell`` (Playwright cannot download
its own browser here), driven by the Playwright release whose bundled Chromium is nearest to it
(1.62.0 bundles 151; Debian bookworm ships 150), and a CJK font so Chinese renders as text.

Both are system packages, installed by the project's own ``scripts/setup-system.sh`` (as root,
or with sudo): :func:`ensure_browser` runs it when either is missing, and fails with what to do
when it cannot, so ``uv run --frozen pytest`` runs the browser test on a fresh machine too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / "scripts" / "setup-system.sh"
CJK_FONT = "WenQuanYi"


def headless_shell() -> Path | None:
    """The chromium-headless-shell binary the Debian package installed (the ELF under
    /usr/lib/chromium rather than the /usr/bin wrapper script), if installed."""
    if shutil.which("dpkg") is None:
        return None
    listed = subprocess.run(
        ["dpkg", "-L", "chromium-headless-shell"], capture_output=True, text=True, timeout=60
    )
    if listed.returncode != 0:
        return None
    found = [
        Path(line)
        for line in listed.stdout.splitlines()
        if line.endswith("/chromium-headless-shell") and Path(line).is_file()
    ]
    found.sort(key=lambda p: p.parent.name != "chromium")  # /usr/lib/chromium/… first
    return found[0] if found else None


def cjk_fonts() -> list[str]:
    """The WenQuanYi families fontconfig offers for Chinese (`fc-list :lang=zh`)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=60
    )
    return [line for line in listed.stdout.splitlines() if CJK_FONT in line]


def ensure_browser() -> Path:
    """The headless shell's path, after installing it and the font with scripts/setup-system.sh
    when either is missing; fails the test (never skips) when that is impossible."""
    shell = headless_shell()
    if shell is not None and cjk_fonts():
        return shell
    try:
        done = subprocess.run(
            ["bash", str(SETUP)],
            capture_output=True,
            text=True,
            timeout=900,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{SETUP} did not finish within 15 minutes (apt-get install hanging?)")
    shell = headless_shell()
    if done.returncode != 0 or shell is None or not cjk_fonts():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        pytest.fail(
            "The browser test needs Debian's chromium-headless-shell and fonts-wqy-microhei, and "
            f"{SETUP} could not install them (exit {done.returncode}). Run it as root, or as a "
            "user with passwordless sudo (`sudo bash scripts/setup-system.sh`), then run the "
            f"tests again. Its output ended with:\n{tail}"
        )
    return shell
