"""Run the quality gates on one complete delivery before it may enter the warehouse.

Three kinds of finding, each naming the month, file, check, number of rows and up to three
example rows (with their line in the file):

- parsing: a value that is not of its contract type (a bad date, a non-numeric amount), a
  missing column, an undecodable file — found by the reader;
- the family's Great Expectations suite (expectations/<family>.json), run on the parsed
  rows as a pandas batch, with results stored and Data Docs built under the GX folder;
- cross-file checks within the delivery and against earlier deliveries already in raw
  (references must resolve: agents, teams, the company chain, policies of receipts).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from amisdw.extracts.contract import FAMILIES, HEAD_OFFICE, Family
from amisdw.extracts.parse import ParsedDelivery
from amisdw.extracts.read import arrow_schema
from amisdw.quality.suites import load_suite

MAX_EXAMPLES = 3


@dataclass
class GateFinding:
    month: str
    file: str
    check: str
    message: str
    rows: int
    examples: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        ex = "; ".join(_example_text(e) for e in self.examples[:MAX_EXAMPLES])
        return f"{self.month} {self.file} [{self.check}] {self.message}: {self.rows} row(s)" + (
            f", e.g. {ex}" if ex else ""
        )


@dataclass
class GateResult:
    month: str
    fingerprint: str
    findings: list[GateFinding] = field(default_factory=list)
    docs_index: Path | None = None

    @property
    def passed(self) -> bool:
        return not self.findings


def _example_text(example: dict[str, Any]) -> str:
    line = example.get("_source_line")
    values = ", ".join(f"{k}={v!r}" for k, v in example.items() if k != "_source_line")
    return f"line {line}: {values}" if line is not None else values


MONTH_COLUMN = "_delivery_month"  # the month of each row in a multi-month batch


def _parse_findings(parsed: ParsedDelivery, result: GateResult) -> None:
    """Files that did not parse become findings of the month."""
    for exc in parsed.errors:
        for f in exc.findings:
            examples = [{"_source_line": f.line, (f.column or "value"): f.value}]
            result.findings.append(
                GateFinding(parsed.delivery.month, f.file, "parse", f.message, f.count, examples)
            )


@dataclass(frozen=True)
class SuiteBatch:
    """One family's rows of a batch of months: ``table`` as parsed (amounts as floats), for
    the findings' examples, and ``frame``, the pandas batch the suite validates."""

    table: pa.Table
    frame: pd.DataFrame


def _suite_frame(
    months: list[str], tables: dict[str, dict[str, pa.Table]], family: Family
) -> SuiteBatch | None:
    """One family's parsed rows of ``months`` (with file and month) for its suite, or None
    when no month delivered the family: the Arrow tables are put together first and converted
    once."""
    parts = [
        tables[m][family.name].append_column(
            MONTH_COLUMN, pa.array([m] * tables[m][family.name].num_rows, pa.string())
        )
        for m in months
        if family.name in tables[m]
    ]
    if not parts:
        return None
    table = _as_floats(pa.concat_tables(parts))
    return SuiteBatch(table, _dates_as_timestamps(table).to_pandas())


def _as_floats(table: pa.Table) -> pa.Table:
    """Amounts (decimal128) as float64: pandas would hold them as Decimal objects, whose
    type DuckDB and GX infer from the first values (and then reject larger ones)."""
    for i, fld in enumerate(table.schema):
        if pa.types.is_decimal(fld.type):
            table = table.set_column(i, fld.name, table.column(i).cast(pa.float64()))
    return table


# pandas' nanosecond timestamps reach from 1677 to 2262
NS_FIRST_DATE, NS_LAST_DATE = dt.date(1678, 1, 1), dt.date(2261, 12, 31)


def _dates_as_timestamps(table: pa.Table) -> pa.Table:
    """Dates as nanosecond timestamps, which GX's pandas engine compares with a date range
    in one vectorised step (Python dates it compares one value at a time: 7 M calls, 5 s, on
    the 36-month demo). A date beyond nanosecond range (year 9999, year 1) is clamped to it:
    still outside every range a suite allows, so it fails as it would have, and its example
    is taken from the unclamped table. Nulls stay null."""
    for i, fld in enumerate(table.schema):
        if pa.types.is_date(fld.type):
            lo, hi = pa.scalar(NS_FIRST_DATE, fld.type), pa.scalar(NS_LAST_DATE, fld.type)
            clamped = pc.min_element_wise(
                pc.max_element_wise(table.column(i), lo, skip_nulls=False), hi, skip_nulls=False
            )
            table = table.set_column(i, fld.name, clamped.cast(pa.timestamp("ns")))
    return table


@dataclass
class BatchGates:
    """The gates that do not depend on what raw holds (parsing, the GX suites), run once over
    a batch of consecutive months; :meth:`finish` adds a month's cross-file checks against the
    build warehouse once the months before it are loaded."""

    results: dict[str, GateResult]
    suites: GxSuites
    tables: dict[str, dict[str, pa.Table]] = field(default_factory=dict)

    def finish(self, month: str, con: duckdb.DuckDBPyConnection) -> GateResult:
        result = self.results[month]
        if not result.findings:  # unparseable or failing the suites: nothing to cross-check
            _cross_file_checks(month, self.tables[month], con, result)
        if result.findings:  # the Data Docs the quarantine message points to show this month
            result.docs_index = self.suites.build_docs()
        return result


def batch_gates(batch: list[ParsedDelivery], suites: GxSuites) -> BatchGates:
    """Parse findings and the GX suites of every month of ``batch`` (one validation per
    family for the whole batch; each finding names its month)."""
    results = {
        p.delivery.month: GateResult(p.delivery.month, p.delivery.fingerprint) for p in batch
    }
    for p in batch:
        _parse_findings(p, results[p.delivery.month])
    tables = {p.delivery.month: _tables(p) for p in batch}
    valid = [m for m, r in results.items() if not r.findings]  # unparseable: nothing to add
    _run_suites(valid, tables, suites, results)
    return BatchGates(results, suites, tables)


def _tables(parsed: ParsedDelivery) -> dict[str, pa.Table]:
    """Every family's parsed rows as one Arrow table with its file name (what the cross-file
    checks query: DuckDB scans Arrow without converting, unlike object-typed DataFrames)."""
    by_family: dict[str, list[pa.Table]] = {}
    for pfile in parsed.files:
        table = pfile.table.append_column(
            "_file", pa.array([pfile.file.name] * pfile.table.num_rows, pa.string())
        )
        by_family.setdefault(pfile.file.family.name, []).append(table)
    return {name: pa.concat_tables(parts) for name, parts in by_family.items()}


def run_gates(
    parsed: ParsedDelivery,
    con: duckdb.DuckDBPyConnection,
    gx_dir: Path,
) -> GateResult:
    """All gates on one parsed delivery; ``con`` is the build warehouse (earlier deliveries
    in raw)."""
    return batch_gates([parsed], GxSuites(gx_dir)).finish(parsed.delivery.month, con)


# --- Great Expectations -----------------------------------------------------------------------


class GxSuites:
    """The GX project of a warehouse (``gx_dir``): one file-backed context, one pandas asset,
    validation definition and checkpoint per extract family, created once per process and
    reused for every month (each month's results are stored under the month's run name).
    Data Docs are rebuilt once per ingestion run (:meth:`build_docs`), not per validation."""

    def __init__(self, gx_dir: Path) -> None:
        import great_expectations as gx

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self._gx = gx
        try:
            self._open(gx_dir)
        except Exception:  # noqa: BLE001 - a store half-written when the disk filled up
            # the GX project is derived state (suites come from expectations/): start anew
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            gx_dir.rename(gx_dir.with_name(f"{gx_dir.name}.damaged-{stamp}"))
            self._open(gx_dir)
        self._checkpoints: dict[str, Any] = {}

    def _open(self, gx_dir: Path) -> None:
        gx_dir.mkdir(parents=True, exist_ok=True)
        self.ctx = self._gx.get_context(mode="file", project_root_dir=str(gx_dir))
        # GX draws a tqdm bar per validation on stderr ("Calculating Metrics"): dozens per
        # month, interleaved with the run's own progress and in schedulers' logs
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.ctx.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        self._source = self.ctx.data_sources.add_or_update_pandas("amis_delivery")

    def _checkpoint(self, family: Family) -> Any:
        if family.name in self._checkpoints:
            return self._checkpoints[family.name]
        gx = self._gx
        name = family.raw_table
        try:
            asset = self._source.get_asset(name)
        except LookupError:
            asset = self._source.add_dataframe_asset(name)
        try:
            batch_def = asset.get_batch_definition("delivery")
        except KeyError:
            batch_def = asset.add_batch_definition_whole_dataframe("delivery")
        suite = self.ctx.suites.add_or_update(gx.ExpectationSuite(**load_suite(family)))
        vd = self.ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_def, suite=suite)
        )
        checkpoint = self.ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[vd],
                actions=[],
                result_format={"result_format": "COMPLETE"},
            )
        )
        self._checkpoints[family.name] = checkpoint
        return checkpoint

    def validate(self, family: Family, df: pd.DataFrame, month: str) -> list[Any]:
        """The failed expectation results of ``df`` (one family of the month's delivery).

        A first pass asks GX only whether each expectation holds (``BOOLEAN_ONLY``); a
        family that fails is validated again with ``COMPLETE`` results (the failing rows'
        indices and values the findings quote), stored over the first under the same run.
        Clean months, nearly all of them, so skip computing unexpected-row lists that are
        empty anyway."""
        from great_expectations.core.run_identifier import RunIdentifier

        checkpoint = self._checkpoint(family)
        run_id = RunIdentifier(run_name=f"{family.raw_table}_{month}")
        (vd,) = checkpoint.validation_definitions
        result = vd.run(
            batch_parameters={"dataframe": df},
            result_format="BOOLEAN_ONLY",
            run_id=run_id,
            checkpoint_id=checkpoint.id,
        )
        if not result.success:
            result = vd.run(
                batch_parameters={"dataframe": df},
                result_format="COMPLETE",
                run_id=run_id,
                checkpoint_id=checkpoint.id,
            )
        self._forget_batches(checkpoint)
        return [r for r in result.results if not r.success]

    @staticmethod
    def _forget_batches(checkpoint: Any) -> None:
        """Drop the batch GX keeps of the frame just validated. GX's pandas execution engine
        caches every batch it loads, and the context stays reachable from GX's global project
        manager after ingestion, so a backlog's frames (0.9 GB on the 36-month demo) stayed
        resident in the run's process all through the dbt build."""
        for vd in checkpoint.validation_definitions:
            engine = vd.data.data_asset.datasource.get_execution_engine()
            engine.batch_manager.reset_batch_cache()
            engine.batch_manager.batch_data_cache.clear()

    def build_docs(self) -> Path | None:
        self.ctx.build_data_docs()
        sites = self.ctx.get_docs_sites_urls()
        return Path(sites[0]["site_url"].removeprefix("file://")) if sites else None


def _run_suites(
    months: list[str],
    tables: dict[str, dict[str, pa.Table]],
    suites: GxSuites,
    results: dict[str, GateResult],
) -> None:
    if not months:
        return
    label = months[0] if len(months) == 1 else f"{months[0]}-{months[-1]}"
    for family in FAMILIES:
        batch = _suite_frame(months, tables, family)
        if batch is None:
            continue
        df = batch.frame
        for r in suites.validate(family, df, label):
            cfg = r.expectation_config
            check = (cfg.meta or {}).get("check", cfg.type)
            info = r.result or {}
            idx = [
                int(i)
                for i in info.get("unexpected_index_list") or []
                if isinstance(i, int | float)
            ]
            by_month: dict[str, list[int]] = {}
            for i in idx:
                by_month.setdefault(str(df[MONTH_COLUMN].iat[i]), []).append(i)
            if not by_month:  # a table-level expectation: every month of the batch
                by_month = {m: [] for m in months if family.name in tables[m]}
            for month, rows in by_month.items():
                results[month].findings.append(
                    GateFinding(
                        month,
                        _file_of(df, rows),
                        check,
                        _describe(cfg.type, cfg.kwargs, info),
                        len(rows) or int(info.get("unexpected_count") or 1),
                        _examples(batch.table, rows, cfg.kwargs),
                    )
                )


def _file_of(df: pd.DataFrame, idx: list[Any]) -> str:
    if "_file" not in df.columns or df.empty:
        return "?"
    row = int(idx[0]) if idx and isinstance(idx[0], int | float) else 0
    return str(df["_file"].iloc[row])


def _examples(table: pa.Table, idx: list[Any], kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    cols = [c for c in ("column", "column_A", "column_B") if c in kwargs]
    columns = [kwargs[c] for c in cols] + [
        c for c in kwargs.get("column_list", []) if c != MONTH_COLUMN
    ]
    rows = []
    for i in idx[:MAX_EXAMPLES]:
        if not isinstance(i, int | float):
            continue
        rec = table.slice(int(i), 1).to_pylist()[0]
        example = {"_source_line": int(rec["_source_line"])}
        for c in columns or [table.column_names[0]]:
            example[c] = _plain(rec.get(c))
        rows.append(example)
    return rows


def _bound(value: Any) -> Any:
    """A range bound as a message shows it (a date bound without its midnight time)."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return value.removesuffix("T00:00:00") if isinstance(value, str) else value


def _describe(kind: str, kwargs: dict[str, Any], info: dict[str, Any]) -> str:
    column = kwargs.get("column")
    if kind == "expect_table_columns_to_match_set":
        missing = sorted(set(kwargs["column_set"]) - set(info.get("observed_value") or []))
        return f"columns missing: {', '.join(missing)}"
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} is empty but required"
    if kind == "expect_column_values_to_be_in_set":
        return f"{column} holds values outside the code set {kwargs['value_set']}"
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        key = column or ", ".join(c for c in kwargs.get("column_list", []) if c != MONTH_COLUMN)
        return f"business key ({key}) is duplicated"
    if kind == "expect_column_values_to_be_between":
        lo, hi = (_bound(kwargs.get(k)) for k in ("min_value", "max_value"))
        return f"{column} outside [{lo}, {hi}]"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        return f"{kwargs['column_B']} is greater than {kwargs['column_A']}"
    return f"{kind} failed" + (f" on {column}" if column else "")


# --- cross-file checks ------------------------------------------------------------------------


def _cross_file_checks(
    month: str,
    frames: dict[str, pa.Table],
    con: duckdb.DuckDBPyConnection,
    result: GateResult,
) -> None:
    """References resolve within the delivery or earlier deliveries (raw, other months)."""
    cur = con.cursor()
    try:
        for name, df in frames.items():
            cur.register(f"d_{name.lower()}", df)
        for name in ("AGENT", "BRANCH", "COM", "POLICY"):
            if name not in frames:
                fam = next(f for f in FAMILIES if f.name == name)
                cur.register(f"d_{name.lower()}", arrow_schema(fam).empty_table())
        earlier = f"_delivery_month < '{month}'"
        # the agents of this and earlier deliveries, gathered once for the four checks
        known = cur.sql(
            f"SELECT agent_code FROM d_agent UNION SELECT agent_code FROM raw.agent WHERE {earlier}"
        ).to_arrow_table()
        cur.register("d_known_agents", known)
        agents = "SELECT agent_code FROM d_known_agents"
        checks = [
            (
                "AGENT_EVENT",
                "agent_exists",
                "AgentCode not in AGENT of this or an earlier delivery",
                f"SELECT * FROM d_agent_event WHERE agent_code NOT IN ({agents})",
            ),
            (
                "POLICY",
                "agent_exists",
                "AgentCode not in AGENT of this or an earlier delivery",
                f"SELECT * FROM d_policy WHERE agent_code NOT IN ({agents})",
            ),
            (
                "RECEIPT",
                "agent_exists",
                "AgentCode not in AGENT of this or an earlier delivery",
                f"SELECT * FROM d_receipt WHERE agent_code NOT IN ({agents})",
            ),
            (
                "ACTIVITY",
                "agent_exists",
                "AgentCode not in AGENT of this or an earlier delivery",
                f"SELECT * FROM d_activity WHERE agent_code NOT IN ({agents})",
            ),
            (
                "AGENT",
                "team_exists",
                "AgentGroup not in this delivery's BRANCH",
                "SELECT * FROM d_agent WHERE agent_group NOT IN (SELECT agent_group FROM d_branch)",
            ),
            (
                "BRANCH",
                "parent_exists",
                "UpAgentGroup not in this delivery's BRANCH",
                "SELECT * FROM d_branch WHERE up_agent_group IS NOT NULL AND up_agent_group "
                "NOT IN (SELECT agent_group FROM d_branch)",
            ),
            (
                "BRANCH",
                "county_exists",
                "ManageCom is not a county (04) of this delivery's COM",
                "SELECT * FROM d_branch WHERE manage_com NOT IN "
                "(SELECT com_code FROM d_com WHERE com_grade = '04')",
            ),
            (
                "COM",
                "chain_reaches_head_office",
                f"UpComCode chain does not reach {HEAD_OFFICE}",
                _com_chain_sql(),
            ),
            (
                "RECEIPT",
                "policy_exists",
                "ContNo not in POLICY of this or an earlier delivery",
                # NOT IN a union is NOT IN each part (also with nulls), without the union's
                # de-duplication of every earlier policy
                "SELECT * FROM d_receipt WHERE cont_no NOT IN (SELECT cont_no FROM d_policy) "
                f"AND cont_no NOT IN (SELECT cont_no FROM raw.policy WHERE {earlier})",
            ),
        ]
        for family_name, check, message, sql in checks:
            if family_name not in frames:
                continue
            bad = cur.execute(sql).df()
            if bad.empty:
                continue
            examples = [
                {k: _plain(v) for k, v in row.items() if k in _example_columns(family_name, check)}
                for row in bad.head(MAX_EXAMPLES).to_dict("records")
            ]
            result.findings.append(
                GateFinding(month, str(bad["_file"].iloc[0]), check, message, len(bad), examples)
            )
    finally:
        cur.close()


def _com_chain_sql() -> str:
    # A company whose ancestors (up to 4 steps) never reach head office.
    return f"""
        WITH RECURSIVE chain(com_code, ancestor, depth) AS (
            SELECT com_code, up_com_code, 1 FROM d_com
            UNION ALL
            SELECT chain.com_code, parent.up_com_code, depth + 1
            FROM chain JOIN d_com AS parent ON parent.com_code = chain.ancestor
            WHERE depth < 6
        )
        SELECT * FROM d_com
        WHERE com_code <> '{HEAD_OFFICE}'
          AND com_code NOT IN (SELECT com_code FROM chain WHERE ancestor = '{HEAD_OFFICE}')
    """


def _example_columns(family_name: str, check: str) -> set[str]:
    return {
        "agent_exists": {"_source_line", "agent_code"},
        "team_exists": {"_source_line", "agent_code", "agent_group"},
        "parent_exists": {"_source_line", "agent_group", "up_agent_group"},
        "county_exists": {"_source_line", "agent_group", "manage_com"},
        "chain_reaches_head_office": {"_source_line", "com_code", "up_com_code"},
        "policy_exists": {"_source_line", "receipt_no", "cont_no"},
    }.get(check, {"_source_line"})


def _plain(value: Any) -> Any:
    """A value as plain Python for messages and JSON (dates as ISO text, numpy scalars unboxed)."""
    if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value) if hasattr(value, "is_finite") else value  # Decimal
