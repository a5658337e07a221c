"""The drill-down page's pure parts (no warehouse): period arithmetic, 环比/同比 texts, number
display, child labels, KPI formulas, and how `amisdw app` starts Streamlit."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pandas as pd
import pytest

from amisdw.app import data, launch
from amisdw.errors import AmisdwError
from amisdw.readers.catalogue import Kpi, load_catalogue


def test_period_arithmetic() -> None:
    assert data.shift_period("M", "2024-03", -1) == "2024-02"
    assert data.shift_period("M", "2024-01", -1) == "2023-12"
    assert data.shift_period("M", "2024-03", -12) == "2023-03"
    assert data.shift_period("Q", "2024Q1", -1) == "2023Q4"
    assert data.shift_period("Q", "2024Q1", -4) == "2023Q1"
    assert data.shift_period("Y", "2024", -1) == "2023"
    assert data.comparison_periods("M", "2024-01") == ("2023-12", "2023-01")
    assert data.comparison_periods("Q", "2024Q1") == ("2023Q4", "2023Q1")
    # a year's previous period is the year-ago one: 同比 only
    assert data.comparison_periods("Y", "2024") == (None, "2023")
    with pytest.raises(ValueError):
        data.shift_period("W", "2024", 1)


def test_switching_the_period_type_keeps_the_time() -> None:
    loaded = {
        "M": [f"2023-{m:02d}" for m in range(1, 13)] + ["2024-01", "2024-02"],
        "Q": ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1"],
        "Y": ["2023", "2024"],
    }
    assert data.convert_period("2023-05", "M", "Q", loaded) == "2023Q2"
    assert data.convert_period("2023-05", "M", "Y", loaded) == "2023"
    assert data.convert_period("2023Q2", "Q", "M", loaded) == "2023-06"
    assert data.convert_period("2024Q1", "Q", "M", loaded) == "2024-02"  # last loaded month
    assert data.convert_period("2023", "Y", "Q", loaded) == "2023Q4"
    assert data.convert_period("2024", "Y", "M", loaded) == "2024-02"
    assert data.convert_period("2021-05", "M", "Q", loaded) == "2024Q1"  # not loaded: latest


def _kpi(code: str) -> Kpi:
    return load_catalogue()[code]


def test_changes_of_rates_are_points_of_others_relative() -> None:
    rate, count = _kpi("activity_rate"), _kpi("headcount_end")
    assert data.change_text(0.45, 0.40, rate) == "+5.0个百分点"
    assert data.change_text(0.40, 0.45, rate) == "-5.0个百分点"
    assert data.change_text(0.40, 0.0, rate) == "+40.0个百分点"
    assert data.change_text(110, 100, count) == "+10.0%"
    assert data.change_text(90, 100, count) == "-10.0%"
    assert data.change_text(5, 0, count) == "—"  # no relative change from 0
    assert data.change_text(None, 100, count) == "—"
    assert data.change_text(100, float("nan"), count) == "—"


def test_values_are_shown_in_the_review_units() -> None:
    assert data.value_text(0.40613, _kpi("activity_rate")) == "40.6%"
    assert data.value_text(1014368.52, _kpi("new_premium")) == "101.44"  # 万元
    assert data.value_text(7987.15, _kpi("premium_per_policy")) == "7,987"  # 元
    assert data.value_text(264.0, _kpi("headcount_end")) == "264"
    # a headcount shows decimals only when it has them (季均, 月均)
    assert data.value_text(4.0, _kpi("producing_manpower")) == "4"
    assert data.value_text(17.5, _kpi("headcount_avg")) == "17.5"
    assert data.value_text(None, _kpi("activity_rate")) == "—"
    assert data.value_text(float("nan"), _kpi("fyc")) == "—"
    assert data.shown(0.25, _kpi("activity_rate")) == pytest.approx(25.0)
    assert data.shown(25000.0, _kpi("fyc")) == pytest.approx(2.5)
    assert data._number(17.5) == "17.5" and data._number(1099.0) == "1,099"


def test_formula_names_the_components() -> None:
    cat = load_catalogue()
    assert data.formula(cat["activity_rate"], cat) == "举绩人力 / 月均人力"
    assert data.formula(cat["net_growth_rate"], cat) == "net_growth / 月初人力"
    assert data.formula(cat["headcount_end"], cat) == ""
    # a null component read back from marts.dim_kpi arrives as the text 'nan'
    odd = Kpi("x", "x", "x", "manpower", "count", "人", "", "nan", "nan")
    assert data.formula(odd, cat) == ""


def test_child_labels_add_the_id_only_where_names_repeat() -> None:
    df = pd.DataFrame({"org_id": ["B1", "B2", "B3"], "org_name": ["天马组", "希望组", "天马组"]})
    assert data._labels(df) == ["天马组（B1）", "希望组", "天马组（B3）"]
    assert data._labels(df.iloc[0:0]) == []


def test_streamlit_starts_next_to_the_interpreter_on_loopback() -> None:
    start = launch.Start(
        Path("/w/warehouse.duckdb"), "8661", "陕西分公司", "省级分公司", "2024-03", None
    )
    cmd = launch.streamlit_command(start, launch.DEFAULT_HOST, 8601, "8661")
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]  # never looked up on PATH
    assert Path(cmd[4]) == launch.PAGE and launch.PAGE.is_file()

    def option(name: str) -> str:
        return cmd[cmd.index(name) + 1]

    assert option("--server.address") == "127.0.0.1"
    assert option("--server.port") == "8601"
    assert option("--server.headless") == "true"
    assert option("--browser.gatherUsageStats") == "false"
    script_args = cmd[cmd.index("--") + 1 :]
    assert script_args == ["--warehouse", "/w/warehouse.duckdb", "--org", "8661"]
    no_org = launch.streamlit_command(start, "0.0.0.0", 8601, None)
    assert "--org" not in no_org and no_org[no_org.index("--server.address") + 1] == "0.0.0.0"
    assert launch.streamlit_env()["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_a_port_in_use_is_refused_before_starting() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(AmisdwError, match=f"Port {port} on 127.0.0.1 is already in use"):
            launch.check_port("127.0.0.1", port)
    launch.check_port("127.0.0.1", port)  # free again
    with pytest.raises(AmisdwError, match="Cannot listen on --host"):
        launch.check_port("no-such-host.invalid", 8501)
