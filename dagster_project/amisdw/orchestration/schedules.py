"""The monthly refresh schedule: after AMIS closes a month, refresh that month.

By default it runs on the 5th at 06:00 Asia/Shanghai (settings ``schedule_cron`` and
``schedule_timezone``) and targets the month before, the one AMIS has just closed. The run
applies the sequencing policy: if AMIS has not delivered the month yet, it loads nothing and
its quality check says so, and the inbox sensor launches the refresh once the month arrives.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from amisdw.orchestration.jobs import monthly_refresh
from amisdw.orchestration.partitions import partition_keys
from amisdw.sequencing import previous_month
from amisdw.settings import Settings


def scheduled_month(scheduled_time: dt.datetime, timezone: str) -> str:
    """The partition a tick at ``scheduled_time`` refreshes: the previous month in ``timezone``
    (a naive time is taken to be in it)."""
    tz = ZoneInfo(timezone)
    local = scheduled_time.replace(tzinfo=tz) if scheduled_time.tzinfo is None else scheduled_time
    return previous_month(local.astimezone(tz))


def build_schedule(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="monthly_refresh_schedule",
        job=monthly_refresh,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_timezone,
        description="Refresh the month AMIS has just closed (settings schedule_cron, default "
        "the 5th at 06:00, and schedule_timezone, default Asia/Shanghai).",
    )
    def monthly_refresh_schedule(
        context: dg.ScheduleEvaluationContext,
    ) -> dg.RunRequest | dg.SkipReason:
        moment = context.scheduled_execution_time
        month = scheduled_month(moment, settings.schedule_timezone)
        if month not in partition_keys(partitions, moment):
            return dg.SkipReason(f"{month} is not a partition: before the first delivered month")
        return dg.RunRequest(partition_key=month, tags={"amisdw/trigger": "schedule"})

    return monthly_refresh_schedule
