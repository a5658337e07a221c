"""Monthly partitions: one per AMIS delivery month, keyed ``YYYYMM`` like the inbox folders.

Every asset of the refresh (ingestion, the dbt models, publish) shares this definition, so a
run or a backfill over a range of months is one run through the whole graph.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

import dagster as dg

FIRST_MONTH_ENV = "AMISDW_FIRST_MONTH"
DEFAULT_FIRST_MONTH = "202301"
TIMEZONE = "Asia/Shanghai"


def first_month() -> str:
    return os.environ.get(FIRST_MONTH_ENV, DEFAULT_FIRST_MONTH)


# end_offset=0: a month becomes a partition once it has ended (Asia/Shanghai), which is when
# AMIS can close it and deliver it.
monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=first_month(), fmt="%Y%m", timezone=TIMEZONE, end_offset=0
)


def previous_month(moment: dt.datetime) -> str:
    """The month (``YYYYMM``) before the one ``moment`` falls in: the month AMIS just closed."""
    first_of_month = moment.date().replace(day=1)
    return (first_of_month - dt.timedelta(days=1)).strftime("%Y%m")


def month_window(context: dg.AssetExecutionContext) -> tuple[str | None, str | None]:
    """The run's partition window as (first, last) ``YYYYMM``; (None, None) when unpartitioned."""
    if not context.has_partition_key_range:
        return None, None
    window = context.partition_key_range
    return window.start, window.end


def partition_months(at: dt.datetime | None = None) -> list[str]:
    """Every partition key (``YYYYMM``) that exists at ``at`` (default: now)."""
    return list(monthly_partitions.get_partition_keys(current_time=at))


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make a run cover partitions ``start``…``end`` (one run for the range)."""
    return {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }


def build_window(months: Iterable[str], at: dt.datetime | None = None) -> tuple[str, str]:
    """The partition range a whole-history build covers: the first to the last of ``months``
    that are partitions (the first partition when there are none)."""
    keys = partition_months(at)
    valid = sorted(set(months) & set(keys)) or keys[:1]
    return valid[0], valid[-1]
