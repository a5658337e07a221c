"""What a published warehouse was built from: the deliveries (month → fingerprint), the
version of the dbt project (a hash of its models, macros, seeds, tests and config), the dbt
vars of the settings and the engine. When all of them match what a run would build now, it
has nothing to rebuild or publish."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from amisdw.sequencing import shift_month
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


def vars_text(dbt_vars: Mapping[str, Any]) -> str:
    """The dbt vars as they are recorded (JSON, keys sorted): equal vars, equal text."""
    return json.dumps(dbt_vars, sort_keys=True)


def published_state(published: Path) -> tuple[dict[str, str], str, str, str] | None:
    """(deliveries, dbt code version, engine, dbt vars) of the published file; None if absent
    or unreadable (a file published before the engine and the vars were recorded counts as
    unreadable, so it is rebuilt once)."""
    if not published.exists():
        return None
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            deliveries = dict(
                con.execute("SELECT delivery_month, fingerprint FROM meta.deliveries").fetchall()
            )
            row = con.execute(
                "SELECT max(dbt_code_version), max(engine), max(dbt_vars) FROM meta.published"
            ).fetchone()
    except duckdb.Error:
        return None
    version, engine, dbt_vars = ((v or "") for v in (row or ("", "", "")))
    return deliveries, version, engine, dbt_vars


def is_up_to_date(build: Path, published: Path, engine: str, dbt_vars: Mapping[str, Any]) -> bool:
    """The published file was built from the deliveries the build file holds, by this dbt
    project, on this engine, with these dbt vars (a changed disagreement threshold must
    re-run the gate): a run has nothing to rebuild."""
    state = published_state(published)
    if state is None:
        return False
    deliveries, version, published_engine, published_vars = state
    return (
        bool(deliveries)
        and deliveries == loaded_deliveries(build)
        and version == dbt_code_version()
        and published_engine == engine
        and published_vars == vars_text(dbt_vars)
    )


# --- what the build file's incremental tables were last built from ---------------------------

BUILD_RECORD = "raw._dbt_build"  # one row, written after a dbt build that fully succeeded


@dataclass(frozen=True)
class BuildInputs:
    """Everything a dbt build's tables depend on: the deliveries (month → fingerprint), the dbt
    project's code version, the dbt vars of the settings (as JSON) and the engine."""

    deliveries: dict[str, str]
    code_version: str
    dbt_vars: str
    engine: str


@dataclass(frozen=True)
class Restatement:
    """How a build runs: from ``restate_from`` (``YYYY-MM-01``) on, or in full (None), and
    why, in words for the run's log."""

    restate_from: str | None
    reason: str


def current_inputs(build: Path, dbt_vars: Mapping[str, Any], engine: str) -> BuildInputs:
    return BuildInputs(loaded_deliveries(build), dbt_code_version(), vars_text(dbt_vars), engine)


def restatement(previous: BuildInputs | None, current: BuildInputs, months: int) -> Restatement:
    """Where a refresh must start so that it equals a full rebuild: the earliest month whose
    delivery is new or changed since ``previous`` (the last successful build), less ``months``
    (the restatement window); a full build when there is no usable previous build, or when
    the window reaches the first loaded month."""
    if previous is None:
        return Restatement(None, "full build: no successful build of this build file recorded")
    for what, before, now in (
        ("the dbt project", previous.code_version, current.code_version),
        ("the dbt vars", previous.dbt_vars, current.dbt_vars),
        ("the engine", previous.engine, current.engine),
    ):
        if before != now:
            return Restatement(None, f"full build: {what} changed since the last build")
    if current.engine != "duckdb":
        return Restatement(None, f"full build: the {current.engine} engine always builds in full")
    dropped = sorted(set(previous.deliveries) - set(current.deliveries))
    if dropped:
        return Restatement(None, f"full build: month(s) {', '.join(dropped)} no longer loaded")
    changed = sorted(m for m, fp in current.deliveries.items() if previous.deliveries.get(m) != fp)
    first = min(current.deliveries)
    earliest = changed[0] if changed else max(current.deliveries)
    start = shift_month(earliest, -months)
    if start <= first:
        return Restatement(None, f"full build: the restatement window reaches {first}")
    what = f"new or re-delivered {', '.join(changed)}" if changed else "no new delivery"
    return Restatement(
        f"{start[:4]}-{start[4:]}-01",
        f"refresh from {start[:4]}-{start[4:]} ({what}, restatement window {months} months)",
    )


def last_build(build: Path) -> BuildInputs | None:
    """The inputs of the build file's last fully successful dbt build; None if none is
    recorded (a new file, or a build that failed or is under way)."""
    if not build.exists():
        return None
    with duckdb.connect(str(build)) as con:
        try:
            row = con.execute(
                f"SELECT deliveries, code_version, dbt_vars, engine FROM {BUILD_RECORD}"
            ).fetchone()
        except duckdb.CatalogException:
            return None
    if row is None:
        return None
    return BuildInputs(json.loads(row[0]), row[1], row[2], row[3])


def record_build(build: Path, inputs: BuildInputs | None) -> None:
    """Record what the build file's tables were built from; None before a build starts (a
    build that stops half-way leaves no record, so the next one is full)."""
    with duckdb.connect(str(build)) as con:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {BUILD_RECORD} (deliveries VARCHAR, "
            "code_version VARCHAR, dbt_vars VARCHAR, engine VARCHAR, built_at TIMESTAMP)"
        )
        con.execute(f"DELETE FROM {BUILD_RECORD}")
        if inputs is not None:
            con.execute(
                f"INSERT INTO {BUILD_RECORD} VALUES (?, ?, ?, ?, now())",
                [
                    json.dumps(inputs.deliveries, sort_keys=True),
                    inputs.code_version,
                    inputs.dbt_vars,
                    inputs.engine,
                ],
            )
