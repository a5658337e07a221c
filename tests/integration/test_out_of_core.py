"""Out-of-core correctness: the demo build rebuilt from raw under a 1 GB DuckDB memory limit
(two threads, insertion order not preserved, spilling to the warehouse's temp directory: the
settings a national run uses) gives the same marts, row for row, as the unconstrained build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from amisdw.settings import DBT_PROJECT_DIR, Settings
from tests.integration.conftest import Built

pytestmark = pytest.mark.slow
DBT = str(Path(sys.executable).with_name("dbt"))
DBT_SCHEMAS = ("staging", "intermediate", "marts", "seeds")


def marts_tables(build: Path) -> dict[str, pd.DataFrame]:
    """Every table of marts, rows sorted by every column (row order is not part of a mart)."""
    with duckdb.connect(str(build), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        return {
            name: con.execute(f"SELECT * FROM marts.{name} ORDER BY ALL").df() for name in names
        }


def test_a_build_under_a_1gb_memory_limit_equals_the_unconstrained_build(
    demo8: Built, tmp_path: Path
) -> None:
    limited = Settings.create(
        warehouse=str(tmp_path / "wh" / "w.duckdb"),
        duckdb_memory_limit="1GB",
        duckdb_threads=2,
        duckdb_preserve_insertion_order=False,
    )
    limited.prepare_folders()
    shutil.copy(demo8.build, limited.build)
    with duckdb.connect(str(limited.build)) as con:  # keep raw and meta only: build from raw
        for schema in DBT_SCHEMAS:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    profile = (limited.dbt_dir / "profiles.yml").read_text(encoding="utf-8")
    assert "memory_limit: '1GB'" in profile and "preserve_insertion_order: false" in profile
    done = subprocess.run(
        [
            DBT,
            "build",
            "--profiles-dir",
            str(limited.dbt_dir),
            "--quiet",
            "--target-path",
            str(tmp_path / "target"),
            "--exclude-resource-type",
            "unit_test",
        ],
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    want, got = marts_tables(demo8.build), marts_tables(limited.build)
    assert sorted(got) == sorted(want) and len(want) > 20
    for name, expected in want.items():
        assert len(got[name]) == len(expected), name
        pd.testing.assert_frame_equal(
            got[name], expected, check_exact=False, rtol=1e-9, obj=f"marts.{name}"
        )
