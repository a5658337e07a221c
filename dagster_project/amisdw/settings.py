"""Where things live. One setting, ``AMISDW_WAREHOUSE``, names the published warehouse file
for the CLI, Dagster and dbt; the build (working) file is derived from it.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_INBOX = DATA_DIR / "inbox"
DEFAULT_WAREHOUSE = DATA_DIR / "warehouse.duckdb"

WAREHOUSE_ENV = "AMISDW_WAREHOUSE"
INBOX_ENV = "AMISDW_INBOX"


def published_path(path: str | Path | None = None) -> Path:
    """The published (read-only for readers) warehouse file, absolute."""
    chosen = path or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    return Path(chosen).expanduser().resolve()


def build_path(published: Path) -> Path:
    """The working file that ingestion and dbt write; published only after the gates pass.

    Must match ``dbt_project/profiles.yml``: same folder, ``.duckdb`` replaced by
    ``.build.duckdb`` (same file system, so publishing can be an atomic rename).
    """
    name = published.name.removesuffix(".duckdb")
    return published.with_name(f"{name}.build.duckdb")


def inbox_path(path: str | Path | None = None) -> Path:
    chosen = path or os.environ.get(INBOX_ENV) or DEFAULT_INBOX
    return Path(chosen).expanduser().resolve()


def quality_path(published: Path) -> Path:
    """Quality-gate output next to the published file: the GX project (validation results,
    Data Docs under gx/uncommitted/data_docs) and quarantine reports."""
    return published.parent / "quality"
