"""The quarterly review's data: one org, one quarter, read from the published warehouse only.

:func:`open_review` validates the parameters (a quarter with no data lists the loaded quarters;
an unknown org gets a hint) and the methods return small DataFrames for the notebook's tables
and charts. All KPI values come from ``marts.kpi`` (channel ``ALL``); names and units from the
KPI catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from amisdw.readers.catalogue import Kpi, describe, load_catalogue
from amisdw.readers.warehouse import (
    Org,
    WarehouseError,
    complete_quarters,
    connect,
    find_org,
    head_office,
    loaded_periods,
)
from amisdw.report.decompose import Decomposition, decompose
from amisdw.report.params import QUARTER_RE, quarter_label_zh, quarter_months, shift_quarter

CHANNEL = "ALL"
WARNING_STATUS_ZH = {"secured": "已达标", "on_track": "进度达标", "at_risk": "未达标（预警）"}
OUTLET_STAGE_ZH = {"new": "新设网点", "existing": "已有网点", "urban": "城区职场"}


class ReviewError(WarehouseError):
    """The review cannot be produced for these parameters."""


@dataclass
class Review:
    con: duckdb.DuckDBPyConnection
    warehouse: Path
    org: Org
    quarter: str
    loaded_quarters: list[str]
    is_partial: bool
    catalogue: dict[str, Kpi]
    children: pd.DataFrame = field(default_factory=pd.DataFrame)  # org_id, org_name

    # ---- periods -------------------------------------------------------------------------
    @property
    def quarter_zh(self) -> str:
        return quarter_label_zh(self.quarter)

    @property
    def prev_quarter(self) -> str | None:
        q = shift_quarter(self.quarter, -1)
        return q if q in self.loaded_quarters else None

    @property
    def last_year_quarter(self) -> str | None:
        q = shift_quarter(self.quarter, -4)
        return q if q in self.loaded_quarters else None

    @property
    def months(self) -> list[str]:
        return [m for m in quarter_months(self.quarter) if m in self._loaded_months]

    @property
    def _loaded_months(self) -> list[str]:
        return loaded_periods(self.con)["M"]

    def trend_quarters(self, n: int = 5) -> list[str]:
        """Up to n loaded quarters ending with the review quarter."""
        i = self.loaded_quarters.index(self.quarter)
        return self.loaded_quarters[max(0, i - n + 1) : i + 1]

    def trend_months(self, n_quarters: int = 5) -> list[str]:
        wanted = {m for q in self.trend_quarters(n_quarters) for m in quarter_months(q)}
        return [m for m in self._loaded_months if m in wanted]

    @property
    def org_ids(self) -> list[str]:
        """The org itself, then its child orgs."""
        return [self.org.org_id, *self.children["org_id"].tolist()]

    def org_name(self, org_id: str) -> str:
        if org_id == self.org.org_id:
            return self.org.org_name
        hit = self.children.loc[self.children["org_id"] == org_id, "org_name"]
        return str(hit.iloc[0]) if len(hit) else org_id

    def kpi(self, code: str) -> Kpi:
        return describe(code, self.catalogue)

    @property
    def child_level_name(self) -> str:
        row = self.con.execute(
            "SELECT any_value(level_name_zh) FROM marts.dim_org WHERE level = ?",
            [self.org.level + 1],
        ).fetchone()
        return str(row[0]) if row and row[0] else "下级机构"

    @property
    def published_at(self) -> str:
        try:
            row = self.con.execute("SELECT max(published_at) FROM meta.published").fetchone()
            return str(row[0]) if row and row[0] else "—"
        except duckdb.Error:
            return "—"

    # ---- KPI values --------------------------------------------------------------------
    def values(
        self, codes: list[str], periods: list[str], org_ids: list[str] | None = None
    ) -> pd.DataFrame:
        """Long rows org_id, period, kpi_code, value, numerator, denominator (channel ALL)."""
        ids = org_ids if org_ids is not None else self.org_ids
        return self.con.execute(
            "SELECT org_id, period, kpi_code, value, numerator, denominator FROM marts.kpi "
            "WHERE channel = ? AND period IN (SELECT unnest(?::VARCHAR[])) "
            "AND org_id IN (SELECT unnest(?::VARCHAR[])) "
            "AND kpi_code IN (SELECT unnest(?::VARCHAR[]))",
            [CHANNEL, periods, ids, codes],
        ).df()

    def wide(self, codes: list[str], period: str, org_ids: list[str] | None = None) -> pd.DataFrame:
        """One row per org (the org first, then children in order), one column per KPI."""
        ids = org_ids if org_ids is not None else self.org_ids
        long = self.values(codes, [period], ids)
        wide = long.pivot_table(
            index="org_id", columns="kpi_code", values="value", aggfunc="first", dropna=False
        )
        wide = wide.reindex(index=ids, columns=codes)
        wide.insert(0, "org_name", [self.org_name(i) for i in ids])
        return wide

    def series(
        self, codes: list[str], months: list[str], org_id: str | None = None
    ) -> pd.DataFrame:
        """Monthly values of one org: index month label, one column per KPI."""
        long = self.values(codes, months, [org_id or self.org.org_id])
        wide = long.pivot_table(index="period", columns="kpi_code", values="value", aggfunc="first")
        return wide.reindex(index=months, columns=codes)

    def child_series(self, code: str, months: list[str]) -> pd.DataFrame:
        """Monthly values of one KPI per child org: index month, one column per child."""
        ids = self.children["org_id"].tolist()
        long = self.values([code], months, ids)
        wide = long.pivot_table(index="period", columns="org_id", values="value", aggfunc="first")
        return wide.reindex(index=months, columns=ids)

    # ---- premium decomposition ---------------------------------------------------------
    def decomposition(self, base_quarter: str | None) -> dict[str, Decomposition]:
        codes = [
            "new_premium",
            "headcount_avg",
            "activity_rate",
            "policies_per_producer",
            "premium_per_policy",
        ]
        if base_quarter is None:
            return {}
        cur = self.wide(codes, self.quarter)
        base = self.wide(codes, base_quarter)
        return {
            org_id: decompose(base.loc[org_id].to_dict(), cur.loc[org_id].to_dict())
            for org_id in self.org_ids
        }

    # ---- budget ------------------------------------------------------------------------
    def budget(self) -> pd.DataFrame:
        """Budget attainment rows of the org and its children for the quarter."""
        return self.con.execute(
            "SELECT org_id, indicator_code, kpi_code, numerator AS actual, denominator AS target, "
            "value FROM marts.mart_budget WHERE period_type = 'Q' AND period = ? "
            "AND org_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY indicator_code",
            [self.quarter, self.org_ids],
        ).df()

    # ---- cohorts -----------------------------------------------------------------------
    def retention_curves(self, n_cohort_quarters: int = 6) -> pd.DataFrame:
        """Retention by hire quarter: hire_quarter, months_after_hire, cohort_size, share.

        Monthly hire cohorts are pooled by hire quarter (Σ retained / Σ cohort size); a point k
        is shown only when every month of the hire quarter has reached month k by the end of the
        review quarter, so a point never mixes observed and unobserved cohorts.
        """
        last_month = self.months[-1]
        df = self.con.execute(
            "SELECT strftime(cohort_month, '%Y') || 'Q' || "
            "CAST((month(cohort_month) + 2) // 3 AS VARCHAR) AS hire_quarter, cohort_month, "
            "months_after_hire, cohort_size, retained FROM marts.mart_retention_curve "
            "WHERE org_id = ? AND channel = ? AND strftime(observed_month, '%Y-%m') <= ?",
            [self.org.org_id, CHANNEL, last_month],
        ).df()
        if df.empty:
            return pd.DataFrame(
                columns=["hire_quarter", "months_after_hire", "cohort_size", "share"]
            )
        cohorts_per_q = df[df["months_after_hire"] == 0].groupby("hire_quarter")["cohort_month"]
        n_months = cohorts_per_q.nunique()
        g = df.groupby(["hire_quarter", "months_after_hire"]).agg(
            cohorts=("cohort_month", "nunique"),
            cohort_size=("cohort_size", "sum"),
            retained=("retained", "sum"),
        )
        g = g.reset_index()
        g = g[g["cohorts"] == g["hire_quarter"].map(n_months)]
        g["share"] = g["retained"].astype(float) / g["cohort_size"].astype(float)
        keep = sorted(g["hire_quarter"].unique())[-n_cohort_quarters:]
        g = g[g["hire_quarter"].isin(keep)]
        return g[["hire_quarter", "months_after_hire", "cohort_size", "share"]].reset_index(
            drop=True
        )

    def persistency_provisional(self) -> bool:
        row = self.con.execute(
            "SELECT bool_or(persistency_is_provisional) FROM marts.mart_premium "
            "WHERE org_id = ? AND period_type = 'Q' AND period = ? AND channel = ?",
            [self.org.org_id, self.quarter, CHANNEL],
        ).fetchone()
        return bool(row and row[0])

    # ---- assessment warning ------------------------------------------------------------
    def _warning_where(self) -> str:
        return f"org_l{self.org.level} = ? AND quarter = ?"

    def warning_summary(self) -> pd.DataFrame:
        """Agents by child org and status: org_id, secured, on_track, at_risk, total."""
        if self.org.level >= 7:
            child_col = f"org_l{self.org.level}"
        else:
            child_col = f"org_l{self.org.level + 1}"
        df = self.con.execute(
            f"SELECT {child_col} AS org_id, status, count(*) AS n "
            f"FROM marts.mart_assessment_warning WHERE {self._warning_where()} GROUP BY ALL",
            [self.org.org_id, self.quarter],
        ).df()
        wide = df.pivot_table(index="org_id", columns="status", values="n", aggfunc="sum")
        wide = wide.reindex(columns=list(WARNING_STATUS_ZH)).fillna(0).astype(int)
        ids = self.children["org_id"].tolist() or [self.org.org_id]
        wide = (
            wide.reindex(
                index=[i for i in ids if i in wide.index] + [i for i in wide.index if i not in ids]
            )
            .fillna(0)
            .astype(int)
        )
        wide["total"] = wide.sum(axis=1)
        return wide.reset_index()

    def warning_list(self, limit: int = 30) -> tuple[pd.DataFrame, int]:
        """At-risk agents, smallest FYC gap first (the easiest to save), and how many in all."""
        where = f"{self._warning_where()} AND w.status = 'at_risk'"
        total_row = self.con.execute(
            f"SELECT count(*) FROM marts.mart_assessment_warning AS w WHERE {where}",
            [self.org.org_id, self.quarter],
        ).fetchone()
        total = int(total_row[0]) if total_row else 0
        df = self.con.execute(
            "SELECT w.agent_code, w.agent_name_masked, w.grade_code, g.grade_name_zh, "
            "t.org_name AS team_name, w.qtd_fyc::DOUBLE AS qtd_fyc, "
            "w.quarterly_fyc_threshold::DOUBLE AS threshold, w.fyc_gap::DOUBLE AS fyc_gap "
            "FROM marts.mart_assessment_warning AS w "
            "LEFT JOIN marts.dim_grade AS g USING (grade_code) "
            "LEFT JOIN marts.dim_org AS t ON t.org_id = w.team_id "
            f"WHERE {where} ORDER BY w.fyc_gap, g.grade_rank DESC, w.agent_code LIMIT ?",
            [self.org.org_id, self.quarter, limit],
        ).df()
        return df, total

    # ---- data quality of the source ----------------------------------------------------
    def data_quality(self, limit: int = 50) -> tuple[pd.DataFrame, pd.DataFrame, int]:
        """The quarter's findings about the source under this org: counts by kind and field,
        the first ``limit`` findings, and how many in all (empty where the warehouse predates
        marts.data_quality_findings)."""
        empty = pd.DataFrame()
        if not self._has("data_quality_findings"):
            return empty, empty, 0
        where = f"org_l{self.org.level} = ? AND month = ANY(?)"
        args = [self.org.org_id, self.months]
        counts = self.con.execute(
            "SELECT kind, field, count(*) AS findings, count(DISTINCT agent_code) AS agents "
            f"FROM marts.data_quality_findings WHERE {where} GROUP BY ALL ORDER BY ALL",
            args,
        ).df()
        rows = self.con.execute(
            "SELECT agent_code, month, kind, field, snapshot_value, replayed_value, detail "
            f"FROM marts.data_quality_findings WHERE {where} "
            "ORDER BY month, kind, agent_code, field LIMIT ?",
            [*args, limit],
        ).df()
        return counts, rows, int(counts["findings"].sum()) if not counts.empty else 0

    def data_quality_summary(self) -> pd.DataFrame:
        if not self._has("data_quality_summary"):
            return pd.DataFrame()
        return self.con.execute("SELECT * FROM marts.data_quality_summary ORDER BY 1").df()

    def _has(self, table: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_name = ?",
            [table],
        ).fetchone()
        return bool(row and row[0])

    # ---- outlets -----------------------------------------------------------------------
    def outlet_stages(self) -> pd.DataFrame:
        return self.con.execute(
            "SELECT outlet_stage, headcount_end, headcount_avg, hires, leavers, "
            "producing_manpower, effective_manpower, new_policies, new_premium, "
            "first_year_standard_premium, activity_rate, policies_per_producer, "
            "premium_per_policy, standard_premium_per_capita FROM marts.mart_outlet_stage "
            "WHERE org_id = ? AND period_type = 'Q' AND period = ? AND channel = ? "
            "ORDER BY CASE outlet_stage WHEN 'new' THEN 1 WHEN 'existing' THEN 2 ELSE 3 END",
            [self.org.org_id, self.quarter, CHANNEL],
        ).df()


def _children(
    con: duckdb.DuckDBPyConnection, org: Org, quarter: str, last_month: str
) -> pd.DataFrame:
    """Child orgs as of the quarter's last month (dim_org_history), published in the quarter."""
    return con.execute(
        "SELECT h.org_id, any_value(h.org_name) AS org_name FROM marts.dim_org_history AS h "
        "WHERE h.parent_org_id = ? AND strftime(h.valid_from_month, '%Y-%m') <= ? "
        "AND strftime(h.valid_to_month, '%Y-%m') >= ? "
        "AND h.org_id IN (SELECT org_id FROM marts.kpi WHERE period_type = 'Q' AND period = ? "
        "AND channel = 'ALL' AND kpi_code = 'headcount_end') "
        "GROUP BY h.org_id ORDER BY h.org_id",
        [org.org_id, last_month, last_month, quarter],
    ).df()


def default_quarter(con: duckdb.DuckDBPyConnection) -> str:
    """The latest complete quarter; the latest (partial) quarter when none is complete."""
    complete = complete_quarters(con)
    if complete:
        return complete[-1]
    quarters = loaded_periods(con)["Q"]
    if not quarters:
        raise ReviewError("The warehouse has no loaded month: run `amisdw run` first.")
    return quarters[-1]


def check_quarter(con: duckdb.DuckDBPyConnection, quarter: str) -> list[str]:
    """The loaded quarters; raises when ``quarter`` is malformed or has no data."""
    quarters = loaded_periods(con)["Q"]
    if not QUARTER_RE.match(quarter):
        raise ReviewError(
            f"{quarter!r} is not a quarter: write YYYYQn, e.g. "
            f"{quarters[-1] if quarters else '2024Q1'}"
            f" (loaded quarters: {', '.join(quarters) or 'none'})."
        )
    if quarter not in quarters:
        raise ReviewError(
            f"No data for quarter {quarter}: the warehouse holds {', '.join(quarters) or 'none'}. "
            "Pick one of those with --quarter, or load the missing months with `amisdw run`."
        )
    return quarters


def open_review(
    warehouse: str | Path, quarter: str | None = None, org_id: str | None = None
) -> Review:
    """Open the published file read-only and resolve the review's org and quarter."""
    path = Path(warehouse).expanduser().resolve()
    con = connect(path)
    try:
        chosen = quarter or default_quarter(con)
        quarters = check_quarter(con, chosen)
        org = find_org(con, org_id) if org_id else head_office(con)
        months = [m for m in quarter_months(chosen) if m in loaded_periods(con)["M"]]
        published = con.execute(
            "SELECT count(*) FROM marts.kpi WHERE org_id = ? AND period_type = 'Q' AND period = ? "
            "AND channel = 'ALL' AND kpi_code = 'headcount_end'",
            [org.org_id, chosen],
        ).fetchone()
        if not published or not published[0]:
            raise ReviewError(
                f"Org {org.org_id} {org.org_name} has no KPIs for {chosen} (it was not open then). "
                "Pick another quarter or org."
            )
        review = Review(
            con=con,
            warehouse=path,
            org=org,
            quarter=chosen,
            loaded_quarters=quarters,
            is_partial=len(months) < 3,
            catalogue=load_catalogue(con),
        )
        review.children = _children(con, org, chosen, months[-1])
        return review
    except Exception:
        con.close()
        raise
