"""The Spark engine: dbt builds the models in a local Spark session (dbt-spark, method
session) from the raw months written as Parquet, and the marts are published from Spark's
Parquet output into the same DuckDB file as with the DuckDB engine."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from amisdw.errors import AmisdwError
from amisdw.settings import SPARK_EXTRA_COMMAND, Settings

_MODULES = {"dbt.adapters.spark": "dbt-spark", "pyspark": "pyspark"}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package (dbt.adapters) is missing
        return False


def java_found() -> bool:
    home = os.environ.get("JAVA_HOME", "")
    return bool(shutil.which("java")) or (bool(home) and (Path(home) / "bin" / "java").is_file())


def require_spark(settings: Settings) -> None:
    """With engine spark, raise one clear paragraph when what Spark needs is missing: the
    optional dependency group ``spark`` (dbt-spark, pyspark), amisdw's dbt entry point, or
    Java. Nothing is checked for the DuckDB engine."""
    if settings.engine != "spark":
        return
    missing = [package for module, package in _MODULES.items() if not _installed(module)]
    if missing or not settings.dbt_executable.is_file():
        raise AmisdwError(
            "The Spark engine (--engine spark, AMISDW_ENGINE=spark) needs the optional "
            f"dependency group spark, which is not installed here (missing: "
            f"{', '.join(missing) or settings.dbt_executable.name}). Install it with "
            f"`{SPARK_EXTRA_COMMAND}` (or run with `uv run --extra spark amisdw run --engine "
            "spark`), or run without --engine spark to build with DuckDB."
        )
    if not java_found():
        raise AmisdwError(
            "The Spark engine needs Java 17 or later (Spark runs in a JVM), and no `java` was "
            "found on PATH or in JAVA_HOME. Install a JDK 17 (e.g. `apt-get install "
            "openjdk-17-jre-headless`), or run without --engine spark to build with DuckDB."
        )
