"""Ingestion assets: one asset per extract family (``raw/<family>``), partitioned by delivery
month. A month's families load together in one transaction, so one multi-asset produces them.

Each raw asset carries a blocking asset check ``quality_gates``: the family's Great
Expectations suite, the parse checks and the cross-file checks of the delivery
(amisdw.quality). A quarantined month fails its checks (findings as metadata) and the step,
so nothing downstream (dbt, publish) runs on it."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from amisdw.assets.partitions import monthly_partitions
from amisdw.extracts.contract import FAMILIES, Family, family_of_file
from amisdw.ingest import ingest_month
from amisdw.quality.quarantine import DeliveryQuarantined
from amisdw.resources import InboxResource

WAREHOUSE_POOL = "amisdw_warehouse"


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

GATE_CHECK = "quality_gates"
GATE_CHECKS = [
    dg.AssetCheckSpec(
        GATE_CHECK,
        asset=raw_asset_key(f),
        blocking=True,
        description=f"Quality gates of {f.name} before a delivery enters raw: parsing, the GX "
        f"suite expectations/{f.raw_table}.json and the delivery's cross-file checks. A failure "
        "quarantines the month (not loaded; report and Data Docs under quality/).",
    )
    for f in FAMILIES
]


def _gate_results(
    months: list[str], failure: DeliveryQuarantined | None
) -> list[dg.AssetCheckResult]:
    """One check result per family: failed with its findings if the quarantine names it."""
    by_family: dict[str, list[str]] = {f.name: [] for f in FAMILIES}
    if failure is not None and failure.gates is not None:
        for finding in failure.gates.findings:
            recognised = family_of_file(finding.file)
            name = recognised[0].name if recognised else FAMILIES[0].name
            by_family[name].append(str(finding))
    results = []
    for f in FAMILIES:
        findings = by_family[f.name]
        metadata: dict[str, dg.RawMetadataValue] = {"months": ", ".join(months)}
        if failure is not None and failure.gates is not None:
            metadata["quarantined_month"] = failure.gates.month
            if failure.gates.docs_index:
                metadata["data_docs"] = dg.MetadataValue.path(str(failure.gates.docs_index))
        if findings:
            metadata["findings"] = dg.MetadataValue.md("\n".join(f"- {x}" for x in findings))
        results.append(
            dg.AssetCheckResult(
                asset_key=raw_asset_key(f),
                check_name=GATE_CHECK,
                passed=not findings,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=metadata,
            )
        )
    return results


@dg.multi_asset(
    specs=RAW_SPECS,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="ingest_delivery",
    check_specs=GATE_CHECKS,
)
def ingest_delivery(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, inbox: InboxResource
):
    """Load each delivery month of the run's partition range, oldest first."""
    rows: dict[str, int] = {f.name: 0 for f in FAMILIES}
    status: list[str] = []
    with warehouse.get_connection() as con:
        for month in context.partition_keys:
            try:
                result = ingest_month(con, inbox.resolved(), month)
            except DeliveryQuarantined as failure:
                yield from _gate_results(context.partition_keys, failure)
                raise
            for warning in result.warnings:
                context.log.warning(warning)
            if result.loaded:
                status.append(f"{month}: loaded ({result.fingerprint[:8]})")
                for name, n in result.rows.items():
                    rows[name] += n
            else:
                status.append(f"{month}: {result.skipped_reason}")
            context.log.info(status[-1])
        totals = {
            f.name: con.execute(f"SELECT count(*) FROM raw.{f.raw_table}").fetchone()[0]
            for f in FAMILIES
        }
    for f in FAMILIES:
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(f),
            metadata={
                "rows_loaded": rows[f.name],
                "dagster/row_count": totals[f.name],
                "months": dg.MetadataValue.text("\n".join(status)),
            },
        )
    yield from _gate_results(context.partition_keys, None)
