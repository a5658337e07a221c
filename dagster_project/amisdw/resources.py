"""Dagster resources: the build warehouse (DuckDB) and the inbox, both from settings."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from amisdw import settings


class InboxResource(dg.ConfigurableResource):
    """Where AMIS drops its month folders."""

    path: str

    def resolved(self):  # noqa: ANN201 - Path
        return settings.inbox_path(self.path)


def build_warehouse_resource() -> DuckDBResource:
    """The working warehouse that ingestion and dbt write (derived from AMISDW_WAREHOUSE)."""
    return DuckDBResource(database=str(settings.build_path(settings.published_path())))


def inbox_resource() -> InboxResource:
    return InboxResource(path=str(settings.inbox_path()))
