"""Deliveries this project did not generate, as a new user would bring them: history that
starts in November 2005 or January 2011, agents whose events are missing, snapshots that
contradict the events, and a run called by its full path with a bare environment, as cron or
systemd do. Every figure below is worked out by hand in tests/history_builder.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from amisdw.cli import main
from tests.history_builder import (
    AGENT_MONTHS,
    DISAGREEING_AGENT_MONTHS,
    EXPECTED_2005,
    EXPECTED_2011,
    FINDINGS_2005,
    HISTORY_2005,
    history_2011,
    write_history,
)

pytestmark = pytest.mark.slow
SHARE_ENV = "AMISDW_REPLAY_MAX_DISAGREEMENT_SHARE"


def kpi_values(warehouse: Path, org: str, period: str) -> dict[str, float]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT kpi_code, value FROM marts.kpi WHERE org_id = ? AND period = ? "
            "AND channel = 'ALL'",
            [org, period],
        ).fetchall()
    return dict(rows)


def published_versions(warehouse: Path) -> tuple[object, list[str]]:
    """When the published file was published, and the versions kept beside it."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        when = con.execute("SELECT max(published_at) FROM meta.published").fetchone()[0]
    return when, sorted(p.name for p in (warehouse.parent / "versions").glob("*"))


@pytest.fixture(scope="module")
def real2005(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 2005 history, run three times: with the default threshold (withheld: 2 of 14
    agent-months disagree), with a threshold of 20% (published, with the findings), then with
    the default threshold again and nothing new delivered (the gate must run again)."""
    root = tmp_path_factory.mktemp("real2005")
    inbox = write_history(root / "inbox", HISTORY_2005)
    warehouse = root / "wh" / "warehouse.duckdb"
    args = ["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs"]
    withheld = CliRunner().invoke(main, args, env={SHARE_ENV: None})
    exists_after_withheld = warehouse.exists()
    published = CliRunner().invoke(main, args, env={SHARE_ENV: "0.2"})
    published_at = published_versions(warehouse)
    stricter = CliRunner().invoke(main, args, env={SHARE_ENV: None})
    return {
        "published_at": published_at,
        "stricter": stricter,
        "inbox": inbox,
        "warehouse": warehouse,
        "withheld": withheld,
        "exists_after_withheld": exists_after_withheld,
        "published": published,
    }


def test_disagreements_above_the_share_withhold_the_publish_with_the_message(real2005):
    result = real2005["withheld"]
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    share = DISAGREEING_AGENT_MONTHS / AGENT_MONTHS
    assert f"{share:.2%} of agent-months ({DISAGREEING_AGENT_MONTHS} of {AGENT_MONTHS})" in text
    assert "above the threshold of 0.50%" in text
    assert "marts.data_quality_findings" in text
    assert not real2005["exists_after_withheld"]  # nothing was published


def test_below_the_share_the_warehouse_is_published_with_its_findings(real2005):
    result = real2005["published"]
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"data-quality findings: {len(FINDINGS_2005)}" in text
    with duckdb.connect(str(real2005["warehouse"]), read_only=True) as con:
        findings = set(
            con.execute(
                "SELECT agent_code, month, kind, field, snapshot_value, replayed_value "
                "FROM marts.data_quality_findings"
            ).fetchall()
        )
        summary = dict(
            con.execute("SELECT check_name, findings FROM marts.data_quality_summary").fetchall()
        )
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'data_quality_findings'"
            ).fetchall()
        }
    assert findings == FINDINGS_2005
    assert summary == {"replay_vs_snapshot": 2, "replayed_from_snapshots": 2}
    assert not columns & {"agent_name", "name", "id_no", "mobile", "id_no_hash"}


def test_a_stricter_share_on_the_same_deliveries_runs_the_gate_again_and_keeps_the_publish(
    real2005,
):
    # nothing new was delivered, but the published marts were gated under 20%: under the
    # default 0.5% they would not pass, so the run must not answer "up to date"
    result = real2005["stricter"]
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert "above the threshold of 0.50%" in " ".join(result.output.split())
    assert published_versions(real2005["warehouse"]) == real2005["published_at"]


@pytest.mark.parametrize(("org", "period"), sorted(EXPECTED_2005))
def test_history_from_2005_gives_the_hand_worked_figures(real2005, org, period):
    values = kpi_values(real2005["warehouse"], org, period)
    expected = EXPECTED_2005[(org, period)]
    assert {k: values.get(k) for k in expected} == expected


def test_the_first_months_are_2005_and_the_activity_rate_follows(real2005):
    with duckdb.connect(str(real2005["warehouse"]), read_only=True) as con:
        months = [
            r[0]
            for r in con.execute(
                "SELECT month_label FROM marts.dim_month ORDER BY month_start"
            ).fetchall()
        ]
    assert months == ["2005-11", "2005-12", "2006-01", "2006-02"]
    # 1 producing agent (1000000001) over an average headcount of (2 + 3) / 2
    assert kpi_values(real2005["warehouse"], "86", "2005-11")["activity_rate"] == 1 / 2.5


# --- a scheduler calls the console script by its full path, with a bare environment ----------


def bare_run(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("amisdw")
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        cwd="/",
    )


@pytest.fixture(scope="module")
def real2011(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("real2011")
    inbox = write_history(root / "inbox", history_2011())
    warehouse = root / "wh" / "warehouse.duckdb"
    result = bare_run("run", "--inbox", str(inbox), "--warehouse", str(warehouse))
    return {"inbox": inbox, "warehouse": warehouse, "result": result}


def test_a_run_called_by_path_in_a_bare_environment_loads_two_years_from_2011(real2011):
    result = real2011["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert "months loaded: 24 (201101…201212)" in out
    assert "data-quality findings: 0" in out
    assert "head office (总公司), 2012-12" in out
    # the data catalogue was built too, by the dbt next to the interpreter
    assert (real2011["warehouse"].parent / "docs" / "static_index.html").exists()


@pytest.mark.parametrize(("org", "period"), sorted(EXPECTED_2011))
def test_history_from_2011_gives_the_hand_worked_figures(real2011, org, period):
    codes = ",".join(EXPECTED_2011[(org, period)])
    result = bare_run(
        "kpi",
        "--warehouse",
        str(real2011["warehouse"]),
        "--kpi",
        codes,
        "--org",
        org,
        "--period",
        period,
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    values = {r["kpi_code"]: r["value"] for r in json.loads(result.stdout)}
    expected = EXPECTED_2011[(org, period)]
    assert values == pytest.approx(expected)


def test_the_quarterly_review_lists_the_findings_in_its_appendix(real2005, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--warehouse",
            str(real2005["warehouse"]),
            "--quarter",
            "2006Q1",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "quarterly_review_86_2006Q1.html").read_text(encoding="utf-8")
    appendix = page[page.index("附录一：数据质量") : page.index("附录二：指标口径")]
    # the quarter's four findings (2006-01 and 2006-02), not December's
    quarter = sorted(f for f in FINDINGS_2005 if f[1] >= "2006-01")
    assert "共 4 条" in appendix
    for agent, month, *_ in quarter:
        assert agent in appendix and month in appendix
    assert "2005-12" not in appendix
    assert "人员快照与人事变动记录不一致" in appendix and "缺少人事变动记录" in appendix
