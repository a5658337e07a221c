"""Operating the code location: a backfill over a range of months is one run and builds the
same warehouse as `amisdw run`; `dagster dev` serves the assets, the schedule and the sensor."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from amisdw import settings
from amisdw.assets.partitions import range_tags
from amisdw.cli import main

pytestmark = pytest.mark.slow
MONTHS = ["202301", "202302", "202303"]


def kpi_rows(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM marts.kpi ORDER BY ALL").fetchall()


def test_backfill_of_three_months_is_one_run_and_matches_amisdw_run(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    args = ["--size", "tiny", "--start", "202301", "--months", "3", "--seed", "5"]
    result = CliRunner().invoke(main, ["generate", *args, "--out", str(inbox)])
    assert result.exit_code == 0, result.output
    by_cli = tmp_path / "cli" / "warehouse.duckdb"
    result = CliRunner().invoke(main, ["run", "--inbox", str(inbox), "--warehouse", str(by_cli)])
    assert result.exit_code == 0, result.output

    by_dagster = tmp_path / "dagster" / "warehouse.duckdb"
    by_dagster.parent.mkdir()
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(by_dagster))
    monkeypatch.setenv(settings.INBOX_ENV, str(inbox))
    from amisdw.definitions import build_definitions  # resources read the env when built

    job = build_definitions().resolve_job_def("monthly_refresh")
    with dg.instance_for_test() as instance:
        # what a backfill of 202301…202303 launches: one run tagged with the partition range
        run = job.execute_in_process(
            instance=instance,
            tags=range_tags(MONTHS[0], MONTHS[-1]),
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
        assert run.success
        assert len(instance.get_runs()) == 1
        for key in (["raw", "agent"], ["marts", "kpi"], ["published_warehouse"]):
            assert instance.get_materialized_partitions(dg.AssetKey(key)) == set(MONTHS)
        published = instance.get_latest_materialization_event(
            dg.AssetKey("published_warehouse")
        ).asset_materialization
        kpi = instance.get_latest_materialization_event(
            dg.AssetKey(["marts", "kpi"])
        ).asset_materialization

    assert published.metadata["kpi_period"].value == "2023-03"
    assert published.metadata["head_office/headcount_end"].value > 0
    assert kpi.metadata["dagster/row_count"].value == len(kpi_rows(by_dagster))
    assert kpi_rows(by_dagster) == kpi_rows(by_cli)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


LOCATION_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries {
    name locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
REPOSITORY_QUERY = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name }
    jobs { name }
    schedules { name cronSchedule executionTimezone }
    sensors { name }
    assetNodes { assetKey { path } groupName } } } } }"""


def wait_for_location(port: int, proc: subprocess.Popen, seconds: float = 150) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "dagster dev exited early"
        try:
            entries = graphql(port, LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
            if entries and all(e["locationOrLoadError"] for e in entries):
                return entries
        except (urllib.error.URLError, ConnectionError, KeyError, TypeError):
            pass
        time.sleep(1)
    raise AssertionError(f"dagster dev did not serve the code location within {seconds} s")


def _default_signals() -> None:
    # a shell that started pytest in the background may have left SIGINT/SIGTERM ignored,
    # which children inherit; dagster dev needs them to shut down cleanly
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def stop_group(proc: subprocess.Popen) -> None:
    """Ctrl-C for dagster dev (it stops the webserver, daemon and code server), then make sure
    nothing of its process group is left."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def test_dagster_dev_serves_assets_schedule_and_sensor(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(settings.PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        settings.WAREHOUSE_ENV: str(tmp_path / "wh" / "warehouse.duckdb"),
        settings.INBOX_ENV: str(tmp_path / "inbox"),
    }
    port = free_port()
    dagster = Path(sys.executable).with_name("dagster")
    log = (tmp_path / "dagster-dev.log").open("wb")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=settings.PROJECT_ROOT,  # [tool.dagster] in pyproject.toml names the code location
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as a whole below
        preexec_fn=_default_signals,
    )
    try:
        entries = wait_for_location(port, proc)
        assert [(e["name"], e["locationOrLoadError"]["__typename"]) for e in entries] == [
            ("amisdw", "RepositoryLocation")
        ], entries
        (repo,) = graphql(port, REPOSITORY_QUERY)["repositoriesOrError"]["nodes"]
    finally:
        stop_group(proc)
        log.close()

    groups = {"/".join(a["assetKey"]["path"]): a["groupName"] for a in repo["assetNodes"]}
    assert groups["raw/agent"] == "ingest"
    assert groups["staging/stg_amis__agent"] == "staging"
    assert groups["intermediate/int_personnel__agent_months"] == "model"
    assert groups["marts/kpi"] == "marts"
    assert groups["published_warehouse"] == "publish"
    assert "monthly_refresh" in {j["name"] for j in repo["jobs"]}
    assert repo["schedules"] == [
        {
            "name": "monthly_refresh_schedule",
            "cronSchedule": "0 6 5 * *",
            "executionTimezone": "Asia/Shanghai",
        }
    ]
    assert [s["name"] for s in repo["sensors"]] == ["inbox_sensor"]
