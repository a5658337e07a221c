"""The one sequencing policy: in which order months load, and what holds a month back.

``amisdw run``, the inbox sensor, the schedule and every backfill decide with
:func:`plan_loads`, a pure function of what the inbox holds and what the build warehouse
holds. The ingestion asset calls it again after every month it loads or quarantines, so a
quarantine discovered mid-run holds back exactly the months the policy says.

The rules, month by month in calendar order from the first month of the inbox:

1. A month whose latest loaded delivery has the inbox's fingerprint (the MD5 of its
   control file) is **current**: nothing to do.
2. Every month builds on the ones before it (snapshots, event replay), so history must not
   have a gap: a month that was **never loaded** and cannot load now (still being written,
   files that disagree with their control file, a delivery already quarantined, missing
   from the inbox, or outside the run's months) **holds back** every later month.
3. A month that was loaded before and whose new delivery cannot load (being re-delivered,
   broken, quarantined) keeps its loaded version; later months go on.
4. Otherwise the month **loads** (new, or re-delivered with a new control file), unless an
   earlier month holds it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum


class MonthStatus(StrEnum):
    """What the inbox holds for a month."""

    COMPLETE = "complete"  # control file present and every file agrees with it
    AWAITING = "awaiting"  # no control file yet: AMIS is still writing the month
    BROKEN = "broken"  # files disagree with the control file, or it is malformed
    MISSING = "missing"  # no folder at all, between delivered months


@dataclass(frozen=True)
class InboxMonth:
    month: str  # YYYYMM
    status: MonthStatus
    fingerprint: str | None = None  # MD5 of the control file
    reason: str = ""


class Action(StrEnum):
    LOAD = "load"
    LOADED = "loaded"  # an ingestion run loaded it (what a LOAD step becomes)
    CURRENT = "current"  # already loaded, same delivery
    WAITING = "waiting"  # not loadable yet, not an error (being written, missing)
    BROKEN = "broken"  # an error to report: files disagree with their control file
    QUARANTINED = "quarantined"  # this delivery failed the quality gates
    OUTSIDE = "outside"  # new, but not among the run's months
    HELD = "held"  # held back by an earlier month


@dataclass(frozen=True)
class Step:
    month: str
    action: Action
    reason: str
    fingerprint: str | None = None


@dataclass(frozen=True)
class WarehouseMonths:
    """What the build warehouse holds: the loaded delivery of each month, and every
    delivery that was quarantined (month → fingerprints)."""

    loaded: Mapping[str, str] = field(default_factory=dict)
    quarantined: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def with_loaded(self, month: str, fingerprint: str) -> WarehouseMonths:
        return replace(self, loaded={**self.loaded, month: fingerprint})

    def with_quarantined(self, month: str, fingerprint: str) -> WarehouseMonths:
        seen = self.quarantined.get(month, frozenset())
        return replace(self, quarantined={**self.quarantined, month: seen | {fingerprint}})


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]

    def of(self, action: Action) -> list[Step]:
        return [s for s in self.steps if s.action is action]

    @property
    def loads(self) -> list[str]:
        return [s.month for s in self.of(Action.LOAD)]

    @property
    def next_load(self) -> Step | None:
        return next(iter(self.of(Action.LOAD)), None)

    @property
    def errors(self) -> list[Step]:
        """Deliveries that need AMIS to act: broken or quarantined ones."""
        return [s for s in self.steps if s.action in (Action.BROKEN, Action.QUARANTINED)]


def month_index(yyyymm: str) -> int:
    """A month's number counted from year 0 (so months subtract and shift across years)."""
    return int(yyyymm[:4]) * 12 + int(yyyymm[4:]) - 1


def shift_month(yyyymm: str, n: int) -> str:
    """The month ``n`` months after ``yyyymm`` (before it, for negative ``n``)."""
    y, m = divmod(month_index(yyyymm) + n, 12)
    return f"{y:04d}{m + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every YYYYMM from ``first`` to ``last`` inclusive."""
    y, m = int(first[:4]), int(first[4:])
    out = []
    while f"{y:04d}{m:02d}" <= last:
        out.append(f"{y:04d}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def with_gaps(observed: Iterable[InboxMonth]) -> list[InboxMonth]:
    """``observed`` in month order, with a MISSING entry for every month between the first
    and the last that has no folder."""
    by_month = {m.month: m for m in observed}
    if not by_month:
        return []
    months = month_range(min(by_month), max(by_month))
    return [
        by_month.get(m) or InboxMonth(m, MonthStatus.MISSING, reason="no folder in the inbox")
        for m in months
    ]


def plan_loads(
    observed: Sequence[InboxMonth],
    warehouse: WarehouseMonths,
    within: Collection[str] | None = None,
) -> Plan:
    """Decide every month of ``observed`` (see the module's rules). ``within``: the months a
    run may load (a partition range); None: any."""
    steps: list[Step] = []
    blocker: str | None = None
    for m in with_gaps(observed):
        loaded = warehouse.loaded.get(m.month)
        if m.status is MonthStatus.COMPLETE and loaded == m.fingerprint:
            steps.append(
                Step(m.month, Action.CURRENT, "already loaded (same control file)", m.fingerprint)
            )
            continue
        step = _decide(m, warehouse, within)
        if step.action is Action.LOAD and blocker:
            step = Step(
                m.month,
                Action.HELD,
                f"held back: earlier month {blocker} is not loaded",
                m.fingerprint,
            )
        elif step.action is not Action.LOAD and loaded is not None:
            step = replace(step, reason=_join(step.reason, "the delivery loaded earlier stays"))
        elif step.action is not Action.LOAD and blocker is None:
            blocker = m.month
            step = replace(step, reason=_join(step.reason, "later months wait for it"))
        steps.append(step)
    return Plan(tuple(steps))


def _join(reason: str, consequence: str) -> str:
    """A reason and what follows from it, as one sentence-ending clause ("…; later months …")."""
    return f"{reason.rstrip('.')}; {consequence}"


def _decide(m: InboxMonth, warehouse: WarehouseMonths, within: Collection[str] | None) -> Step:
    if m.status is MonthStatus.AWAITING:
        return Step(m.month, Action.WAITING, m.reason or "no control file yet", m.fingerprint)
    if m.status is MonthStatus.MISSING:
        return Step(m.month, Action.WAITING, m.reason or "not delivered", None)
    if m.status is MonthStatus.BROKEN:
        return Step(m.month, Action.BROKEN, m.reason or "incomplete delivery", m.fingerprint)
    if m.fingerprint in warehouse.quarantined.get(m.month, frozenset()):
        return Step(
            m.month,
            Action.QUARANTINED,
            "this delivery failed its quality gates; waiting for a corrected re-delivery",
            m.fingerprint,
        )
    if within is not None and m.month not in within:
        return Step(
            m.month, Action.OUTSIDE, "new delivery, not among this run's months", m.fingerprint
        )
    kind = "re-delivered" if m.month in warehouse.loaded else "new delivery"
    return Step(m.month, Action.LOAD, kind, m.fingerprint)


def previous_month(moment: dt.datetime) -> str:
    """The month (``YYYYMM``) before the one ``moment`` falls in: the month AMIS just closed."""
    first_of_month = moment.date().replace(day=1)
    return (first_of_month - dt.timedelta(days=1)).strftime("%Y%m")
