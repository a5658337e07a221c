"""The amisdw Dagster code location: ``dagster dev`` loads ``defs`` from here.

Assets (groups ingest → staging → model → marts → publish, all partitioned by delivery month),
dbt tests as asset checks, the ``monthly_refresh`` job, its schedule and the inbox sensor.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from amisdw.assets.ingest import ingest_delivery
from amisdw.assets.publish import published_warehouse
from amisdw.assets.transform import amis_dbt_assets, dbt_resource
from amisdw.jobs import monthly_refresh
from amisdw.resources import build_warehouse_resource, inbox_resource
from amisdw.schedules import monthly_refresh_schedule
from amisdw.sensors import inbox_sensor


def all_assets() -> list[dg.AssetsDefinition]:
    return [ingest_delivery, amis_dbt_assets(), published_warehouse]


def all_resources() -> dict[str, Any]:
    return {
        "warehouse": build_warehouse_resource(),
        "inbox": inbox_resource(),
        "dbt": dbt_resource(),
    }


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=all_assets(),
        resources=all_resources(),
        jobs=[monthly_refresh],
        schedules=[monthly_refresh_schedule],
        sensors=[inbox_sensor],
    )


defs = build_definitions()
