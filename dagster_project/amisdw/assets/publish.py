"""The publish asset: the reader-facing warehouse file, swapped in atomically after the build."""

import dagster as dg
import duckdb

from amisdw import settings
from amisdw.assets.ingest import WAREHOUSE_POOL
from amisdw.assets.metadata import head_office_kpis
from amisdw.assets.partitions import month_window, monthly_partitions
from amisdw.assets.transform import amis_dbt_assets
from amisdw.publish import publish

PUBLISHED_KEY = dg.AssetKey("published_warehouse")


# A one-asset multi_asset: the same partitions and single-run backfill policy as the rest of
# the graph (on @asset, backfill_policy is still flagged beta and warns on every import).
@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PUBLISHED_KEY,
            deps=[amis_dbt_assets()],
            group_name="publish",
            kinds={"duckdb"},
            description="The published warehouse file (AMISDW_WAREHOUSE) that BI tools, notebooks "
            "and `amisdw kpi` read: the marts of the build warehouse, replaced by an atomic "
            "rename. Runs only when every dbt model and blocking test upstream succeeded. "
            "Metadata: rows per published table and the head office's KPIs of the run's last "
            "month.",
        )
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="published_warehouse",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    published = settings.published_path()
    counts = publish(settings.build_path(published), published)
    context.log.info(f"published {published}")
    try:
        period, kpis = head_office_kpis(published, month_window(context)[1])
    except duckdb.Error as exc:  # metadata only: the file is published already
        context.log.warning(f"head-office KPIs not recorded: {exc}")
        period, kpis = None, {}
    metadata: dict[str, dg.RawMetadataValue] = {
        "path": str(published),
        "tables": len(counts),
        "rows": sum(counts.values()),
        "dagster/row_count": sum(counts.values()),
        "table_rows": dg.MetadataValue.md(
            "| table | rows |\n|---|---:|\n"
            + "\n".join(f"| {t} | {n:,} |" for t, n in sorted(counts.items()))
        ),
    }
    if period:
        metadata["kpi_period"] = period
        metadata.update({f"head_office/{code}": value for code, value in kpis.items()})
    return dg.MaterializeResult(metadata=metadata)
