"""Attendance and activity (ACTIVITY): one row per agent per month in service that month."""

from __future__ import annotations

import numpy as np

from amisdw.generate import config
from amisdw.generate.dates import Month, busdays


def duty_days(month: Month, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Duty days between first and last (inclusive) of ``month``: weekdays less the month's
    public holidays, pro rata for part months."""
    full = int(busdays(month.first, month.last))
    days = np.asarray(busdays(first, last))
    scaled = np.rint(days * (month.workdays / max(full, 1))).astype(np.int64)
    return np.clip(scaled, 0, month.workdays)


def activity_columns(
    rng: np.random.Generator,
    month: Month,
    codes: np.ndarray,
    grade: np.ndarray,
    duty: np.ndarray,
    present: np.ndarray,
    skill: np.ndarray,
) -> dict[str, np.ndarray]:
    """``duty`` = recorded duty days, ``present`` = days the agent could really attend."""
    k = len(codes)
    a = config.ATTENDANCE_MEAN * 10
    attend_p = rng.beta(a, 10 - a, k)
    attend = rng.binomial(np.minimum(duty, present), attend_p)
    quota = config.VISIT_QUOTA_BY_MONTH[month.moy - 1]
    ratio = rng.lognormal(np.log(config.VISIT_RATIO_MEDIAN), config.VISIT_RATIO_SIGMA, k)
    ratio = ratio * np.asarray(skill) ** 0.2
    visits = np.rint(quota * attend * ratio).astype(np.int64)
    prospects = rng.binomial(visits, 0.18)
    interviews = rng.poisson(np.where(grade >= config.B01, 2.2, 0.4) * (attend > 0))
    return {
        "AgentCode": codes,
        "StatMonth": np.full(k, month.label),
        "DutyDays": duty.astype(np.int64),
        "AttendDays": attend.astype(np.int64),
        "Visits": visits,
        "NewProspects": prospects.astype(np.int64),
        "RecruitInterviews": interviews.astype(np.int64),
    }
