"""DuckDB's resource settings: read from the environment, validated, written into the dbt
profile as config_options (applied once at open), and the temp directory beside the
warehouse unless set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from amisdw.errors import AmisdwError
from amisdw.settings import Settings


def profile_of(settings: Settings) -> dict:
    return yaml.safe_load(settings.dbt_profile_text())["amisdw"]["outputs"]["dev"]


def test_defaults_spill_beside_the_warehouse_and_keep_insertion_order(tmp_path: Path) -> None:
    s = Settings.create(warehouse=str(tmp_path / "wh" / "w.duckdb"))
    assert profile_of(s)["config_options"] == {
        "temp_directory": str(tmp_path / "wh" / "tmp"),
        "preserve_insertion_order": True,
    }


def test_a_national_configuration_from_the_environment(tmp_path: Path) -> None:
    env = {
        "AMISDW_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "AMISDW_DUCKDB_MEMORY_LIMIT": "12GB",
        "AMISDW_DUCKDB_THREADS": "2",
        "AMISDW_DUCKDB_PRESERVE_INSERTION_ORDER": "0",
        "AMISDW_DUCKDB_TEMP_DIRECTORY": str(tmp_path / "spill"),
    }
    s = Settings.from_env(env)
    assert s.duckdb_config() == {
        "temp_directory": str(tmp_path / "spill"),
        "preserve_insertion_order": False,
        "memory_limit": "12GB",
        "threads": 2,
    }
    assert profile_of(s)["config_options"] == s.duckdb_config()
    assert profile_of(s)["threads"] == 2  # dbt's own threads stay as they were


def test_dbt_builds_one_model_at_a_time_when_told(tmp_path: Path) -> None:
    """AMISDW_DBT_THREADS sets dbt's threads in every output of the profile (national scale:
    one big model at a time under the memory limit); DuckDB's own threads are not touched."""
    env = {"AMISDW_WAREHOUSE": str(tmp_path / "w.duckdb"), "AMISDW_DBT_THREADS": "1"}
    s = Settings.from_env(env)
    outputs = yaml.safe_load(s.dbt_profile_text())["amisdw"]["outputs"]
    assert outputs["dev"]["threads"] == 1 and "threads" not in s.duckdb_config()
    spark = Settings.from_env({**env, "AMISDW_ENGINE": "spark"})
    outputs = yaml.safe_load(spark.dbt_profile_text())["amisdw"]["outputs"]
    assert outputs["dev"]["threads"] == outputs["spark"]["threads"] == 1


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"duckdb_memory_limit": "lots"}, "duckdb_memory_limit 'lots' is not a memory size"),
        ({"duckdb_memory_limit": "12"}, "is not a memory size"),
        ({"duckdb_threads": -1}, "duckdb_threads must be 0"),
        ({"dbt_threads": 0}, "dbt_threads must be 1 or more, not 0"),
    ],
)
def test_bad_values_name_the_setting(values: dict, fragment: str) -> None:
    with pytest.raises(AmisdwError, match=fragment):
        Settings.create(**values)


def test_memory_sizes_duckdb_accepts() -> None:
    for size in ("512MB", "12GB", "1.5GiB", "2 TB"):
        assert Settings.create(duckdb_memory_limit=size).duckdb_config()["memory_limit"] == size
