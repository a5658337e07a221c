"""The sequencing policy (pure), the monthly schedule and the inbox sensor."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from amisdw.orchestration.partitions import monthly_partitions, partition_keys
from amisdw.orchestration.schedules import build_schedule, scheduled_month
from amisdw.orchestration.sensors import build_inbox_sensor, run_request
from amisdw.sequencing import (
    Action,
    InboxMonth,
    MonthStatus,
    WarehouseMonths,
    month_range,
    plan_loads,
)
from amisdw.settings import Settings
from tests.delivery_builder import base_rows, write_delivery

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ok(month: str, fp: str) -> InboxMonth:
    return InboxMonth(month, MonthStatus.COMPLETE, fp)


def waiting(month: str) -> InboxMonth:
    return InboxMonth(month, MonthStatus.AWAITING, reason="no control file")


def actions(plan) -> dict[str, Action]:  # noqa: ANN001
    return {s.month: s.action for s in plan.steps}


# --- the sequencing policy --------------------------------------------------------------------


def test_new_redelivered_and_repeated_deliveries():
    assert plan_loads([waiting("202401")], WarehouseMonths()).loads == []
    assert plan_loads([ok("202401", "a")], WarehouseMonths()).loads == ["202401"]
    loaded = WarehouseMonths(loaded={"202401": "a"})
    assert actions(plan_loads([ok("202401", "a")], loaded)) == {"202401": Action.CURRENT}
    assert plan_loads([ok("202401", "b")], loaded).loads == ["202401"]  # re-delivered


def test_a_month_never_loaded_holds_back_every_later_month():
    observed = [ok("202401", "a"), waiting("202402"), ok("202403", "c"), ok("202404", "d")]
    plan = plan_loads(observed, WarehouseMonths(loaded={"202401": "a"}))
    assert plan.loads == []
    assert actions(plan) == {
        "202401": Action.CURRENT,
        "202402": Action.WAITING,
        "202403": Action.HELD,
        "202404": Action.HELD,
    }
    assert "earlier month 202402" in plan.steps[2].reason


def test_a_missing_month_folder_is_a_gap_that_holds_back_later_months():
    plan = plan_loads([ok("202401", "a"), ok("202403", "c")], WarehouseMonths())
    assert actions(plan) == {
        "202401": Action.LOAD,
        "202402": Action.WAITING,
        "202403": Action.HELD,
    }


def test_a_month_loaded_before_keeps_its_version_while_being_redelivered():
    state = WarehouseMonths(loaded={"202401": "a", "202402": "b"})
    observed = [ok("202401", "x"), waiting("202402"), ok("202403", "c")]
    plan = plan_loads(observed, state)
    assert plan.loads == ["202401", "202403"]
    assert "loaded earlier stays" in plan.steps[1].reason


def test_a_quarantined_delivery_holds_back_later_months_until_corrected():
    observed = [ok("202401", "a"), ok("202402", "bad"), ok("202403", "c")]
    state = WarehouseMonths(loaded={"202401": "a"}, quarantined={"202402": frozenset({"bad"})})
    plan = plan_loads(observed, state)
    assert actions(plan) == {
        "202401": Action.CURRENT,
        "202402": Action.QUARANTINED,
        "202403": Action.HELD,
    }
    assert [s.month for s in plan.errors] == ["202402"]
    corrected = [ok("202401", "a"), ok("202402", "good"), ok("202403", "c")]
    assert plan_loads(corrected, state).loads == ["202402", "202403"]


def test_broken_delivery_is_an_error_and_blocks():
    observed = [InboxMonth("202401", MonthStatus.BROKEN, "f", "MD5 differs"), ok("202402", "b")]
    plan = plan_loads(observed, WarehouseMonths())
    assert actions(plan) == {"202401": Action.BROKEN, "202402": Action.HELD}


def test_a_run_loads_only_its_months_and_nothing_after_a_new_month_outside_them():
    observed = [ok("202401", "a"), ok("202402", "b"), ok("202403", "c")]
    plan = plan_loads(observed, WarehouseMonths(), within={"202402", "202403"})
    assert actions(plan) == {
        "202401": Action.OUTSIDE,
        "202402": Action.HELD,
        "202403": Action.HELD,
    }
    plan = plan_loads(observed, WarehouseMonths(loaded={"202401": "a"}), within={"202402"})
    assert plan.loads == ["202402"] and actions(plan)["202403"] is Action.OUTSIDE


def test_month_range_crosses_years_and_starts_anywhere():
    assert month_range("200511", "200602") == ["200511", "200512", "200601", "200602"]
    assert len(month_range("200001", "200912")) == 120


# --- partitions follow the deliveries ---------------------------------------------------------


def test_partitions_start_at_the_first_delivered_month_or_the_setting():
    now = dt.datetime(2026, 12, 2, tzinfo=SHANGHAI)
    keys = partition_keys(monthly_partitions("", ["200503", "200504"], "Asia/Shanghai", now), now)
    assert keys[0] == "200503" and keys[-1] == "202611"
    keys = partition_keys(monthly_partitions("201101", ["200503"], "Asia/Shanghai", now), now)
    assert keys[0] == "201101"
    # a delivery dated after the month just ended widens the partitions to it
    keys = partition_keys(monthly_partitions("", ["202612", "202702"], "Asia/Shanghai", now), now)
    assert keys[0] == "202612" and keys[-1] == "202702"


# --- schedule ---------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.create(
        inbox=str(tmp_path / "inbox"), warehouse=str(tmp_path / "wh" / "warehouse.duckdb")
    )


def test_schedule_runs_the_5th_at_6_shanghai_for_the_month_just_closed(settings):
    partitions = monthly_partitions("202301", [], "Asia/Shanghai")
    schedule = build_schedule(settings, partitions)
    assert schedule.cron_schedule == "0 6 5 * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "monthly_refresh"
    tick = dt.datetime(2024, 4, 5, 6, 0, tzinfo=SHANGHAI)
    request = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "202403"
    assert request.tags["amisdw/trigger"] == "schedule"
    # a month before the first delivered one is no partition
    early = dt.datetime(2023, 1, 5, 6, 0, tzinfo=SHANGHAI)
    assert isinstance(
        schedule(dg.build_schedule_context(scheduled_execution_time=early)), dg.SkipReason
    )


def test_schedule_cron_and_timezone_are_settings(tmp_path: Path):
    custom = Settings.from_env(
        {"AMISDW_SCHEDULE_CRON": "30 7 3 * *", "AMISDW_SCHEDULE_TIMEZONE": "UTC"},
        warehouse=str(tmp_path / "w.duckdb"),
    )
    schedule = build_schedule(custom, monthly_partitions("202301", [], "UTC"))
    assert schedule.cron_schedule == "30 7 3 * *" and schedule.execution_timezone == "UTC"


@pytest.mark.parametrize(
    ("tick", "month"),
    [
        (dt.datetime(2025, 1, 5, 6, 0, tzinfo=SHANGHAI), "202412"),  # across the year
        # 22:30 UTC on 4 Feb is already 5 Feb in Shanghai: the January refresh
        (dt.datetime(2025, 2, 4, 22, 30, tzinfo=dt.UTC), "202501"),
        (dt.datetime(2025, 3, 5, 6, 0), "202502"),  # naive: taken as Shanghai time
    ],
)
def test_scheduled_month(tick, month):
    assert scheduled_month(tick, "Asia/Shanghai") == month


# --- sensor ticks against a temporary inbox ---------------------------------------------------


def tick(settings: Settings, instance: dg.DagsterInstance) -> dg.SensorResult:
    months = sorted(p.name for p in settings.inbox_path.glob("[0-9]*"))
    sensor = build_inbox_sensor(settings, monthly_partitions("", months, "Asia/Shanghai"))
    result = sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(result, dg.SensorResult)
    return result


def test_sensor_ticks(settings):
    inbox = settings.inbox_path
    with dg.instance_for_test() as instance:
        # incomplete: the data files are there, the control file is not → no run
        write_delivery(inbox, "202401", control=False)
        result = tick(settings, instance)
        assert not result.run_requests and "no control file" in str(result.skip_reason)

        # the control file arrives → one run for 202401
        shutil.rmtree(inbox / "202401")
        write_delivery(inbox, "202401")
        first = tick(settings, instance)
        assert [r.partition_key for r in first.run_requests] == ["202401"]
        # asked again before the run: the same run key (Dagster launches it once)
        assert tick(settings, instance).run_requests[0].run_key == first.run_requests[0].run_key

        # AMIS re-delivers the month (new content, new control file) → a different run
        rows = base_rows("202401")
        rows["ACTIVITY"][0]["Visits"] = "31"
        write_delivery(inbox, "202401", rows)
        redelivered = tick(settings, instance)
        assert redelivered.run_requests[0].run_key != first.run_requests[0].run_key

        # two new months are one run over their range
        write_delivery(inbox, "202402")
        write_delivery(inbox, "202403")
        (request,) = tick(settings, instance).run_requests
        assert request.partition_key is None
        assert request.tags["dagster/asset_partition_range_start"] == "202401"
        assert request.tags["dagster/asset_partition_range_end"] == "202403"


def test_run_request_for_one_month_names_its_partition():
    plan = plan_loads([ok("202401", "a")], WarehouseMonths())
    assert run_request(plan, "test").partition_key == "202401"
