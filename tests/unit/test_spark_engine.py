"""The Spark engine's pieces that need no Spark session: the setting, the dbt profile, the
ANSI-mode fix of dbt-spark's credentials, the raw months as Parquet, and the clear message
when the optional group is missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

import amisdw.spark as spark_engine
from amisdw.cli import main
from amisdw.errors import AmisdwError
from amisdw.extracts.contract import FAMILIES
from amisdw.extracts.load import RAW, ensure_raw_schema
from amisdw.settings import Settings
from amisdw.spark.dbt_main import keep_profile_ansi_mode
from amisdw.spark.raw_parquet import export_raw_parquet, month_file


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings.create(warehouse=str(tmp_path / "wh" / "w.duckdb"), **values)


def test_duckdb_is_the_default_engine_and_its_profile_has_no_spark_target(tmp_path):
    settings = _settings(tmp_path)
    assert settings.engine == "duckdb"
    profile = yaml.safe_load(settings.dbt_profile_text())["amisdw"]
    assert profile["target"] == "dev"
    assert list(profile["outputs"]) == ["dev"]
    assert settings.dbt_executable.name == "dbt"
    assert "spark_raw_dir" not in settings.dbt_vars()


def test_the_engine_comes_from_amisdw_engine_and_the_command_line_wins(tmp_path):
    env = {"AMISDW_ENGINE": "spark", "AMISDW_WAREHOUSE": str(tmp_path / "w.duckdb")}
    assert Settings.from_env(env).engine == "spark"
    assert Settings.from_env(env, engine="duckdb").engine == "duckdb"


def test_an_unknown_engine_is_refused_in_one_sentence(tmp_path):
    with pytest.raises(AmisdwError, match="engine 'presto' is not one of duckdb, spark"):
        _settings(tmp_path, engine="presto")


def test_the_spark_profile_is_a_local_session_in_ansi_mode_under_the_warehouse(tmp_path):
    settings = _settings(tmp_path, engine="spark")
    profile = yaml.safe_load(settings.dbt_profile_text())["amisdw"]
    assert profile["target"] == "spark"
    spark = profile["outputs"]["spark"]
    assert (spark["type"], spark["method"], spark["schema"]) == ("spark", "session", "main")
    params = spark["server_side_parameters"]
    assert params["spark.sql.ansi.enabled"] == "true"
    assert 2 <= int(params["spark.sql.shuffle.partitions"]) <= 4
    folder = settings.folder
    assert Path(params["spark.sql.warehouse.dir"]) == folder / "spark" / "warehouse"
    assert str(folder / "spark" / "metastore") in params["spark.driver.extraJavaOptions"]
    assert (
        str(folder / "spark" / "metastore") in params["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert profile["outputs"]["dev"]["type"] == "duckdb"  # dbt --target dev still works
    assert settings.dbt_vars()["spark_raw_dir"] == str(folder / "spark" / "raw")
    assert settings.dbt_executable.name == "amisdw-dbt-spark"


def test_the_event_log_and_the_heap_are_settings_written_under_the_warehouse(tmp_path):
    default = yaml.safe_load(_settings(tmp_path, engine="spark").dbt_profile_text())
    params = default["amisdw"]["outputs"]["spark"]["server_side_parameters"]
    assert params["spark.driver.memory"] == "4g"
    assert not any(k.startswith("spark.eventLog") for k in params)  # off unless asked
    env = {
        "AMISDW_WAREHOUSE": str(tmp_path / "wh" / "w.duckdb"),
        "AMISDW_ENGINE": "spark",
        "AMISDW_SPARK_EVENT_LOG": "1",
        "AMISDW_SPARK_DRIVER_MEMORY": "8g",
    }
    settings = Settings.from_env(env)
    profile = yaml.safe_load(settings.dbt_profile_text())["amisdw"]
    params = profile["outputs"]["spark"]["server_side_parameters"]
    assert params["spark.driver.memory"] == "8g"
    assert params["spark.eventLog.enabled"] == "true"
    assert params["spark.eventLog.dir"] == (tmp_path / "wh" / "spark" / "events").as_uri()
    settings.prepare_folders()
    assert (tmp_path / "wh" / "spark" / "events").is_dir()  # Spark does not create it
    with pytest.raises(AmisdwError, match="spark_driver_memory '4 GB' is not a JVM memory size"):
        _settings(tmp_path, engine="spark", spark_driver_memory="4 GB")


def test_dbt_spark_keeps_the_profiles_ansi_mode(tmp_path):
    from dbt.adapters.spark.connections import SparkCredentials

    keep_profile_ansi_mode()
    keep_profile_ansi_mode()  # idempotent
    creds = SparkCredentials(
        method="session",
        host="localhost",
        schema="main",
        server_side_parameters={"spark.sql.ansi.enabled": "true", "x": 1},
    )
    assert creds.server_side_parameters == {"spark.sql.ansi.enabled": "true", "x": "1"}


def _build_with_month(path: Path, month: str, fingerprint: str, teams: int, day: int) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        con.execute(f"DELETE FROM {RAW}.branch WHERE _delivery_month = ?", [month])
        for i in range(teams):
            con.execute(
                f"INSERT INTO {RAW}.branch (agent_group, _delivery_month, _extra) "
                "VALUES (?, ?, '{}')",
                [f"T{i}", month],
            )
        con.execute(
            f"INSERT INTO {RAW}._deliveries VALUES (?, ?, ?, ?)",
            [month, fingerprint, dt.datetime(2024, 3, day), teams],
        )


def test_raw_months_become_one_parquet_file_per_table_and_month(tmp_path):
    build, raw = tmp_path / "b.duckdb", tmp_path / "raw"
    _build_with_month(build, "202401", "a" * 32, 2, day=1)
    _build_with_month(build, "202402", "b" * 32, 3, day=2)
    with duckdb.connect(str(build)) as con:
        first = export_raw_parquet(con, raw)
    assert len(first.written) == 2 * len(FAMILIES) and first.kept == 0
    jan = month_file(raw, "branch", "202401", "a" * 32)
    assert duckdb.sql(f"SELECT count(*) FROM '{jan}'").fetchall() == [(2,)]
    empty = month_file(raw, "agent", "202401", "a" * 32)  # no rows: still a file with a schema
    assert duckdb.sql(f"SELECT count(*) FROM '{empty}'").fetchall() == [(0,)]
    # a re-delivered February replaces exactly February's files
    _build_with_month(build, "202402", "c" * 32, 5, day=3)
    with duckdb.connect(str(build)) as con:
        second = export_raw_parquet(con, raw)
    assert sorted(second.written) == sorted(f"{f.raw_table}/202402" for f in FAMILIES)
    assert second.kept == len(FAMILIES)
    assert sorted(p.name for p in (raw / "branch").iterdir()) == sorted(
        [jan.name, month_file(raw, "branch", "202402", "c" * 32).name]
    )
    feb = month_file(raw, "branch", "202402", "c" * 32)
    assert duckdb.sql(f"SELECT count(*) FROM '{feb}'").fetchall() == [(5,)]


def test_spark_without_the_optional_group_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(spark_engine, "_installed", lambda module: module != "pyspark")
    with pytest.raises(AmisdwError, match=r"missing: pyspark\). Install it with `uv sync"):
        spark_engine.require_spark(_settings(tmp_path, engine="spark"))
    spark_engine.require_spark(_settings(tmp_path))  # DuckDB needs none of it


def test_run_engine_spark_without_the_group_exits_with_one_paragraph(tmp_path, monkeypatch):
    monkeypatch.setattr(spark_engine, "_installed", lambda module: False)
    result = CliRunner().invoke(
        main,
        ["run", "--inbox", str(tmp_path / "in"), "--warehouse", str(tmp_path / "w.duckdb")]
        + ["--engine", "spark"],
    )
    assert result.exit_code != 0
    assert "uv sync --extra spark" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_publish_from_spark_reads_the_marts_from_sparks_parquet_tables(tmp_path):
    from amisdw.publish import publish

    build, spark_wh = tmp_path / "b.duckdb", tmp_path / "spark" / "warehouse"
    _build_with_month(build, "202401", "a" * 32, 1, day=1)
    for table, rows in (("kpi", 3), ("dim_month", 2)):
        folder = spark_wh / "marts.db" / table
        folder.mkdir(parents=True)
        duckdb.sql(
            f"COPY (SELECT range AS n, 0.5 * range AS v FROM range({rows})) "
            f"TO '{folder / 'part-00000-x-c000.snappy.parquet'}' (FORMAT parquet)"
        )
        (folder / "_SUCCESS").write_text("")
    (spark_wh / "marts.db" / "dropped").mkdir()  # a folder without Parquet is no table
    published = tmp_path / "w.duckdb"
    counts = publish(build, published, spark_warehouse=spark_wh)
    assert counts == {"marts.dim_month": 2, "marts.kpi": 3}
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT sum(v) FROM marts.kpi").fetchall() == [(1.5,)]
        assert con.execute("SELECT delivery_month FROM meta.deliveries").fetchall() == [("202401",)]
