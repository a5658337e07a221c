"""Every setting of amisdw in one typed object, built once at the entry point and passed down.

:class:`Settings` is read from the environment in exactly one place, :meth:`Settings.from_env`
(called by the ``amisdw`` CLI and by the Dagster code location when it loads), and is never
written back: subprocesses get what they need through their own arguments (a dbt profile
written for the warehouse, ``--vars``). It is also the Dagster resource ``settings``, so
assets, the sensor and the schedule see the same values as the CLI.

One setting names the warehouse: ``warehouse`` is the PUBLISHED file that readers open. Every
other file of that warehouse is derived from it here, and only here:

=========================  ======================================================
``build``                  ``<name>.build.duckdb`` beside it: what ingestion and dbt write
``quality_dir``            ``quality/``: GX project, Data Docs, quarantine reports
``logs_dir``               ``logs/``: Dagster's and dbt's output of ``amisdw run``
``docs_dir``               ``docs/``: the data catalogue (dbt docs)
``dbt_dir``                ``dbt/``: the dbt profile of this warehouse and each run's artifacts
``dagster_home_path``      ``dagster/`` (or ``$DAGSTER_HOME``): the Dagster instance
``lock_path``              ``.<name>.lock``: one writer at a time
``spark_dir``              ``spark/``: the Spark engine's files (engine ``spark`` only):
                           ``raw/`` the raw months as Parquet (dbt's sources),
                           ``warehouse/`` the tables dbt builds, ``metastore/`` its catalog
=========================  ======================================================

The setting ``engine`` chooses where dbt builds: ``duckdb`` (the default) in the build file,
or ``spark`` in an in-process Spark session (the optional dependency group ``spark``). Either
way ingestion loads the build file, and the published file is the same DuckDB file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amisdw.errors import AmisdwError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_INBOX = DATA_DIR / "inbox"
DEFAULT_WAREHOUSE = DATA_DIR / "warehouse.duckdb"
INSTANCE_TEMPLATE = PROJECT_ROOT / "dagster.yaml"

# setting -> environment variable (the only names read from the environment)
ENV_NAMES: dict[str, str] = {
    "inbox": "AMISDW_INBOX",
    "warehouse": "AMISDW_WAREHOUSE",
    "first_month": "AMISDW_FIRST_MONTH",
    "dagster_home": "DAGSTER_HOME",
    "schedule_cron": "AMISDW_SCHEDULE_CRON",
    "schedule_timezone": "AMISDW_SCHEDULE_TIMEZONE",
    "sensor_interval_seconds": "AMISDW_SENSOR_INTERVAL_SECONDS",
    "versions_kept": "AMISDW_KEEP_VERSIONS",
    "docs": "AMISDW_DOCS",
    "unit_tests": "AMISDW_UNIT_TESTS",
    "incremental": "AMISDW_INCREMENTAL",
    "restatement_months": "AMISDW_RESTATEMENT_MONTHS",
    "replay_max_disagreement_share": "AMISDW_REPLAY_MAX_DISAGREEMENT_SHARE",
    "publish_storage_version": "AMISDW_PUBLISH_STORAGE_VERSION",
    "duckdb_memory_limit": "AMISDW_DUCKDB_MEMORY_LIMIT",
    "duckdb_threads": "AMISDW_DUCKDB_THREADS",
    "duckdb_temp_directory": "AMISDW_DUCKDB_TEMP_DIRECTORY",
    "duckdb_preserve_insertion_order": "AMISDW_DUCKDB_PRESERVE_INSERTION_ORDER",
    "dbt_threads": "AMISDW_DBT_THREADS",
    "engine": "AMISDW_ENGINE",
    "spark_driver_memory": "AMISDW_SPARK_DRIVER_MEMORY",
    "spark_event_log": "AMISDW_SPARK_EVENT_LOG",
}
# where dbt builds the models: DuckDB (the build file) or a local, in-process Spark session
ENGINES = ("duckdb", "spark")
SPARK_EXTRA_COMMAND = "uv sync --extra spark"
# the DuckDB storage format of the published file: readable by DuckDB 1.4 and later, which most
# BI drivers (DBeaver, duckdb-engine, Evidence, duckdb-wasm) still embed; "latest" for DuckDB's own
PUBLISH_STORAGE_VERSION_RE = r"^(v\d+\.\d+\.\d+|latest)$"
# a DuckDB memory size: 512MB, 12GB, 1.5GiB
MEMORY_LIMIT_RE = r"^\d+(\.\d+)?\s*([KMGT]i?B)$"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _absolute(path: str | Path) -> str:
    return str(Path(path).expanduser().absolute())


@dataclass(frozen=True)
class Settings:
    """What a run needs to know. Paths are absolute (resolved when the object is built).

    Dagster receives the object itself as the resource ``settings`` (assets take it as
    ``ResourceParam[Settings]``), so importing it costs readers nothing of Dagster."""

    inbox: str = str(DEFAULT_INBOX)
    warehouse: str = str(DEFAULT_WAREHOUSE)
    # first monthly partition (YYYYMM); empty: the earliest month folder of the inbox
    first_month: str = ""
    # the Dagster instance that records every run; empty: dagster/ beside the warehouse
    dagster_home: str = ""
    schedule_cron: str = "0 6 5 * *"  # the 5th of each month at 06:00
    schedule_timezone: str = "Asia/Shanghai"
    sensor_interval_seconds: int = 60
    versions_kept: int = 5
    docs: bool = True  # build the data catalogue after a publish
    # run dbt's unit tests in every build (they pin the SQL, not the data: off, a scheduler's
    # runs skip them as dbt advises for production, and CI still runs them)
    unit_tests: bool = True
    # refresh the largest models by month (dbt incremental) instead of rebuilding the whole
    # history: a run recomputes the months from the earliest new or re-delivered month, less
    # restatement_months (the contract backdates events and status changes by up to 6)
    incremental: bool = True
    restatement_months: int = 6
    # replay-vs-snapshot disagreements above this share of agent-months withhold the publish
    replay_max_disagreement_share: float = 0.005
    # storage format of the published file (the build file always uses DuckDB's own)
    publish_storage_version: str = "v1.4.0"
    # DuckDB's resources in every build (dbt, ingestion, publish). A national force needs a
    # memory limit below the machine's RAM: DuckDB then spills to the temp directory
    duckdb_memory_limit: str = ""  # e.g. 12GB; empty: DuckDB's default, 80% of RAM
    duckdb_threads: int = 0  # 0: DuckDB's default, one per core
    duckdb_temp_directory: str = ""  # empty: tmp/ beside the warehouse (the same disk)
    # false lets DuckDB reorder rows within a query, which big builds need to stream
    duckdb_preserve_insertion_order: bool = True
    # models dbt builds at once; 1 at national scale, where two big models at once share one
    # memory limit and spill twice the temporary space
    dbt_threads: int = 2
    # where dbt builds: "duckdb" (the build file) or "spark" (a local Spark session)
    engine: str = "duckdb"
    # the local Spark session's heap (spark.driver.memory, JVM syntax: 4g, 8192m)
    spark_driver_memory: str = "4g"
    # write Spark's event log (jobs, stages, tasks, the SQL of each) under spark/events/, for
    # the Spark History Server or bench/spark_local.py
    spark_event_log: bool = False

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``environ`` (default: the process environment), then ``overrides``
        (command-line options; None means "not given"). Paths become absolute."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, var in ENV_NAMES.items():
            raw = env.get(var, "").strip()
            if raw:
                values[name] = _parse(name, var, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.create(**values)

    @classmethod
    def create(cls, **values: Any) -> Settings:
        """Settings from keyword values (tests use this), validated, paths made absolute."""
        for name in ("inbox", "warehouse", "dagster_home", "duckdb_temp_directory"):
            if values.get(name):
                values[name] = _absolute(values[name])
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        settings = cls(**values)
        settings.validate_values()
        return settings

    def validate_values(self) -> None:
        from amisdw.extracts.control import MONTH_RE

        problems = []
        if self.first_month and not MONTH_RE.match(self.first_month):
            problems.append(f"first_month {self.first_month!r} is not a month as YYYYMM")
        if Path(self.warehouse).is_dir():
            problems.append(
                f"the warehouse path {self.warehouse} is a folder; pass --warehouse "
                "FOLDER/NAME.duckdb, the file to publish"
            )
        elif not self.warehouse.endswith(".duckdb"):
            problems.append(f"the warehouse file {self.warehouse} must end in .duckdb")
        if self.versions_kept < 1:
            problems.append(f"versions_kept must be at least 1, not {self.versions_kept}")
        if self.sensor_interval_seconds < 1:
            problems.append("sensor_interval_seconds must be at least 1")
        if not 0 <= self.replay_max_disagreement_share <= 1:
            problems.append(
                "replay_max_disagreement_share must be a share between 0 and 1, not "
                f"{self.replay_max_disagreement_share}"
            )
        if not re.match(PUBLISH_STORAGE_VERSION_RE, self.publish_storage_version):
            problems.append(
                f"publish_storage_version {self.publish_storage_version!r} is not a DuckDB "
                "storage version such as v1.4.0 (or latest)"
            )
        if self.duckdb_memory_limit and not re.match(
            MEMORY_LIMIT_RE, self.duckdb_memory_limit, re.IGNORECASE
        ):
            problems.append(
                f"duckdb_memory_limit {self.duckdb_memory_limit!r} is not a memory size such "
                "as 12GB or 512MB"
            )
        if self.restatement_months < 0:
            problems.append(f"restatement_months must be 0 or more, not {self.restatement_months}")
        if self.duckdb_threads < 0:
            problems.append(
                f"duckdb_threads must be 0 (one per core) or more, not {self.duckdb_threads}"
            )
        if self.dbt_threads < 1:
            problems.append(f"dbt_threads must be 1 or more, not {self.dbt_threads}")
        if not re.match(r"^\d+[kmgt]$", self.spark_driver_memory, re.IGNORECASE):
            problems.append(
                f"spark_driver_memory {self.spark_driver_memory!r} is not a JVM memory size "
                "such as 4g or 8192m (AMISDW_SPARK_DRIVER_MEMORY)"
            )
        if self.engine not in ENGINES:
            problems.append(
                f"engine {self.engine!r} is not one of {', '.join(ENGINES)} (AMISDW_ENGINE)"
            )
        if problems:
            raise AmisdwError("Invalid settings: " + "; ".join(problems) + ".")

    # --- the warehouse's files -------------------------------------------------------------

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox)

    @property
    def published(self) -> Path:
        return Path(self.warehouse)

    @property
    def folder(self) -> Path:
        return self.published.parent

    @property
    def build(self) -> Path:
        """The working file ingestion and dbt write (same folder: publishing is a rename)."""
        return self.published.with_name(f"{self.published.stem}.build.duckdb")

    @property
    def quality_dir(self) -> Path:
        return self.folder / "quality"

    @property
    def gx_dir(self) -> Path:
        return self.quality_dir / "gx"

    @property
    def quarantine_dir(self) -> Path:
        return self.quality_dir / "quarantine"

    @property
    def logs_dir(self) -> Path:
        return self.folder / "logs"

    @property
    def run_log(self) -> Path:
        return self.logs_dir / "amisdw-run.log"

    @property
    def docs_dir(self) -> Path:
        return self.folder / "docs"

    @property
    def dbt_dir(self) -> Path:
        """The dbt profile of this warehouse (profiles.yml) and each run's artifacts."""
        return self.folder / "dbt"

    @property
    def dbt_runs_dir(self) -> Path:
        return self.dbt_dir / "runs"

    @property
    def dagster_home_path(self) -> Path:
        return Path(self.dagster_home) if self.dagster_home else self.folder / "dagster"

    @property
    def lock_path(self) -> Path:
        return self.folder / f".{self.published.name}.lock"

    @property
    def duckdb_temp_dir(self) -> Path:
        """Where DuckDB spills what does not fit in its memory limit."""
        if self.duckdb_temp_directory:
            return Path(self.duckdb_temp_directory)
        return self.folder / "tmp"

    def duckdb_config(self) -> dict[str, str | int | bool]:
        """DuckDB's configuration for every connection that builds the warehouse."""
        config: dict[str, str | int | bool] = {
            "temp_directory": str(self.duckdb_temp_dir),
            "preserve_insertion_order": self.duckdb_preserve_insertion_order,
        }
        if self.duckdb_memory_limit:
            config["memory_limit"] = self.duckdb_memory_limit
        if self.duckdb_threads:
            config["threads"] = self.duckdb_threads
        return config

    @property
    def spark_dir(self) -> Path:
        """The Spark engine's files: raw Parquet, the tables dbt builds, the metastore."""
        return self.folder / "spark"

    @property
    def spark_raw_dir(self) -> Path:
        """Each raw table's months as Parquet, ``<family>/<YYYYMM>-<fingerprint>.parquet``."""
        return self.spark_dir / "raw"

    @property
    def spark_warehouse_dir(self) -> Path:
        """``spark.sql.warehouse.dir``: each schema's tables as ``<schema>.db/<table>/``."""
        return self.spark_dir / "warehouse"

    @property
    def spark_events_dir(self) -> Path:
        """Spark's event log, one file per session (setting ``spark_event_log``)."""
        return self.spark_dir / "events"

    @property
    def spark_metastore_dir(self) -> Path:
        """The embedded (Derby) metastore of the Spark session, and Derby's log."""
        return self.spark_dir / "metastore"

    def spark_conf(self) -> dict[str, str]:
        """The Spark session's configuration (the profile's ``server_side_parameters``).

        ANSI mode makes a bad cast, an overflow or a division by zero fail the query, as on
        DuckDB, instead of giving NULL. Everything Spark writes stays under ``spark_dir``."""
        metastore = self.spark_metastore_dir
        conf = {
            "spark.sql.ansi.enabled": "true",
            # the models' plans are wide (hundreds of columns, unions of many branches) and
            # the data small: a bigger heap, and planning and code generation kept cheap
            "spark.driver.memory": self.spark_driver_memory,
            "spark.sql.constraintPropagation.enabled": "false",
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.warehouse.dir": str(self.spark_warehouse_dir),
            "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
            "spark.sql.sources.partitionOverwriteMode": "dynamic",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore}",
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={metastore / 'metastore_db'};create=true"
            ),
            "spark.local.dir": str(self.spark_dir / "tmp"),
        }
        if self.spark_event_log:
            conf["spark.eventLog.enabled"] = "true"
            conf["spark.eventLog.dir"] = self.spark_events_dir.as_uri()
            conf["spark.eventLog.compress"] = "false"  # JSON lines, readable as they are
        return conf

    # --- programs: next to the running interpreter, never looked up on PATH ----------------

    @property
    def bin_dir(self) -> Path:
        # not resolved: a virtual environment's python is a symlink to the base interpreter
        return Path(sys.executable).parent

    @property
    def dbt_executable(self) -> Path:
        """dbt itself; on Spark, dbt started by amisdw (amisdw.spark.dbt_main), which keeps
        the session's ANSI mode as configured (dbt-spark would switch it off)."""
        return self.bin_dir / ("amisdw-dbt-spark" if self.engine == "spark" else "dbt")

    # --- what dbt gets -----------------------------------------------------------------------

    def dbt_vars(self) -> dict[str, Any]:
        """Settings that are dbt vars (``--vars``) of every build."""
        values: dict[str, Any] = {
            "replay_max_disagreement_share": self.replay_max_disagreement_share
        }
        if self.engine == "spark":  # the raw Parquet that the Spark sources read
            values["spark_raw_dir"] = str(self.spark_raw_dir)
        return values

    def dbt_profile_text(self) -> str:
        """The dbt profile: target ``dev`` (DuckDB) as always; with engine spark, a target
        ``spark`` too (a local session), which is then the default target."""
        text = (
            "# Written by amisdw for this warehouse (amisdw.settings); run dbt by hand with\n"
            f"#   dbt build --project-dir {DBT_PROJECT_DIR} --profiles-dir {self.dbt_dir}\n"
            "amisdw:\n"
            f"  target: {'spark' if self.engine == 'spark' else 'dev'}\n"
            "  outputs:\n"
            "    dev:\n"
            "      type: duckdb\n"
            f"      path: '{self.build}'\n"
            f"      threads: {self.dbt_threads}\n"
            "      config_options:  # DuckDB config, applied once when the database opens\n"
            + "".join(f"        {k}: {_yaml_scalar(v)}\n" for k, v in self.duckdb_config().items())
        )
        if self.engine == "spark":
            text += self._spark_output_text()
        return text

    def _spark_output_text(self) -> str:
        params = "".join(f"        {k}: '{v}'\n" for k, v in self.spark_conf().items())
        return (
            "    spark:\n"
            "      type: spark\n"
            "      method: session\n"
            "      host: localhost\n"
            "      schema: main\n"
            f"      threads: {self.dbt_threads}\n"
            "      server_side_parameters:\n" + params
        )

    def instance_yaml(self) -> str:
        """The Dagster instance's dagster.yaml: the project's template, for this home."""
        template = INSTANCE_TEMPLATE.read_text(encoding="utf-8")
        return template.replace("__DAGSTER_HOME__", str(self.dagster_home_path))

    def prepare_folders(self) -> None:
        """Create the warehouse's folders, its dbt profile and its Dagster instance folder.

        Raises AmisdwError naming the folder when it cannot be created or written."""
        folders = [self.folder, self.logs_dir, self.dbt_dir, self.dagster_home_path]
        if self.engine == "spark":
            folders += [self.spark_raw_dir, self.spark_metastore_dir]
            if self.spark_event_log:
                folders.append(self.spark_events_dir)
        for folder in folders:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise AmisdwError(
                    f"Cannot create the folder {folder}: {exc.filename or folder} is a file, not "
                    "a folder. Choose a --warehouse path in a folder (or set AMISDW_WAREHOUSE / "
                    "DAGSTER_HOME)."
                ) from exc
            except OSError as exc:
                raise AmisdwError(
                    f"Cannot create the folder {folder} ({exc.strerror or exc}). Choose a "
                    "--warehouse path in a folder you can write (or set AMISDW_WAREHOUSE / "
                    "DAGSTER_HOME)."
                ) from exc
        profile = self.dbt_dir / "profiles.yml"
        text = self.dbt_profile_text()
        try:
            if not profile.is_file() or profile.read_text(encoding="utf-8") != text:
                profile.write_text(text, encoding="utf-8")
            instance = self.dagster_home_path / "dagster.yaml"
            rendered = self.instance_yaml()
            if not instance.is_file() or instance.read_text(encoding="utf-8") != rendered:
                instance.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise AmisdwError(
                f"Cannot write in {self.folder} ({exc.strerror or exc}). Choose a --warehouse "
                "path in a folder you can write."
            ) from exc


def _yaml_scalar(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else f"'{value}'"


def _parse(name: str, var: str, raw: str) -> Any:
    kind = typing.get_type_hints(Settings)[name]
    try:
        if kind in (bool, "bool"):
            low = raw.lower()
            if low not in _TRUE | _FALSE:
                raise ValueError(raw)
            return low in _TRUE
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
    except ValueError:
        raise AmisdwError(
            f"The environment variable {var}={raw!r} is not a valid value for the setting "
            f"{name} ({getattr(kind, '__name__', kind)}); unset it or give a valid value."
        ) from None
    return raw
