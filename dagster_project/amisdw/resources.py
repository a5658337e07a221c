"""Dagster resources: the build warehouse (DuckDB) and the inbox, both from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from amisdw import settings


class InboxResource(dg.ConfigurableResource):
    """Where AMIS drops its month folders."""

    path: str

    def resolved(self):  # noqa: ANN201 - Path
        return settings.inbox_path(self.path)


class WarehouseResource(DuckDBResource):
    """DuckDBResource whose connection is closed even when the asset raises (the upstream
    one closes it only on success, leaving the file open in this process after a failed or
    quarantined month)."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with super().get_connection() as con:
            try:
                yield con
            finally:
                con.close()


def build_warehouse_resource() -> DuckDBResource:
    """The working warehouse that ingestion and dbt write (derived from AMISDW_WAREHOUSE)."""
    return WarehouseResource(database=str(settings.build_path(settings.published_path())))


def inbox_resource() -> InboxResource:
    return InboxResource(path=str(settings.inbox_path()))
