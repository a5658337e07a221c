"""Monthly partitions: one per AMIS delivery month, keyed ``YYYYMM`` like the inbox folders."""

import os

import dagster as dg

FIRST_MONTH_ENV = "AMISDW_FIRST_MONTH"
DEFAULT_FIRST_MONTH = "202301"
TIMEZONE = "Asia/Shanghai"


def first_month() -> str:
    return os.environ.get(FIRST_MONTH_ENV, DEFAULT_FIRST_MONTH)


monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=first_month(), fmt="%Y%m", timezone=TIMEZONE, end_offset=0
)
