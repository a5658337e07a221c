"""The sensor, a range run and a quarantined month, end to end, as the daemon would run them:
the good months before the quarantined one are built and published, the months after it
wait, and the corrected re-delivery loads them all (nothing is stranded)."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from amisdw.orchestration.definitions import build_definitions
from amisdw.pipeline import instance_for
from amisdw.settings import Settings
from tests.history_builder import history_2011, write_history, write_month

pytestmark = pytest.mark.slow


def published_months(settings: Settings) -> list[str]:
    with duckdb.connect(str(settings.published), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT month_label FROM marts.dim_month ORDER BY month_start"
            ).fetchall()
        ]


def tick(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.SensorResult:
    sensor = defs.resolve_sensor_def("inbox_sensor")
    result = sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SensorResult)
    return result


def launch(defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest):
    """What the daemon does with a run request: one run of monthly_refresh with its tags."""
    job = defs.resolve_job_def("monthly_refresh")
    return job.execute_in_process(
        instance=instance,
        tags=request.tags,
        partition_key=request.partition_key,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )


def test_a_quarantined_month_in_a_range_run_strands_nothing(tmp_path):
    history = history_2011()[:4]
    inbox = write_history(tmp_path / "inbox", history)
    march = inbox / "201103"
    activity = march / "ACTIVITY_201103.csv"  # AttendDays 25 > DutyDays 22: a gate finding
    activity.write_bytes(activity.read_bytes().replace(b",22,20,", b",22,25,", 1))
    from tests.delivery_builder import write_ok

    write_ok(march, {p.name: len(p.read_bytes().splitlines()) - 1 for p in march.glob("*.csv")})
    settings = Settings.create(inbox=str(inbox), warehouse=str(tmp_path / "wh" / "w.duckdb"))
    defs = build_definitions(settings)
    settings.prepare_folders()  # the warehouse's own persistent instance, as the daemon uses

    with instance_for(settings) as instance:
        (request,) = tick(defs, instance).run_requests  # a first tick: one run, four months
        assert request.tags["dagster/asset_partition_range_start"] == "201101"
        assert request.tags["dagster/asset_partition_range_end"] == "201104"
        run = launch(defs, instance, request)
        assert run.success
        # the good months before the quarantined one are published; the later one waits
        assert published_months(settings) == ["2011-01", "2011-02"]
        gates = {
            e.asset_key.path[-1]: e
            for e in run.get_asset_check_evaluations()
            if e.check_name == "quality_gates"
        }
        assert not gates["activity"].passed and "attend_le_duty" in str(
            gates["activity"].metadata["findings"]
        )
        assert gates["activity"].severity is dg.AssetCheckSeverity.WARN

        waiting = tick(defs, instance)  # nothing to do until AMIS corrects March
        assert not waiting.run_requests
        assert "201103" in str(waiting.skip_reason)

        write_month(inbox, history[2])  # the corrected re-delivery (a new control file)
        (again,) = tick(defs, instance).run_requests
        assert again.tags["dagster/asset_partition_range_start"] == "201103"
        assert again.tags["dagster/asset_partition_range_end"] == "201104"
        assert launch(defs, instance, again).success
        assert published_months(settings) == ["2011-01", "2011-02", "2011-03", "2011-04"]
        assert not tick(defs, instance).run_requests
