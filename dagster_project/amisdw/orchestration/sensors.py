"""The inbox sensor: refresh when AMIS delivers a month, and again when it re-delivers one.

Each tick decides with the one sequencing policy (amisdw.sequencing), from what the inbox holds
and what the build warehouse holds, so it never strands a month: after a quarantined month,
the months after it wait, and they load with its corrected re-delivery.

1. While a ``monthly_refresh`` run is queued or in progress, the tick waits (that run is
   changing what the warehouse holds).
2. The loaded and quarantined deliveries are read from the build warehouse (read-only).
3. The inbox is observed: months whose control file is the loaded one are not re-verified.
4. The policy's loads become one run over their range of partitions, with a run key naming
   the deliveries, so the same deliveries never launch twice.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb

from amisdw.errors import AmisdwError
from amisdw.extracts.load import warehouse_months
from amisdw.ingest import observe
from amisdw.orchestration.jobs import monthly_refresh
from amisdw.orchestration.partitions import partition_keys, range_tags
from amisdw.sequencing import Action, Plan, WarehouseMonths, plan_loads
from amisdw.settings import Settings

IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def read_warehouse_months(build: Path) -> WarehouseMonths:
    """Loaded and quarantined deliveries of the build file, opened read-only (empty when the
    file does not exist yet). Raises duckdb.IOException while a writer holds it."""
    if not build.exists():
        return WarehouseMonths()
    with duckdb.connect(str(build), read_only=True) as con:
        return warehouse_months(con)


def run_request(plan: Plan, trigger: str) -> dg.RunRequest:
    """One run over the range of the plan's loads, keyed by the deliveries it loads."""
    loads = plan.of(Action.LOAD)
    deliveries = {s.month: s.fingerprint or "" for s in loads}
    digest = hashlib.md5(json.dumps(deliveries, sort_keys=True).encode()).hexdigest()
    start, end = loads[0].month, loads[-1].month
    tags = {
        "amisdw/trigger": trigger,
        "amisdw/deliveries": ",".join(f"{m}:{fp[:8]}" for m, fp in deliveries.items())[:1000],
    }
    key = f"{start}-{end}:{digest[:12]}"
    if start == end:
        return dg.RunRequest(run_key=key, partition_key=start, tags=tags)
    return dg.RunRequest(run_key=key, tags={**tags, **range_tags(start, end)})


def plan_tick(settings: Settings, partitions: dg.PartitionsDefinition) -> Plan | str:
    """The plan of a tick, or why the tick waits."""
    try:
        state = read_warehouse_months(settings.build)
    except duckdb.IOException:
        return "the build warehouse is being written (an `amisdw run`?); next tick"
    except duckdb.Error as exc:  # never guess: an unreadable state would reload everything
        return f"the build warehouse {settings.build} cannot be read ({exc}); next tick"
    try:
        obs = observe(settings.inbox_path, settings.first_month, state.loaded, verify=True)
    except AmisdwError as exc:
        return str(exc)
    return plan_loads(obs.months, state, within=set(partition_keys(partitions)))


def build_inbox_sensor(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> dg.SensorDefinition:
    @dg.sensor(
        name="inbox_sensor",
        job=monthly_refresh,
        minimum_interval_seconds=settings.sensor_interval_seconds,
        description="Watches the inbox (setting inbox, AMISDW_INBOX): when a month's delivery is "
        "complete, or a month is re-delivered (new control file), launches monthly_refresh "
        "over the months the sequencing policy loads; never twice for the same deliveries.",
    )
    def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        running = context.instance.get_run_records(
            dg.RunsFilter(job_name=monthly_refresh.name, statuses=IN_FLIGHT), limit=1
        )
        if running:
            return dg.SensorResult(skip_reason="a monthly_refresh run is in progress")
        plan = plan_tick(settings, partitions)
        if isinstance(plan, str):
            return dg.SensorResult(skip_reason=plan)
        for step in plan.steps:
            if step.action not in (Action.CURRENT, Action.LOAD):
                context.log.info(f"{step.month}: {step.action} — {step.reason}")
        if not plan.loads:
            waiting = [
                f"{s.month}: {s.reason}" for s in plan.steps if s.action is not Action.CURRENT
            ]
            return dg.SensorResult(
                skip_reason="; ".join(waiting[:3]) or "no new or re-delivered month"
            )
        return dg.SensorResult(run_requests=[run_request(plan, "inbox_sensor")])

    return inbox_sensor
