"""Ingestion assets: one asset per extract family (``raw/<family>``), partitioned by delivery
month. A month's families load together in one transaction, so one multi-asset produces them."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from amisdw.assets.partitions import monthly_partitions
from amisdw.extracts.contract import FAMILIES, Family
from amisdw.ingest import ingest_month
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


@dg.multi_asset(
    specs=RAW_SPECS,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="ingest_delivery",
)
def ingest_delivery(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, inbox: InboxResource
):
    """Load each delivery month of the run's partition range, oldest first."""
    rows: dict[str, int] = {f.name: 0 for f in FAMILIES}
    status: list[str] = []
    with warehouse.get_connection() as con:
        for month in context.partition_keys:
            result = ingest_month(con, inbox.resolved(), month)
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
