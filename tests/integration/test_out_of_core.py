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


def marts_tables(
    build: Path, schema: str = "marts", leave_out: tuple[str, ...] = ()
) -> dict[str, pd.DataFrame]:
    """Every table and view of ``schema`` (marts.kpi is a view), rows sorted by every column
    (row order is not part of a mart), without the columns ``leave_out``."""
    with duckdb.connect(str(build), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                "ORDER BY 1",
                [schema],
            ).fetchall()
        ]
        frames = {}
        for name in names:
            columns = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                    "AND table_name = ? ORDER BY ordinal_position",
                    [schema, name],
                ).fetchall()
                if c not in leave_out
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            frames[name] = con.execute(f'SELECT {listed} FROM {schema}."{name}" ORDER BY ALL').df()
        return frames


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
