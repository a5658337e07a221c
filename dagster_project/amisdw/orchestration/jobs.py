"""Jobs: ``monthly_refresh`` loads the run's months, builds and tests the dbt project, publishes."""

from __future__ import annotations

import dagster as dg

# The asset groups of a refresh, in graph order. Every asset of them is partitioned by month.
REFRESH_GROUPS = ("ingest", "staging", "model", "marts", "publish")
BUILD_GROUPS = REFRESH_GROUPS[1:]  # everything after ingestion: dbt and publish

monthly_refresh = dg.define_asset_job(
    name="monthly_refresh",
    selection=dg.AssetSelection.groups(*REFRESH_GROUPS),
    description="Ingest the run's delivery months under the sequencing policy (oldest first; a "
    "re-delivery replaces its month, the same delivery again changes nothing, a quarantined "
    "month holds back only the months after it), dbt build of the whole history (models, "
    "seeds, unit and data tests), then publish if every gate passed. One partition or a range "
    "of months is a single run.",
)
