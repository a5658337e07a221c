"""`amisdw app` in a real browser: the console script started by its path with a bare PATH on
a free port over tiny15's published file, driven by Playwright in Debian's headless Chromium.
The figures the page renders for the head office and, after clicking into a province, for that
province equal marts.kpi read here by SQL; the Chinese is drawn with a CJK font (no tofu); the
shared link follows the view. A screenshot is saved in the test's tmp folder."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.integration.browser import cjk_fonts, ensure_browser
from tests.integration.conftest import Built

pytestmark = pytest.mark.slow

START_SECONDS = 30
UI_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium-headless-shell (and the CJK font), installed by
    scripts/setup-system.sh when missing."""
    return ensure_browser()


def _sql(warehouse: Path, query: str, params: list[object]) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params).df()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"amisdw app exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(
        f"amisdw app did not answer on port {port} within {START_SECONDS} s:\n{log.read_text()}"
    )


def _settled(page: Page, title: str) -> None:
    """The page shows ``title`` and Streamlit has finished redrawing (no stale element)."""
    expect(page.get_by_role("heading", level=1)).to_have_text(title, timeout=UI_TIMEOUT_MS)
    expect(page.locator('[data-testid="stTable"]').first).to_contain_text("月末人力")
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=UI_TIMEOUT_MS)


def _kpi_rows(page: Page) -> dict[str, dict[str, str]]:
    """The rendered KPI table: 指标 → {column header → cell text}, read once its header shows
    the current period's column (a rerun can redraw the table after the page settled)."""
    table = page.locator('[data-testid="stTable"]').first
    expect(table.locator("thead")).to_contain_text("本期", timeout=UI_TIMEOUT_MS)
    rows = table.evaluate(
        """table => {
          const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
          return [...table.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td, i) => [heads[i], td.innerText.trim()])));
        }"""
    )
    return {r["指标"]: r for r in rows}


def _assert_figures(page: Page, warehouse: Path, org_id: str, month: str) -> None:
    want = _sql(
        warehouse,
        "SELECT kpi_code, value FROM marts.kpi WHERE org_id = ? AND period = ? "
        "AND channel = 'ALL' AND kpi_code IN ('headcount_end', 'activity_rate')",
        [org_id, month],
    ).set_index("kpi_code")["value"]
    rows = _kpi_rows(page)
    headcount = rows["月末人力"]
    assert headcount["单位"] == "人"
    assert float(headcount["本期"].replace(",", "")) == want["headcount_end"]
    activity = rows["活动率"]
    assert activity["单位"] == "%" and activity["本期"].endswith("%")
    assert abs(float(activity["本期"].rstrip("%")) / 100 - want["activity_rate"]) <= 0.0005
    # the headline card shows the same number
    card = page.get_by_test_id("stMetric").filter(has_text="月末人力")
    value = card.get_by_test_id("stMetricValue").inner_text()
    assert float(value.replace(",", "")) == want["headcount_end"]


def _platform_fonts(page: Page, selector: str) -> list[str]:
    """The fonts Chromium actually drew an element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f["glyphCount"] > 0]


def test_the_page_in_a_real_browser(tiny15: Built, chromium: Path, tmp_path: Path) -> None:
    w = tiny15.warehouse
    month = _sql(w, "SELECT max(month_label) AS m FROM marts.dim_month", [])["m"][0]
    head = _sql(w, "SELECT org_id, org_name FROM marts.dim_org WHERE level = 1", [])
    province = _sql(
        w, "SELECT org_id, org_name FROM marts.dim_org WHERE level = 2 ORDER BY org_id", []
    ).iloc[0]
    port = _free_port()
    log = tmp_path / "amisdw-app.log"
    # as a scheduler would: the console script by its path, nothing useful on PATH
    amisdw = Path(sys.executable).with_name("amisdw")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "AMISDW_DOCS": "0"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(amisdw), "app", "--warehouse", str(w), "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_until_serving(port, proc, log)
        assert f"http://127.0.0.1:{port}" in log.read_text()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(chromium))
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 1600}, locale="zh-CN")
                page.goto(f"http://127.0.0.1:{port}/")
                _settled(page, head["org_name"][0])
                _assert_figures(page, w, head["org_id"][0], month)
                # the Chinese is drawn with the CJK font, not as boxes
                assert cjk_fonts(), "fc-list :lang=zh finds no WenQuanYi font"
                drawn = _platform_fonts(page, "h1")
                assert any("WenQuanYi" in f for f in drawn), drawn
                expect(page.get_by_text("核心指标", exact=True)).to_be_visible()

                # click into the province
                page.get_by_test_id("stSelectbox").filter(has_text="进入下级").click()
                page.get_by_role("option", name=re.compile(province["org_name"])).click()
                _settled(page, province["org_name"])
                _assert_figures(page, w, province["org_id"], month)
                # the link opens this view (the page writes the URL after it draws: wait for it)
                expect(page).to_have_url(re.compile(rf"[?&]org={province['org_id']}(&|$)"))
                expect(page.get_by_role("button", name=head["org_name"][0])).to_be_visible()

                shot = tmp_path / "app.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
            finally:
                browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
