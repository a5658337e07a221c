"""Ingestion assets: one asset per extract family (``raw/<family>``), partitioned by delivery
month. A month's families load together in one transaction, so one multi-asset produces them.

The run's months are loaded by :func:`amisdw.ingest.ingest_months` under the sequencing
policy (amisdw.sequencing): oldest first, a quarantined month holding back only what the
policy says, so the good months of a range run are still built and published.

Each raw asset carries the asset check ``quality_gates``: the family's Great Expectations
suite, the parse checks and the cross-file checks of the run's deliveries. Raw only ever
holds deliveries that passed; a delivery that failed (quarantined, not loaded) or could not
load fails the check with severity WARN, which flags it without stranding the good months.
"""

import json
from collections.abc import Iterator

import dagster as dg
import duckdb

from amisdw.extracts.contract import FAMILIES, Family, family_of_file
from amisdw.ingest import IngestOutcome, ingest_months
from amisdw.locking import warehouse_lock
from amisdw.memory import release_unused_memory
from amisdw.progress import MONTHS, RunProgress
from amisdw.sequencing import Action
from amisdw.settings import Settings

WAREHOUSE_POOL = "amisdw_warehouse"
GATE_CHECK = "quality_gates"
STEPS_METADATA = "amisdw/steps"  # the policy's decision per month, as JSON
LOCK_WAIT_SECONDS = 6 * 3600.0  # a daemon-launched run waits its turn behind `amisdw run`
NOT_DONE = (Action.BROKEN, Action.QUARANTINED, Action.WAITING, Action.HELD, Action.OUTSIDE)


def raw_asset_key(family: Family) -> dg.AssetKey:
    return dg.AssetKey(["raw", family.raw_table])


RAW_SPECS = [
    dg.AssetSpec(
        raw_asset_key(f),
        description=f"{f.title_zh} — {f.description} Loaded as delivered into raw.{f.raw_table} "
        "with lineage columns; a re-delivered month replaces that month.",
        group_name="ingest",
        kinds={"duckdb"},
        metadata={"family": f.name, "kind": f.kind},
    )
    for f in FAMILIES
]

GATE_CHECKS = [
    dg.AssetCheckSpec(
        GATE_CHECK,
        asset=raw_asset_key(f),
        blocking=True,
        description=f"Quality gates of {f.name} before a delivery enters raw: parsing, the GX "
        f"suite expectations/{f.raw_table}.json and the delivery's cross-file checks. A "
        "failing delivery is quarantined (not loaded; report and Data Docs under quality/) "
        "and flagged here with severity WARN; raw keeps only deliveries that passed.",
    )
    for f in FAMILIES
]


def steps_json(outcome: IngestOutcome) -> str:
    return json.dumps(
        [
            {
                "month": s.month,
                "action": str(s.action),
                "reason": s.reason,
                "fingerprint": s.fingerprint,
            }
            for s in outcome.steps
        ],
        ensure_ascii=False,
    )


def gate_results(outcome: IngestOutcome, months: list[str]) -> list[dg.AssetCheckResult]:
    """One result per family: WARN-failed with the findings of the quarantines that name it
    (or, for every family, with the months of the run that could not load)."""
    by_family: dict[str, list[str]] = {f.name: [] for f in FAMILIES}
    docs = None
    for failure in outcome.quarantines:
        if failure.gates is None:
            continue
        docs = docs or failure.gates.docs_index
        for finding in failure.gates.findings:
            recognised = family_of_file(finding.file)
            name = recognised[0].name if recognised else FAMILIES[0].name
            by_family[name].append(str(finding))
    unloaded = [
        f"{s.month}: {s.action} ({s.reason})"
        for s in outcome.steps
        if s.month in months and s.action in NOT_DONE and s.action is not Action.QUARANTINED
    ]
    results = []
    for f in FAMILIES:
        findings = by_family[f.name]
        metadata: dict[str, dg.RawMetadataValue] = {"months": ", ".join(months)}
        if docs:
            metadata["data_docs"] = dg.MetadataValue.path(str(docs))
        if findings:
            metadata["findings"] = dg.MetadataValue.md("\n".join(f"- {x}" for x in findings))
        if unloaded:
            metadata["not_loaded"] = dg.MetadataValue.md("\n".join(f"- {x}" for x in unloaded))
        results.append(
            dg.AssetCheckResult(
                asset_key=raw_asset_key(f),
                check_name=GATE_CHECK,
                passed=not findings and not unloaded,
                severity=dg.AssetCheckSeverity.WARN,
                metadata=metadata,
            )
        )
    return results


def build_ingest_assets(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=RAW_SPECS,
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        name="ingest_delivery",
        check_specs=GATE_CHECKS,
    )
    def ingest_delivery(
        context: dg.AssetExecutionContext,
        settings: dg.ResourceParam[Settings],
        progress: dg.ResourceParam[RunProgress],
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        """Load the run's delivery months the sequencing policy allows, oldest first."""
        months = list(context.partition_keys)
        with (
            warehouse_lock(settings.lock_path, wait_seconds=LOCK_WAIT_SECONDS),
            duckdb.connect(str(settings.build), config=settings.duckdb_config()) as con,
        ):
            outcome = ingest_months(
                con,
                settings.inbox_path,
                settings.quality_dir,
                first_month=settings.first_month,
                within=set(months),
                log=context.log.info,
                progress=lambda done, total, month: progress.advance(MONTHS, done, total, month),
            )
            totals = {
                f.name: con.execute(f"SELECT count(*) FROM raw.{f.raw_table}").fetchone()[0]
                for f in FAMILIES
            }
        release_unused_memory()  # the parsed months, before the dbt build's own process runs
        for warning in outcome.warnings:
            context.log.warning(warning)
        status = "\n".join(f"{s.month}: {s.action} — {s.reason}" for s in outcome.steps)
        for f in FAMILIES:
            metadata: dict[str, dg.RawMetadataValue] = {
                "rows_loaded": outcome.rows.get(f.name, 0),
                "dagster/row_count": totals[f.name],
                "months": dg.MetadataValue.text(status),
            }
            if f is FAMILIES[0]:
                metadata[STEPS_METADATA] = dg.MetadataValue.json(json.loads(steps_json(outcome)))
            yield dg.MaterializeResult(asset_key=raw_asset_key(f), metadata=metadata)
        yield from gate_results(outcome, months)

    return ingest_delivery
