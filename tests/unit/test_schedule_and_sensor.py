"""The monthly schedule and the inbox sensor, evaluated without a Dagster instance."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from amisdw.resources import InboxResource
from amisdw.schedules import (
    CRON_ENV,
    DEFAULT_CRON,
    monthly_refresh_schedule,
    schedule_cron,
    scheduled_month,
)
from amisdw.sensors import InboxMonth, MonthRun, inbox_sensor, plan_runs, read_cursor, run_request
from tests.delivery_builder import base_rows, write_delivery

SHANGHAI = ZoneInfo("Asia/Shanghai")
PARTITIONS = {f"2024{m:02d}" for m in range(1, 13)}


# --- schedule ---------------------------------------------------------------------------------


def test_schedule_runs_the_5th_at_6_shanghai_for_the_month_just_closed():
    assert monthly_refresh_schedule.cron_schedule == DEFAULT_CRON == "0 6 5 * *"
    assert monthly_refresh_schedule.execution_timezone == "Asia/Shanghai"
    assert monthly_refresh_schedule.job_name == "monthly_refresh"
    tick = dt.datetime(2024, 4, 5, 6, 0, tzinfo=SHANGHAI)
    request = monthly_refresh_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "202403"
    assert request.tags["amisdw/trigger"] == "schedule"


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


def test_schedule_skips_months_before_the_first_partition():
    tick = dt.datetime(2023, 1, 5, 6, 0, tzinfo=SHANGHAI)  # would refresh 202212
    result = monthly_refresh_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(result, dg.SkipReason)


def test_schedule_cron_is_configurable(monkeypatch):
    monkeypatch.setenv(CRON_ENV, "30 7 3 * *")
    assert schedule_cron() == "30 7 3 * *"
    monkeypatch.delenv(CRON_ENV)
    assert schedule_cron() == DEFAULT_CRON


# --- sensor decision (pure) -------------------------------------------------------------------


def ok(month: str, fp: str) -> InboxMonth:
    return InboxMonth(month, fp, complete=True)


def waiting(month: str, fp: str | None = None) -> InboxMonth:
    return InboxMonth(month, fp, complete=False, reason="no control file")


def test_plan_new_redelivered_and_repeated_deliveries():
    assert plan_runs([waiting("202401")], {}, PARTITIONS).runs == []
    first = plan_runs([ok("202401", "a")], {}, PARTITIONS)
    assert first.runs == [MonthRun("202401", "202401", {"202401": "a"})]
    assert first.cursor == {"202401": "a"}
    assert plan_runs([ok("202401", "a")], first.cursor, PARTITIONS).runs == []
    again = plan_runs([ok("202401", "b")], first.cursor, PARTITIONS)
    assert again.runs == [MonthRun("202401", "202401", {"202401": "b"})]
    assert again.cursor == {"202401": "b"}


def test_plan_new_months_are_one_run_over_their_range():
    observed = [ok("202401", "a"), ok("202402", "b"), ok("202403", "c")]
    plan = plan_runs(observed, {"202401": "a"}, PARTITIONS)
    assert plan.runs == [MonthRun("202402", "202403", {"202402": "b", "202403": "c"})]


def test_plan_never_delivered_month_holds_back_later_months():
    observed = [ok("202401", "a"), waiting("202402"), ok("202403", "c")]
    plan = plan_runs(observed, {"202401": "a"}, PARTITIONS)
    assert plan.runs == []
    assert "202403" not in plan.cursor  # requested once 202402 arrives
    assert any("202402" in n for n in plan.notes)


def test_plan_steps_over_a_month_being_redelivered():
    cursor = {"202401": "a", "202402": "b"}
    observed = [ok("202401", "x"), waiting("202402"), ok("202403", "c")]
    plan = plan_runs(observed, cursor, PARTITIONS)
    assert plan.runs == [
        MonthRun("202401", "202401", {"202401": "x"}),
        MonthRun("202403", "202403", {"202403": "c"}),
    ]
    assert plan.cursor == {"202401": "x", "202402": "b", "202403": "c"}


def test_plan_ignores_months_that_are_not_partitions():
    plan = plan_runs([ok("202212", "a"), ok("202401", "b")], {}, PARTITIONS)
    assert plan.runs == [MonthRun("202401", "202401", {"202401": "b"})]


def test_run_request_for_a_range_is_one_run():
    request = run_request(MonthRun("202402", "202403", {"202402": "b", "202403": "c"}))
    assert request.partition_key is None
    assert request.tags["dagster/asset_partition_range_start"] == "202402"
    assert request.tags["dagster/asset_partition_range_end"] == "202403"
    single = run_request(MonthRun("202401", "202401", {"202401": "a"}))
    assert single.partition_key == "202401"
    assert single.run_key != request.run_key


def test_cursor_round_trip_and_garbage():
    assert read_cursor(None) == {}
    assert read_cursor("not json") == {}
    assert read_cursor('{"202401": "a", "junk": "b"}') == {"202401": "a"}


# --- sensor ticks against a temporary inbox ---------------------------------------------------


def tick(inbox: Path, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        cursor=cursor, resources={"inbox": InboxResource(path=str(inbox))}
    )
    result = inbox_sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def test_sensor_ticks(tmp_path):
    inbox = tmp_path / "inbox"
    # incomplete: the data files are there, the control file is not → no run
    write_delivery(inbox, "202401", control=False)
    result = tick(inbox, None)
    assert not result.run_requests
    assert json.loads(result.cursor) == {}

    # the control file arrives → one run for 202401
    shutil.rmtree(inbox / "202401")
    write_delivery(inbox, "202401")
    result = tick(inbox, result.cursor)
    assert [r.partition_key for r in result.run_requests] == ["202401"]
    assert result.run_requests[0].job_name in (None, "monthly_refresh")
    fingerprint = json.loads(result.cursor)["202401"]

    # the same delivery again → nothing
    again = tick(inbox, result.cursor)
    assert not again.run_requests
    assert again.cursor == result.cursor

    # AMIS re-delivers the month (new content, new control file) → one run
    rows = base_rows("202401")
    rows["ACTIVITY"][0]["Visits"] = "31"
    write_delivery(inbox, "202401", rows)
    redelivered = tick(inbox, again.cursor)
    assert [r.partition_key for r in redelivered.run_requests] == ["202401"]
    assert json.loads(redelivered.cursor)["202401"] != fingerprint
    assert redelivered.run_requests[0].run_key != result.run_requests[0].run_key
    assert not tick(inbox, redelivered.cursor).run_requests
