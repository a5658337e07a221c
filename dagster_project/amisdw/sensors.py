"""The inbox sensor: refresh when AMIS delivers a month, and again when it re-delivers one.

A delivery is identified by its fingerprint, the MD5 of its control file (as in
``amisdw.extracts.delivery``). The cursor maps each month to the fingerprint of the last
delivery the sensor requested a run for, so the same delivery never launches twice and a
re-delivery (a new control file) launches once.

Each tick:

1. ``observe_inbox``: every month folder, its control file's fingerprint and whether the
   delivery is complete. Months whose control file is the one already requested are not
   re-verified (no MD5 of every data file every tick).
2. ``plan_runs`` (pure): which runs to request. Months load oldest first and history has no
   gap, so a month that never got a complete delivery holds back every later month; a month
   being re-delivered (requested before, incomplete now) is stepped over. The new deliveries
   of each stretch of complete months become one run over their range of partitions (a first
   tick on a full inbox is one run, not one per month).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from amisdw.assets.partitions import partition_months
from amisdw.extracts.control import MONTH_RE, control_path, file_md5
from amisdw.extracts.delivery import check_delivery
from amisdw.jobs import monthly_refresh
from amisdw.resources import InboxResource

INTERVAL_ENV = "AMISDW_SENSOR_INTERVAL_SECONDS"
DEFAULT_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class InboxMonth:
    """What the sensor sees of one month folder."""

    month: str
    fingerprint: str | None  # MD5 of the control file; None while there is none
    complete: bool
    reason: str = ""  # why it is incomplete


@dataclass(frozen=True)
class MonthRun:
    """One run to request: partitions ``start``…``end`` for the new ``deliveries``."""

    start: str
    end: str
    deliveries: Mapping[str, str]  # month → fingerprint

    @property
    def run_key(self) -> str:
        digest = hashlib.md5(json.dumps(dict(self.deliveries), sort_keys=True).encode()).hexdigest()
        return f"{self.start}-{self.end}:{digest[:12]}"


@dataclass
class Plan:
    runs: list[MonthRun] = field(default_factory=list)
    cursor: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_cursor(cursor: str | None) -> dict[str, str]:
    """The cursor as month → fingerprint ({} when unset or unreadable)."""
    try:
        value = json.loads(cursor or "{}")
    except json.JSONDecodeError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if MONTH_RE.match(str(k))}


def write_cursor(cursor: Mapping[str, str]) -> str:
    return json.dumps(dict(cursor), sort_keys=True)


def observe_inbox(inbox: Path, cursor: Mapping[str, str]) -> list[InboxMonth]:
    """Every ``YYYYMM`` folder of ``inbox`` in month order, with its delivery's state."""
    if not inbox.is_dir():
        return []
    observed = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir() and MONTH_RE.match(p.name)):
        ok = control_path(folder)
        fingerprint = file_md5(ok) if ok.is_file() else None
        if fingerprint is not None and cursor.get(folder.name) == fingerprint:
            observed.append(InboxMonth(folder.name, fingerprint, complete=True))
            continue
        delivery = check_delivery(folder)
        observed.append(
            InboxMonth(
                folder.name,
                delivery.fingerprint or fingerprint,
                complete=delivery.complete,
                reason="; ".join(delivery.reasons),
            )
        )
    return observed


def plan_runs(
    observed: Sequence[InboxMonth], cursor: Mapping[str, str], partitions: Collection[str]
) -> Plan:
    """The runs to request for ``observed`` given ``cursor``, and the cursor after them.

    ``partitions``: the month keys that exist now (others are noted and left alone).
    """
    plan = Plan(cursor=dict(cursor))
    stretches: list[list[InboxMonth]] = [[]]
    for m in sorted(observed, key=lambda o: o.month):
        if m.month not in partitions:
            plan.notes.append(f"{m.month}: not a partition yet (or before AMISDW_FIRST_MONTH)")
            continue
        if m.complete:
            stretches[-1].append(m)
            continue
        if m.month not in cursor:
            plan.notes.append(f"{m.month}: waiting for a complete delivery ({m.reason})")
            if any(later.month > m.month for later in observed):
                plan.notes.append(f"months after {m.month} wait for it")
            break
        plan.notes.append(f"{m.month}: being re-delivered ({m.reason}); stepped over")
        stretches.append([])
    for stretch in stretches:
        new = [m for m in stretch if m.fingerprint and cursor.get(m.month) != m.fingerprint]
        if not new:
            continue
        deliveries = {m.month: str(m.fingerprint) for m in new}
        plan.runs.append(MonthRun(new[0].month, new[-1].month, deliveries))
        plan.cursor.update(deliveries)
    return plan


def run_request(run: MonthRun) -> dg.RunRequest:
    tags = {
        "amisdw/trigger": "inbox_sensor",
        "amisdw/deliveries": ",".join(f"{m}:{fp[:8]}" for m, fp in run.deliveries.items())[:1000],
    }
    if run.start == run.end:
        return dg.RunRequest(run_key=run.run_key, partition_key=run.start, tags=tags)
    tags["dagster/asset_partition_range_start"] = run.start
    tags["dagster/asset_partition_range_end"] = run.end
    return dg.RunRequest(run_key=run.run_key, tags=tags)


def sensor_interval() -> int:
    return int(os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL_SECONDS)


@dg.sensor(
    name="inbox_sensor",
    job=monthly_refresh,
    minimum_interval_seconds=sensor_interval(),
    description="Watches the inbox (AMISDW_INBOX): when a month's control file appears and the "
    "delivery is complete, or a month is re-delivered (new control file), launches "
    "monthly_refresh for it; never twice for the same delivery (cursor: month → control-file MD5).",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: InboxResource) -> dg.SensorResult:
    cursor = read_cursor(context.cursor)
    observed = observe_inbox(inbox.resolved(), cursor)
    plan = plan_runs(observed, cursor, set(partition_months()))
    for note in plan.notes:
        context.log.info(note)
    if not plan.runs:
        reason = "; ".join(plan.notes) or "no new or re-delivered month"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=write_cursor(plan.cursor))
    return dg.SensorResult(
        run_requests=[run_request(r) for r in plan.runs], cursor=write_cursor(plan.cursor)
    )
