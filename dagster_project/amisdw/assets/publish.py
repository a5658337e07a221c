"""The publish asset: the reader-facing warehouse file, swapped in atomically after the build."""

import dagster as dg

from amisdw import settings
from amisdw.assets.ingest import WAREHOUSE_POOL
from amisdw.assets.transform import amis_dbt_assets
from amisdw.publish import publish


@dg.asset(
    deps=[amis_dbt_assets()],
    group_name="publish",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description="The published warehouse file (AMISDW_WAREHOUSE) that BI tools, notebooks and "
    "`amisdw kpi` read: the marts of the build warehouse, replaced by an atomic rename.",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    published = settings.published_path()
    counts = publish(settings.build_path(published), published)
    context.log.info(f"published {published}")
    return dg.MaterializeResult(
        metadata={"path": str(published), "tables": len(counts), "rows": sum(counts.values())}
    )
