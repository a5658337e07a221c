"""Ingest one delivery month into the build warehouse's raw schema: parse its files once,
run the quality gates on what was parsed, then load it, or quarantine it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from amisdw.errors import DeliveryIncomplete
from amisdw.extracts.delivery import Delivery, Observation, check_delivery, observe_inbox
from amisdw.extracts.load import (
    LoadResult,
    checkpoints_deferred,
    ensure_raw_schema,
    load_delivery,
    loaded_fingerprints,
    warehouse_months,
)
from amisdw.extracts.parse import ParsedDelivery, parse_deliveries, parse_delivery
from amisdw.quality import quarantine
from amisdw.quality.gates import BatchGates, GxSuites, batch_gates, run_gates
from amisdw.sequencing import Action, Plan, Step, WarehouseMonths, plan_loads


def ingest_delivery(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, quality_dir: Path
) -> LoadResult:
    """Gate and load a complete, verified delivery; raise DeliveryQuarantined if a gate fails.

    ``quality_dir`` receives the GX project (``gx/``: validation results, Data Docs) and the
    quarantine reports (``quarantine/``)."""
    if loaded_fingerprints(con).get(delivery.month) == delivery.fingerprint:
        return LoadResult(
            delivery.month,
            delivery.fingerprint,
            loaded=False,
            skipped_reason="already loaded (same control file)",
        )
    parsed = parse_delivery(delivery)
    gates = run_gates(parsed, con, quality_dir / "gx")
    if not gates.passed:
        report = quarantine.record(con, gates, quality_dir / "quarantine")
        raise quarantine.DeliveryQuarantined(quarantine.message(gates, report), gates)
    result = load_delivery(con, parsed)
    result.warnings[:0] = delivery.warnings
    return result


def ingest_month(
    con: duckdb.DuckDBPyConnection, inbox: Path, month: str, quality_dir: Path
) -> LoadResult:
    """Check ``inbox/<month>`` against its control file, then :func:`ingest_delivery`."""
    folder = inbox / month
    if not folder.is_dir():
        raise DeliveryIncomplete(
            f"No delivery for {month}: folder {folder} does not exist. Wait for AMIS to deliver "
            "the month, or check the inbox path (--inbox / AMISDW_INBOX)."
        )
    delivery = check_delivery(folder)
    if not delivery.complete:
        raise DeliveryIncomplete(
            f"Delivery {month} is incomplete and was not loaded: "
            + "; ".join(delivery.reasons)
            + ". Nothing was changed; re-run once AMIS has re-delivered the month."
        )
    return ingest_delivery(con, delivery, quality_dir)


@dataclass
class IngestOutcome:
    """What one ingestion run did: the final decision of every month (the policy's steps,
    with the reason a load failed), rows loaded per family, and warnings."""

    steps: list[Step] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    quarantines: list[quarantine.DeliveryQuarantined] = field(default_factory=list)
    docs_index: Path | None = None  # the GX Data Docs of the quality gates

    @property
    def loaded(self) -> list[str]:
        return [s.month for s in self.steps if s.action is Action.LOADED]


def observe(inbox: Path, first_month: str, loaded: Mapping[str, str], verify: bool) -> Observation:
    """The inbox as the policy sees it: months before ``first_month`` (a setting) left out."""
    obs = observe_inbox(inbox, loaded, verify=verify)
    if first_month:
        early = [m.month for m in obs.months if m.month < first_month]
        if early:
            obs.warnings.append(
                f"{len(early)} month folder(s) before the first month {first_month} "
                f"(AMISDW_FIRST_MONTH) ignored: {early[0]}…{early[-1]}"
            )
        obs.months = [m for m in obs.months if m.month >= first_month]
    return obs


BATCH_BYTES = 512 << 20  # months whose files add up to this are parsed and validated together


def ingest_months(
    con: duckdb.DuckDBPyConnection,
    inbox: Path,
    quality_dir: Path,
    first_month: str = "",
    within: Collection[str] | None = None,
    log: Callable[[str], None] = lambda _: None,
    batch_bytes: int = BATCH_BYTES,
    progress: Callable[[int, int, str], None] = lambda done, total, month: None,
) -> IngestOutcome:
    """Load every month the sequencing policy allows, oldest first, re-deciding after each
    month (a quarantine holds back what the policy says). ``within``: the run's months.

    Consecutive months are parsed and run through the GX suites together, in batches of up
    to ``batch_bytes`` of delivered files (the suites' cost is per validation, not per row);
    each month's cross-file checks and load (one transaction per month) then follow in month
    order, and the batch is checkpointed into the file once. ``progress`` hears (months
    decided, months to load, the month) after each month."""
    ensure_raw_schema(con)
    state = warehouse_months(con)
    obs = observe(inbox, first_month, state.loaded, verify=True)
    run = _Run(con, obs, state, within, quality_dir, IngestOutcome(warnings=list(obs.warnings)))
    run.log, run.progress = log, progress
    run.total = len(plan_loads(obs.months, state, within).loads)
    suites: GxSuites | None = None  # opened with the first month to validate
    progress(0, run.total, "")
    while batch := _next_batch(plan_loads(obs.months, run.state, within), obs, batch_bytes):
        parsed = dict(zip(batch, parse_deliveries([obs.deliveries[m] for m in batch]), strict=True))
        suites = suites or GxSuites(quality_dir / "gx")
        gates = batch_gates(list(parsed.values()), suites)
        with checkpoints_deferred(con):
            for month in batch:
                if not run.gate_and_load(month, parsed, gates):
                    break  # a quarantine held the rest back
        con.execute("CHECKPOINT")  # the batch's months, written to the file once
    final = plan_loads(obs.months, run.state, within)
    outcome = run.outcome
    outcome.steps = [run.done.get(s.month, s) for s in final.steps]
    if suites is not None:  # one Data Docs build per run, with every month's results
        outcome.docs_index = suites.build_docs()
    return outcome


@dataclass
class _Run:
    """The state of one :func:`ingest_months` run as its months are decided."""

    con: duckdb.DuckDBPyConnection
    obs: Observation
    state: WarehouseMonths
    within: Collection[str] | None
    quality_dir: Path
    outcome: IngestOutcome
    done: dict[str, Step] = field(default_factory=dict)
    total: int = 0
    log: Callable[[str], None] = lambda _: None
    progress: Callable[[int, int, str], None] = lambda done, total, month: None

    def gate_and_load(
        self, month: str, parsed: dict[str, ParsedDelivery], gates: BatchGates
    ) -> bool:
        """Finish ``month``'s gates and load or quarantine it; False when the policy no
        longer loads it next (a quarantine held it back)."""
        step = plan_loads(self.obs.months, self.state, self.within).next_load
        if step is None or step.month != month:
            return False
        delivery = self.obs.deliveries[month]
        self.outcome.warnings.extend(delivery.warnings)
        result = gates.finish(month, self.con)
        if not result.passed:
            report = quarantine.record(self.con, result, self.quality_dir / "quarantine")
            failure = quarantine.DeliveryQuarantined(quarantine.message(result, report), result)
            self.outcome.quarantines.append(failure)
            self.state = self.state.with_quarantined(month, delivery.fingerprint)
            self.done[month] = Step(month, Action.QUARANTINED, str(failure), step.fingerprint)
            self.log(f"{month}: quarantined")
        else:
            loaded = load_delivery(self.con, parsed.pop(month))
            self.state = self.state.with_loaded(month, delivery.fingerprint)
            self.outcome.warnings.extend(loaded.warnings)
            for family, n in loaded.rows.items():
                self.outcome.rows[family] = self.outcome.rows.get(family, 0) + n
            self.done[month] = Step(month, Action.LOADED, step.reason, step.fingerprint)
            self.log(f"{month}: loaded ({step.reason})")
        self.progress(len(self.done), self.total, month)
        return True


def _next_batch(plan: Plan, obs: Observation, batch_bytes: int) -> list[str]:
    """The next months to load, consecutive in the plan, up to ``batch_bytes`` of files (at
    least one month)."""
    batch: list[str] = []
    size = 0
    for step in plan.steps:
        if step.action is not Action.LOAD:
            if batch:
                break
            continue
        month_bytes = obs.deliveries[step.month].size_bytes
        if batch and size + month_bytes > batch_bytes:
            break
        batch.append(step.month)
        size += month_bytes
    return batch
