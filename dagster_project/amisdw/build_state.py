"""What a published warehouse was built from: the deliveries (month → fingerprint) and the
version of the dbt project (a hash of its models, macros, seeds, tests and config). When
both match what the build warehouse holds now, a run has nothing to rebuild or publish."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from amisdw.settings import DBT_PROJECT_DIR

_DBT_INPUTS = ("models", "macros", "seeds", "tests", "dbt_project.yml")


def dbt_code_version(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """SHA-256 over the dbt project's input files (paths and contents, sorted)."""
    h = hashlib.sha256()
    for name in _DBT_INPUTS:
        root = project_dir / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            h.update(str(path.relative_to(project_dir)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def loaded_deliveries(build: Path) -> dict[str, str]:
    if not build.exists():
        return {}
    # the build file is this process's own: open it with the default (read-write) config,
    # which an open connection elsewhere in the process may share; read_only would conflict
    with duckdb.connect(str(build)) as con:
        try:
            rows = con.execute(
                "SELECT delivery_month, arg_max(fingerprint, loaded_at) FROM raw._deliveries "
                "GROUP BY delivery_month"
            ).fetchall()
        except duckdb.CatalogException:
            return {}
    return dict(rows)


def has_loaded_months(build: Path) -> bool:
    return bool(loaded_deliveries(build))


def published_state(published: Path) -> tuple[dict[str, str], str] | None:
    """(deliveries, dbt code version) of the published file; None if absent or unreadable."""
    if not published.exists():
        return None
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            deliveries = dict(
                con.execute("SELECT delivery_month, fingerprint FROM meta.deliveries").fetchall()
            )
            row = con.execute("SELECT max(dbt_code_version) FROM meta.published").fetchone()
    except duckdb.Error:
        return None
    return deliveries, (row[0] if row else "") or ""


def is_up_to_date(build: Path, published: Path) -> bool:
    state = published_state(published)
    if state is None:
        return False
    deliveries, version = state
    return (
        bool(deliveries)
        and deliveries == loaded_deliveries(build)
        and (version == dbt_code_version())
    )
