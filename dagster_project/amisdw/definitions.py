"""The amisdw Dagster code location: ``dagster dev`` loads ``defs`` from here."""

from __future__ import annotations

from typing import Any

import dagster as dg

from amisdw.assets.ingest import ingest_delivery
from amisdw.assets.publish import published_warehouse
from amisdw.assets.transform import amis_dbt_assets, dbt_resource
from amisdw.resources import build_warehouse_resource, inbox_resource


def all_assets() -> list[dg.AssetsDefinition]:
    return [ingest_delivery, amis_dbt_assets(), published_warehouse]


def all_resources() -> dict[str, Any]:
    return {
        "warehouse": build_warehouse_resource(),
        "inbox": inbox_resource(),
        "dbt": dbt_resource(),
    }


def build_definitions() -> dg.Definitions:
    return dg.Definitions(assets=all_assets(), resources=all_resources())


defs = build_definitions()
