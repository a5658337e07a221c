"""The monthly refresh schedule: after AMIS closes a month, refresh that month.

By default it runs on the 5th at 06:00 Asia/Shanghai and targets the month before (the one AMIS
has just closed). If AMIS has not delivered it yet, the run fails at ingestion with a message
naming the missing delivery, and the inbox sensor launches the refresh once it arrives.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import dagster as dg

from amisdw.assets.partitions import TIMEZONE, partition_months, previous_month
from amisdw.jobs import monthly_refresh

CRON_ENV = "AMISDW_SCHEDULE_CRON"
TIMEZONE_ENV = "AMISDW_SCHEDULE_TIMEZONE"
DEFAULT_CRON = "0 6 5 * *"  # minute hour day-of-month month day-of-week: the 5th at 06:00


def schedule_cron() -> str:
    return os.environ.get(CRON_ENV) or DEFAULT_CRON


def schedule_timezone() -> str:
    return os.environ.get(TIMEZONE_ENV) or TIMEZONE


def scheduled_month(scheduled_time: dt.datetime, timezone: str | None = None) -> str:
    """The partition a tick at ``scheduled_time`` refreshes: the previous month in ``timezone``
    (the schedule's; a naive time is taken to be in it)."""
    tz = ZoneInfo(timezone or schedule_timezone())
    local = scheduled_time.replace(tzinfo=tz) if scheduled_time.tzinfo is None else scheduled_time
    return previous_month(local.astimezone(tz))


@dg.schedule(
    name="monthly_refresh_schedule",
    job=monthly_refresh,
    cron_schedule=schedule_cron(),
    execution_timezone=schedule_timezone(),
    description="Refresh the month AMIS has just closed (AMISDW_SCHEDULE_CRON, default the 5th at "
    "06:00; AMISDW_SCHEDULE_TIMEZONE, default Asia/Shanghai).",
)
def monthly_refresh_schedule(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | dg.SkipReason:
    month = scheduled_month(context.scheduled_execution_time)
    if month not in partition_months(context.scheduled_execution_time):
        return dg.SkipReason(
            f"{month} is not a partition: before AMISDW_FIRST_MONTH, or not over yet"
        )
    return dg.RunRequest(partition_key=month, tags={"amisdw/trigger": "schedule"})
