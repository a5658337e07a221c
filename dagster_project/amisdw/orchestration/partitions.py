"""Monthly partitions, keyed ``YYYYMM`` like the inbox folders, that follow the deliveries.

The first partition is the ``first_month`` setting or, by default, the earliest month folder
of the inbox when the definitions are built (history may start in any month, from 2000 on);
the last is the month that has just ended, or the latest delivered month if that is later.
Every asset of the refresh shares the definition, so a run or a backfill over a range of
months is one run through the whole graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import dagster as dg

from amisdw.sequencing import month_index, previous_month


def monthly_partitions(
    first_month: str, inbox_months: Sequence[str], timezone: str, now: dt.datetime | None = None
) -> dg.MonthlyPartitionsDefinition:
    """Partitions from ``first_month`` (or the earliest of ``inbox_months``; the month just
    ended if both are empty) to the later of the month just ended and the latest delivery."""
    moment = now or dt.datetime.now(ZoneInfo(timezone))
    ended = previous_month(moment)
    start = first_month or (min(inbox_months) if inbox_months else ended)
    latest = max([ended, *inbox_months])
    # end_offset=0: the last partition is the month that has just ended; deliveries dated
    # later (a generated or early export) widen it
    return dg.MonthlyPartitionsDefinition(
        start_date=start,
        fmt="%Y%m",
        timezone=timezone,
        end_offset=max(0, month_index(latest) - month_index(ended)),
    )


def partition_keys(partitions: dg.PartitionsDefinition, at: dt.datetime | None = None) -> list[str]:
    return list(partitions.get_partition_keys(current_time=at))


def month_window(context: dg.AssetExecutionContext) -> tuple[str | None, str | None]:
    """The run's partition window as (first, last) ``YYYYMM``; (None, None) when unpartitioned."""
    if not context.has_partition_key_range:
        return None, None
    window = context.partition_key_range
    return window.start, window.end


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make a run cover partitions ``start``…``end`` (one run for the range)."""
    return {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }
