"""The publish asset: the reader-facing warehouse file, swapped in atomically after the build."""

import dagster as dg
import duckdb

from amisdw.locking import warehouse_lock
from amisdw.orchestration.ingest_assets import LOCK_WAIT_SECONDS, WAREHOUSE_POOL
from amisdw.orchestration.metadata import head_office_kpis
from amisdw.orchestration.partitions import month_window
from amisdw.publish import publish
from amisdw.settings import Settings

PUBLISHED_KEY = dg.AssetKey("published_warehouse")


def build_publish_asset(
    dbt: dg.AssetsDefinition, partitions: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    # A one-asset multi_asset: the same partitions and single-run backfill policy as the rest
    # of the graph (on @asset, backfill_policy is still flagged beta and warns on every import).
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                PUBLISHED_KEY,
                deps=[dbt],
                group_name="publish",
                kinds={"duckdb"},
                description="The published warehouse file (setting `warehouse`, "
                "AMISDW_WAREHOUSE) that BI tools, notebooks and `amisdw kpi` read: the marts of "
                "the build warehouse, replaced by an atomic rename. Runs only when every dbt "
                "model and blocking test upstream succeeded. Metadata: rows per published table "
                "and the head office's KPIs of the run's last month.",
            )
        ],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        name="published_warehouse",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, settings: dg.ResourceParam[Settings]
    ) -> dg.MaterializeResult:
        with warehouse_lock(settings.lock_path, wait_seconds=LOCK_WAIT_SECONDS):
            counts = publish(
                settings.build,
                settings.published,
                settings.versions_kept,
                storage_version=settings.publish_storage_version,
                duckdb_config=settings.duckdb_config(),
                spark_warehouse=settings.spark_warehouse_dir
                if settings.engine == "spark"
                else None,
                dbt_vars=settings.dbt_vars(),
            )
        context.log.info(f"published {settings.published}")
        try:
            period, kpis = head_office_kpis(settings.published, month_window(context)[1])
        except duckdb.Error as exc:  # metadata only: the file is published already
            context.log.warning(f"head-office KPIs not recorded: {exc}")
            period, kpis = None, {}
        metadata: dict[str, dg.RawMetadataValue] = {
            "path": str(settings.published),
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

    return published_warehouse
