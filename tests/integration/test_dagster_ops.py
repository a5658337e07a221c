"""Operating the code location: a backfill over a range of months is one run and builds the
same warehouse as `amisdw run`; `dagster dev`, started by its full path with a bare
environment, serves the assets, the schedule and the sensor, and shows the runs, partitions
and asset checks that `amisdw run` recorded in the instance."""

from __future__ import annotations

import contextlib
import json
import os
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

from amisdw.cli import main
from amisdw.orchestration.definitions import build_definitions
from amisdw.orchestration.partitions import range_tags
from amisdw.pipeline import instance_for
from amisdw.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow
MONTHS = ["200910", "200911", "200912"]  # history that starts in an odd month and year


def kpi_rows(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM marts.kpi ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def by_cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three tiny months from 2009-10, built by `amisdw run` (its Dagster instance beside)."""
    root = tmp_path_factory.mktemp("ops")
    inbox = root / "inbox"
    args = ["--size", "tiny", "--start", MONTHS[0], "--months", "3", "--seed", "5"]
    result = CliRunner().invoke(main, ["generate", *args, "--out", str(inbox)])
    assert result.exit_code == 0, result.output
    warehouse = root / "cli" / "warehouse.duckdb"
    result = CliRunner().invoke(
        main, ["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs"]
    )
    assert result.exit_code == 0, result.output
    return {"root": root, "inbox": inbox, "warehouse": warehouse}


def test_amisdw_run_records_one_run_in_the_persistent_instance(by_cli):
    home = by_cli["warehouse"].parent / "dagster"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == "monthly_refresh"
        assert run.status == dg.DagsterRunStatus.SUCCESS
        for key in (["raw", "agent"], ["marts", "kpi"], ["published_warehouse"]):
            assert instance.get_materialized_partitions(dg.AssetKey(key)) == set(MONTHS)


def test_backfill_of_three_months_is_one_run_and_matches_amisdw_run(by_cli):
    by_dagster = by_cli["root"] / "dagster" / "warehouse.duckdb"
    settings = Settings.create(inbox=str(by_cli["inbox"]), warehouse=str(by_dagster))
    job = build_definitions(settings).resolve_job_def("monthly_refresh")
    settings.prepare_folders()  # a fresh persistent instance of its own, as a daemon has
    with instance_for(settings) as instance:
        # what a backfill of the three months launches: one run tagged with the partition range
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
        (kpi,) = instance.fetch_observations(dg.AssetKey(["marts", "kpi"]), limit=1).records
        kpi = kpi.asset_observation

    assert published.metadata["kpi_period"].value == "2009-12"
    assert published.metadata["head_office/headcount_end"].value > 0
    assert kpi.metadata["dagster/row_count"].value == len(kpi_rows(by_dagster))
    assert kpi_rows(by_dagster) == kpi_rows(by_cli["warehouse"])


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


RUNS_QUERY = """{ runsOrError { ... on Runs { results { runId jobName status } } } }"""
MATERIALIZATIONS_QUERY = """{ assetOrError(assetKey: {path: %s}) { ... on Asset {
    assetMaterializations(limit: 10) { runId partition } } } }"""
CHECKS_QUERY = """{ assetNodeOrError(assetKey: {path: ["raw", "agent"]}) { ... on AssetNode {
    assetChecksOrError { ... on AssetChecks { checks { name
    executionForLatestMaterialization { runId status } } } } } } }"""


def test_dagster_dev_by_path_shows_the_runs_of_amisdw_run(by_cli):
    """`dagster dev` started by its full path, as systemd would, with a bare environment and
    the DAGSTER_HOME that `amisdw run` used: it loads the code location and shows the CLI's
    run, its partitions and its asset checks."""
    warehouse = by_cli["warehouse"]
    home = warehouse.parent / "dagster"
    env = {
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": "/usr/bin:/bin",
        "DAGSTER_HOME": str(home),
        "AMISDW_WAREHOUSE": str(warehouse),
        "AMISDW_INBOX": str(by_cli["inbox"]),
    }
    port = free_port()
    dagster = Path(sys.executable).with_name("dagster")
    log = (by_cli["root"] / "dagster-dev.log").open("wb")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,  # [tool.dagster] in pyproject.toml names the code location
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
        runs = graphql(port, RUNS_QUERY)["runsOrError"]["results"]
        published = graphql(port, MATERIALIZATIONS_QUERY % '["published_warehouse"]')
        raw = graphql(port, MATERIALIZATIONS_QUERY % '["raw", "agent"]')
        checks = graphql(port, CHECKS_QUERY)
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
    # what `amisdw run` did is there: one successful run, three partitions, the gate checks
    assert [(r["jobName"], r["status"]) for r in runs] == [("monthly_refresh", "SUCCESS")]
    run_id = runs[0]["runId"]
    for asset in (published, raw):
        materializations = asset["assetOrError"]["assetMaterializations"]
        assert {m["partition"] for m in materializations} == set(MONTHS)
        assert {m["runId"] for m in materializations} == {run_id}
    gate = next(
        c
        for c in checks["assetNodeOrError"]["assetChecksOrError"]["checks"]
        if c["name"] == "quality_gates"
    )
    assert gate["executionForLatestMaterialization"] == {"runId": run_id, "status": "SUCCEEDED"}
