"""Jobs: ``monthly_refresh`` loads the run's months, builds and tests the dbt project, publishes."""

from __future__ import annotations

import dagster as dg

# Every asset of these groups is partitioned by month (assets.partitions), so the job is too.
# The asset groups of a refresh, in graph order (a future `report` group is not part of it).
REFRESH_GROUPS = ("ingest", "staging", "model", "marts", "publish")

monthly_refresh = dg.define_asset_job(
    name="monthly_refresh",
    selection=dg.AssetSelection.groups(*REFRESH_GROUPS),
    description="Ingest the run's delivery months (oldest first; a re-delivery replaces its month, "
    "the same delivery again changes nothing), dbt build of the whole history with the months as "
    "vars (models, seeds, unit and data tests), then publish if every gate passed. One partition "
    "or a range of months is a single run.",
)
