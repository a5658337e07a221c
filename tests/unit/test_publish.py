"""Publishing: atomic replacement, kept versions, rollback, recovery from an interrupted
publish. Built on small hand-made build files (known rows)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from amisdw.errors import AmisdwError
from amisdw.publish import current_version, list_versions, publish, rollback, version_label


def make_build(path: Path, rows: int) -> Path:
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA raw; CREATE SCHEMA staging")
        con.execute(f"CREATE TABLE marts.t AS SELECT range AS n FROM range({rows})")
        con.execute("CREATE TABLE staging.secret AS SELECT '110101199001011234' AS id_no")
        con.execute(
            "CREATE TABLE raw._deliveries (delivery_month VARCHAR, fingerprint VARCHAR, "
            "loaded_at TIMESTAMP, rows BIGINT)"
        )
        con.execute("INSERT INTO raw._deliveries VALUES ('202401', 'abc', now(), 1)")
    return path


def published_rows(published: Path) -> int:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.t").fetchone()[0]


def test_publish_copies_only_marts_and_meta(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    counts = publish(make_build(tmp_path / "b.duckdb", 3), published)
    assert counts == {"marts.t": 3}
    with duckdb.connect(str(published), read_only=True) as con:
        schemas = {
            r[0]
            for r in con.execute(
                "SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'warehouse'"
            ).fetchall()
        }
        months = con.execute("SELECT delivery_month FROM meta.deliveries").fetchall()
    assert {"marts", "meta"} <= schemas and not {"raw", "staging"} & schemas
    assert months == [("202401",)]


def test_versions_are_kept_and_rollback_restores_them(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    build = tmp_path / "b.duckdb"
    for rows in (1, 2, 3, 4):
        publish(make_build(build, rows), published, versions_kept=3)
    versions = list_versions(published)
    assert len(versions) == 3  # pruned to the newest 3
    labels = [version_label(v, published) for v in versions]
    assert current_version(published) == labels[0]
    assert published_rows(published) == 4

    assert rollback(published) == labels[1]  # the one before the current
    assert published_rows(published) == 3
    assert rollback(published) == labels[2]  # and the one before that
    assert published_rows(published) == 2
    with pytest.raises(AmisdwError, match="nothing to roll back to"):
        rollback(published)
    assert rollback(published, to=labels[0]) == labels[0]
    assert published_rows(published) == 4
    with pytest.raises(AmisdwError, match="is not kept. Kept versions"):
        rollback(published, to="19990101T000000000000")


def test_an_interrupted_publish_leaves_the_published_file_alone(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    publish(make_build(tmp_path / "b.duckdb", 2), published)
    before = published.read_bytes()
    # what kill -9 in the middle of a publish leaves behind: a half-written temporary file
    stale = tmp_path / ".warehouse.duckdb.publishing-99999"
    stale.write_bytes(b"half a database")
    assert published.read_bytes() == before
    publish(make_build(tmp_path / "b.duckdb", 5), published)
    assert not stale.exists()
    assert published_rows(published) == 5


def test_rollback_command_lists_and_restores(tmp_path):
    from click.testing import CliRunner

    from amisdw.cli import main

    published = tmp_path / "warehouse.duckdb"
    build = tmp_path / "b.duckdb"
    for rows in (1, 2):
        publish(make_build(build, rows), published)
    listed = CliRunner().invoke(main, ["rollback", "--warehouse", str(published), "--list"])
    assert listed.exit_code == 0 and listed.output.count("\n") == 2
    assert "(current)" in listed.output.splitlines()[0]
    result = CliRunner().invoke(main, ["rollback", "--warehouse", str(published)])
    assert result.exit_code == 0, result.output
    assert published_rows(published) == 1
    again = CliRunner().invoke(main, ["rollback", "--warehouse", str(published)])
    assert again.exit_code != 0  # nothing older is kept: a clear error, no traceback
    assert again.exception is None or isinstance(again.exception, SystemExit)


def _storage_version(path: Path) -> str:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{path}' AS f (READ_ONLY)")
        tags = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'f'")
        return tags.fetchone()[0]["storage_version"]


def test_published_file_is_in_the_configured_storage_version(tmp_path):
    """Default v1.4.0 (what DuckDB 1.4 reads), the build keeps DuckDB's own; `latest` too."""
    build = make_build(tmp_path / "b.duckdb", 2)
    publish(build, tmp_path / "warehouse.duckdb")
    assert _storage_version(tmp_path / "warehouse.duckdb").startswith("v1.4.0")
    assert not _storage_version(build).startswith("v1.4.0")
    publish(build, tmp_path / "latest.duckdb", storage_version="latest")
    assert _storage_version(tmp_path / "latest.duckdb") == _storage_version(build)
    assert published_rows(tmp_path / "warehouse.duckdb") == 2


def test_a_bad_storage_version_setting_is_one_paragraph(tmp_path):
    from amisdw.settings import Settings

    with pytest.raises(AmisdwError, match="publish_storage_version '1.4' is not a DuckDB"):
        Settings.from_env(
            {"AMISDW_PUBLISH_STORAGE_VERSION": "1.4"}, warehouse=tmp_path / "w.duckdb"
        )


def test_published_types_are_what_both_engines_and_bi_drivers_share():
    from amisdw.publish import published_select, published_type

    assert published_type("HUGEINT") == "BIGINT" and published_type("INTEGER") == "BIGINT"
    assert published_type("BIGINT") is None and published_type("DATE") is None
    assert published_type("DECIMAL(28,2)") == "DECIMAL(38,2)"  # Spark's sum of DECIMAL(18,2)
    assert published_type("DECIMAL(38,2)") is None  # DuckDB's
    assert published_type("DECIMAL(18,2)") is None and published_type("DOUBLE") is None
    con = duckdb.connect()
    select = published_select(
        con,
        "SELECT sum(x) AS n, sum(d) AS amount, 'a' AS code "
        "FROM (SELECT 1 AS x, 2.5::DECIMAL(18,2) AS d)",
    )
    assert [r[1] for r in con.execute(f"DESCRIBE {select}").fetchall()] == [
        "BIGINT",
        "DECIMAL(38,2)",
        "VARCHAR",
    ]
    assert con.execute(select).fetchall() == [(1, Decimal("2.50"), "a")]


def test_a_view_is_published_as_a_view_over_the_published_tables(tmp_path):
    """marts.kpi is a view over the wide marts: it is published as a view (not copied as its
    rows), its rows are computed from the published tables, and it binds in any copy of the
    file, whatever the file's name (it names no catalog)."""
    build = make_build(tmp_path / "warehouse.build.duckdb", 4)
    with duckdb.connect(str(build)) as con:
        con.execute("CREATE VIEW marts.doubled AS SELECT n * 2 AS m FROM marts.t WHERE n >= 1")
    published = tmp_path / "warehouse.duckdb"
    counts = publish(build, published)
    assert counts == {"marts.t": 4}  # the view is not counted (counting computes it)
    copy = tmp_path / "renamed.duckdb"
    copy.write_bytes(published.read_bytes())
    for path in (published, copy):
        with duckdb.connect(str(path), read_only=True) as con:
            kind = con.execute(
                "SELECT table_type FROM information_schema.tables WHERE table_name = 'doubled'"
            ).fetchone()
            rows = con.execute("SELECT m FROM marts.doubled ORDER BY m").fetchall()
        assert kind == ("VIEW",) and rows == [(2,), (4,), (6,)]


def test_a_view_reading_what_is_not_published_fails_the_publish_and_keeps_the_last(tmp_path):
    """A marts view over staging (personal data, never published) cannot bind in the
    published file: the publish fails with one paragraph naming the view, and the published
    version stays the previous one."""
    published = tmp_path / "warehouse.duckdb"
    publish(make_build(tmp_path / "b.duckdb", 2), published)
    build = make_build(tmp_path / "b.duckdb", 5)
    with duckdb.connect(str(build)) as con:
        con.execute("CREATE VIEW marts.leak AS SELECT id_no FROM staging.secret")
    with pytest.raises(AmisdwError, match=r"marts\.leak .*only published tables"):
        publish(build, published)
    assert published_rows(published) == 2
    assert not list(tmp_path.glob(".warehouse.duckdb.publishing-*"))


def test_a_view_marked_as_a_published_copy_is_published_as_a_table_of_its_rows(tmp_path):
    """fct_agent_month is a view over its intermediate model in the build file (its rows kept
    once there), marked by the comment amisdw:published-copy: the published file gets a table
    of the view's rows, counted like the other tables, that needs nothing outside the file.
    An unmarked view beside it is still published as a view."""
    build = make_build(tmp_path / "warehouse.build.duckdb", 3)
    with duckdb.connect(str(build)) as con:
        con.execute("CREATE SCHEMA intermediate")
        con.execute("CREATE TABLE intermediate.months AS SELECT range AS m FROM range(10, 15)")
        con.execute("CREATE VIEW marts.fct_month AS SELECT m + 1 AS m FROM intermediate.months")
        con.execute("COMMENT ON VIEW marts.fct_month IS 'amisdw:published-copy'")
        con.execute("CREATE VIEW marts.doubled AS SELECT n * 2 AS m FROM marts.t")
    published = tmp_path / "warehouse.duckdb"
    counts = publish(build, published)
    assert counts == {"marts.fct_month": 5, "marts.t": 3}
    with duckdb.connect(str(published), read_only=True) as con:
        kinds = dict(
            con.execute(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = 'marts'"
            ).fetchall()
        )
        rows = con.execute("SELECT m FROM marts.fct_month ORDER BY m").fetchall()
        schemas = {r[0] for r in con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
    assert kinds == {"fct_month": "BASE TABLE", "t": "BASE TABLE", "doubled": "VIEW"}
    assert rows == [(11,), (12,), (13,), (14,), (15,)]
    assert "intermediate" not in schemas
