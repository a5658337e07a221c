"""Dates as int32 day numbers (days since 1970-01-01) and the months of the window.

``NULL_DAY`` (-1) marks a missing date in the state arrays (1969-12-31 never occurs in
the generated data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from amisdw.generate import config

NULL_DAY = -1


def day(y: int, m: int, d: int) -> int:
    return int(np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D").astype(np.int64))


def iso(days: int) -> str:
    return str(np.datetime64(int(days), "D"))


def abs_month(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day number."""
    return (
        np.asarray(days, dtype="int64")
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def month_first_day(abs_months: np.ndarray | int) -> np.ndarray:
    return (
        np.asarray(abs_months, dtype=np.int64)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )


def add_months(days: np.ndarray, k: int | np.ndarray) -> np.ndarray:
    """Same day of month k months later, clipped to the month's last day."""
    days = np.asarray(days, dtype=np.int64)
    am = abs_month(days)
    dom = days - month_first_day(am)
    target = am + k
    last = month_first_day(target + 1) - 1
    return np.minimum(month_first_day(target) + dom, last)


def add_years(days: np.ndarray, k: int | np.ndarray) -> np.ndarray:
    return add_months(days, np.asarray(k) * 12)


def yyyymm(abs_month_: int) -> str:
    y, m = divmod(int(abs_month_), 12)
    return f"{1970 + y:04d}{m + 1:02d}"


def parse_yyyymm(s: str) -> int:
    if len(s) != 6 or not s.isdigit() or not 1 <= int(s[4:]) <= 12:
        raise ValueError(f"not a YYYYMM month: {s!r}")
    return (int(s[:4]) - 1970) * 12 + int(s[4:]) - 1


@dataclass(frozen=True)
class Month:
    """One month of the window: index i (0 = start), absolute month, first/last day."""

    index: int
    abs: int
    first: int
    last: int

    @classmethod
    def of(cls, index: int, start_abs: int) -> Month:
        a = start_abs + index
        first = int(month_first_day(a))
        return cls(index, a, first, int(month_first_day(a + 1)) - 1)

    @property
    def ndays(self) -> int:
        return self.last - self.first + 1

    @property
    def label(self) -> str:
        return yyyymm(self.abs)

    @property
    def year(self) -> int:
        return 1970 + self.abs // 12

    @property
    def moy(self) -> int:
        """Month of year, 1..12."""
        return self.abs % 12 + 1

    @property
    def quarter_label(self) -> str:
        return f"{self.year}Q{(self.moy - 1) // 3 + 1}"

    @property
    def workdays(self) -> int:
        return busdays(self.first, self.last) - config.HOLIDAY_WEEKDAYS[self.moy - 1]


def busdays(first: np.ndarray | int, last: np.ndarray | int) -> np.ndarray | int:
    """Weekdays between first and last inclusive (0 where last < first)."""
    f = np.asarray(first, dtype=np.int64).astype("datetime64[D]")
    lst = np.asarray(last, dtype=np.int64).astype("datetime64[D]")
    out = np.busday_count(f, lst + np.timedelta64(1, "D"))
    out = np.maximum(out, 0)
    return int(out) if out.ndim == 0 else out
