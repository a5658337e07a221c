"""End to end on generated `tiny` data: amisdw generate → amisdw run, through the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from amisdw.cli import main
from amisdw.extracts.contract import FAMILIES, family_of_file
from amisdw.extracts.control import read_control_file
from amisdw.settings import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow
MONTHS = 4


def control_rows(inbox: Path) -> dict[str, int]:
    """Expected raw rows per table, from the control files alone."""
    rows = {f.raw_table: 0 for f in FAMILIES}
    for ok in sorted(inbox.glob("*/*.ok")):
        for entry in read_control_file(ok):
            family, _, _ = family_of_file(entry.filename)
            rows[family.raw_table] += entry.rows
    return rows


def raw_rows(build: Path) -> dict[str, int]:
    with duckdb.connect(str(build), read_only=True) as con:
        return {
            f.raw_table: con.execute(f"SELECT count(*) FROM raw.{f.raw_table}").fetchone()[0]
            for f in FAMILIES
        }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny")
    inbox, warehouse = root / "inbox", root / "wh" / "warehouse.duckdb"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--size",
            "tiny",
            "--start",
            "201811",
            "--months",
            str(MONTHS),
            "--seed",
            "3",
            "--out",
            str(inbox),
        ],
    )
    assert result.exit_code == 0, result.output
    os.environ["AMISDW_DOCS"] = "1"  # this run also builds the data catalogue, as by default
    try:
        result = CliRunner().invoke(
            main, ["run", "--inbox", str(inbox), "--warehouse", str(warehouse)]
        )
    finally:
        os.environ["AMISDW_DOCS"] = "0"
    assert result.exit_code == 0, result.output
    return {
        "root": root,
        "inbox": inbox,
        "warehouse": warehouse,
        "output": result.output,
        "build": warehouse.with_name("warehouse.build.duckdb"),
    }


def test_first_run_loads_every_month_and_publishes(tiny):
    out = tiny["output"]
    docs = tiny["warehouse"].parent / "docs" / "static_index.html"
    assert docs.exists() and "stg_amis__agent" in docs.read_text(encoding="utf-8")
    assert "months loaded: 201811, 201812, 201901, 201902" in out
    # the progress display ends with every month and every dbt node done (the 55 models, 5
    # seeds and 250-odd data tests of the project; unit tests report only when they fail)
    assert re.search(rf"months loaded\s+━+\s+{MONTHS}/{MONTHS}\s", out), out
    nodes = re.search(r"dbt models and tests\s+━+\s+(\d+)/(\d+)\s", out)
    assert nodes and nodes[1] == nodes[2] and int(nodes[2]) > 250, out
    assert raw_rows(tiny["build"]) == control_rows(tiny["inbox"])
    with duckdb.connect(str(tiny["warehouse"]), read_only=True) as con:
        months = [
            r[0]
            for r in con.execute("SELECT delivery_month FROM meta.deliveries ORDER BY 1").fetchall()
        ]
        schemas = {
            r[0]
            for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_schemas()").fetchall()
        }
        views = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'marts' AND table_type = 'VIEW'"
            ).fetchall()
        }
        area_rows = con.execute(
            "SELECT (SELECT count(*) FROM marts.mart_org_period), "
            "(SELECT count(*) FROM marts.mart_premium), (SELECT count(*) FROM marts.mart_retention)"
        ).fetchone()
    assert months == ["201811", "201812", "201901", "201902"]
    # the long form and the four area marts are views over the one stored wide table, read in
    # the published file: as many area-mart rows as mart_org_period rows
    area_marts = {"mart_manpower", "mart_premium", "mart_promotion", "mart_retention"}
    assert views == {"kpi", *area_marts}, views
    assert "and 5 views (" in out and all(f"marts.{v}" in out for v in views), out
    assert area_rows[0] > 0 and len(set(area_rows)) == 1, area_rows
    # personal data stays in the build file
    assert "raw" not in schemas and "staging" not in schemas


def unit_test_results(warehouse: Path) -> list[str]:
    """The statuses of the unit tests in the newest dbt run of a warehouse."""
    (newest,) = sorted(
        (warehouse.parent / "dbt" / "runs").glob("*/run_results.json"),
        key=lambda p: p.stat().st_mtime,
    )[-1:]
    results = json.loads(newest.read_text(encoding="utf-8"))["results"]
    return [r["status"] for r in results if r["unique_id"].startswith("unit_test.")]


def declared_unit_tests() -> int:
    """The unit tests written in the dbt project's YAML files."""
    return sum(
        len((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("unit_tests", []))
        for p in (DBT_PROJECT_DIR / "models").rglob("*.yml")
    )


def test_unit_tests_run_when_asked_and_not_when_off(tiny, tiny15):
    """tiny15 was built with AMISDW_UNIT_TESTS=1: every unit test of the project ran and
    passed; the tiny run (the suite's default, off) ran models and data tests only."""
    assert unit_test_results(tiny15.warehouse) == ["pass"] * declared_unit_tests()
    assert declared_unit_tests() >= 20
    assert unit_test_results(tiny["warehouse"]) == []


def test_staging_carries_no_personal_data(tiny):
    with duckdb.connect(str(tiny["build"]), read_only=True) as con:
        cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'stg_amis__agent'"
            ).fetchall()
        }
        assert not cols & {"id_no", "mobile", "birthday", "name", "agent_name"}
        names = [
            r[0]
            for r in con.execute(
                "SELECT agent_name_masked FROM staging.stg_amis__agent "
                "WHERE agent_name_masked IS NOT NULL"
            ).fetchall()
        ]
        raw_names = {r[0] for r in con.execute("SELECT name FROM raw.agent").fetchall()}
    assert names and all("*" in n for n in names)
    assert not set(names) & raw_names


def test_second_run_changes_nothing(tiny):
    before = raw_rows(tiny["build"])
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--inbox",
            str(tiny["inbox"]),
            "--warehouse",
            str(tiny["warehouse"]),
            "--no-docs",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    # --quiet: no progress display (its bars are labelled "dbt models and tests") and no
    # raw-rows table; the summary's own tables (the KPIs) stay
    assert "dbt models and tests" not in result.output and "raw rows" not in result.output
    assert "months loaded: none" in result.output
    assert f"{MONTHS} month(s) already loaded (same control file)" in result.output
    assert raw_rows(tiny["build"]) == before


def test_incomplete_month_is_skipped_and_redelivery_replaces(tiny):
    inbox, build = tiny["inbox"], tiny["build"]
    # a fifth month still being written: data files but no control file yet
    shutil.copytree(inbox / "201902", inbox / "201903")
    for f in (inbox / "201903").iterdir():
        f.rename(f.with_name(f.name.replace("201902", "201903")))
    (inbox / "201903" / "201903.ok").unlink()
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--size",
            "tiny",
            "--start",
            "201811",
            "--months",
            str(MONTHS),
            "--seed",
            "3",
            "--out",
            str(inbox),
            "--redeliver",
            "201812",
        ],
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(build), read_only=True) as con:
        before_other = con.execute(
            "SELECT * FROM raw.activity WHERE _delivery_month <> '201812' ORDER BY ALL"
        ).fetchall()
    result = CliRunner().invoke(
        main, ["run", "--inbox", str(inbox), "--warehouse", str(tiny["warehouse"]), "--no-docs"]
    )
    assert result.exit_code == 0, result.output
    assert "months loaded: 201812" in result.output
    assert "skipped 201903: no control file 201903.ok" in result.output
    shutil.rmtree(inbox / "201903")
    assert raw_rows(build) == control_rows(inbox)
    with duckdb.connect(str(build), read_only=True) as con:
        after_other = con.execute(
            "SELECT * FROM raw.activity WHERE _delivery_month <> '201812' ORDER BY ALL"
        ).fetchall()
        fingerprints = con.execute(
            "SELECT count(*) FROM raw._deliveries WHERE delivery_month = '201812'"
        ).fetchone()[0]
    assert after_other == before_other
    assert fingerprints == 2
