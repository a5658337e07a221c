"""End to end on generated data: the published marts.kpi holds every KPI for every org,
period and channel, and the dictionary's invariants hold when re-checked from the published
tables alone, in Python (independently of the dbt tests that guard the same rules)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from amisdw import settings
from amisdw.extracts.contract import RECEIPT
from amisdw.settings import Settings

pytestmark = pytest.mark.slow

DBT = str(Path(sys.executable).with_name("dbt"))
CATALOGUE = settings.DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv"


def catalogue() -> pd.DataFrame:
    return pd.read_csv(CATALOGUE, dtype=str)


def read_kpi(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM marts.kpi").df()


def wide(kpi: pd.DataFrame, period_type: str) -> pd.DataFrame:
    rows = kpi[(kpi.period_type == period_type) & ~kpi.kpi_code.str.startswith("budget_")]
    return rows.pivot(
        index=["org_id", "level", "period", "channel"], columns="kpi_code", values="value"
    ).reset_index()


@pytest.fixture(scope="module", params=["tiny15", "demo8"])
def built(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def kpi(built) -> pd.DataFrame:
    return read_kpi(built.warehouse)


def test_every_kpi_for_every_org_period_and_channel(built, kpi):
    codes = set(catalogue().kpi_code)
    per_row = (
        kpi[~kpi.kpi_code.str.startswith("budget_")]
        .groupby(["org_id", "period_type", "period", "channel"])
        .kpi_code.agg(set)
    )
    assert (per_row == codes).all()
    # every level, every period type, every channel the force has
    assert set(kpi.level) == set(range(1, 8))
    assert set(kpi.period_type) == {"M", "Q", "Y"}
    assert {"ALL", "1", "4"} <= set(kpi.channel)
    # one row per key
    assert not kpi.duplicated(["org_id", "period_type", "period", "channel", "kpi_code"]).any()
    # every org that was open in a month is published for it (dim_org has them all)
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        orgs = {r[0] for r in con.execute("SELECT org_id FROM marts.dim_org").fetchall()}
    assert set(kpi.org_id) <= orgs


def test_value_is_numerator_over_denominator(kpi):
    cat = catalogue().set_index("kpi_code")
    rates = kpi[kpi.kpi_code.map(cat.kind).eq("rate") | kpi.kpi_code.str.startswith("budget_")]
    zero = rates.denominator == 0
    assert rates[zero].value.isna().all()
    nz = rates[~zero & rates.denominator.notna()]
    assert np.array_equal(nz.value.to_numpy(), (nz.numerator / nz.denominator).to_numpy())
    plain = kpi[kpi.kpi_code.map(cat.kind).isin(["count", "amount", "mean", "stock"])]
    assert plain.numerator.isna().all() and plain.denominator.isna().all()


def test_headcount_start_is_previous_headcount_end(kpi):
    m = wide(kpi, "M")
    start = m.set_index(["org_id", "channel", "period"]).headcount_start.to_dict()
    end = m.set_index(["org_id", "channel", "period"]).headcount_end.to_dict()
    periods = sorted(m.period.unique())
    checked = 0
    for prev, cur in zip(periods[:-1], periods[1:], strict=True):
        keys = {k[:2] for k in start if k[2] == cur} | {k[:2] for k in end if k[2] == prev}
        for org, channel in keys:
            assert start.get((org, channel, cur), 0) == end.get((org, channel, prev), 0), (
                org,
                channel,
                cur,
            )
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("period_type", ["M", "Q", "Y"])
def test_flow_identity(kpi, period_type):
    w = wide(kpi, period_type)
    lhs = w.headcount_end
    rhs = w.headcount_start + w.hires - w.leavers + w.transfers_in - w.transfers_out
    assert (lhs == rhs).all()
    ho = w[(w.level == 1) & (w.channel == "ALL")]
    assert (ho.transfers_in == ho.transfers_out).all()


def test_subset_chain_for_months(kpi):
    w = wide(kpi, "M")
    assert (w.effective_manpower <= w.producing_manpower).all()
    assert (w.producing_manpower <= w.headcount_end + w.leavers).all()
    assert (w.long_term_producing_manpower <= w.producing_manpower).all()
    assert (w.ten_thousand_manpower <= w.producing_manpower).all()
    assert (w.licensed_manpower <= w.headcount_end).all()
    assert (w.producing_supervisors <= w.supervisors).all()
    assert (w.supervisors <= w.headcount_end).all()


def test_parent_equals_sum_of_children_for_month_measures(built, kpi):
    """Home-team measures of month m roll up through month m's parents (dim_org_history)."""
    codes = [
        "headcount_end",
        "hires",
        "leavers",
        "producing_manpower",
        "effective_manpower",
        "new_policies",
        "new_premium",
        "first_year_premium",
        "fyc",
        "promotions",
    ]
    w = wide(kpi, "M")
    w["month"] = pd.to_datetime(w.period + "-01")
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        hist = con.execute(
            "SELECT org_id, parent_org_id, valid_from_month, valid_to_month "
            "FROM marts.dim_org_history"
        ).df()
    hist["valid_from_month"] = pd.to_datetime(hist.valid_from_month)
    hist["valid_to_month"] = pd.to_datetime(hist.valid_to_month)
    child = w[w.level > 1].merge(hist, on="org_id")
    child = child[(child.valid_from_month <= child.month) & (child.month <= child.valid_to_month)]
    sums = child.groupby(["parent_org_id", "period", "channel"])[codes].sum()
    parents = w[w.level < 7].set_index(["org_id", "period", "channel"])[codes]
    parents.index.names = sums.index.names
    both = parents.join(sums, rsuffix="_children", how="left").fillna(0)
    for code in codes:
        assert np.allclose(both[code], both[f"{code}_children"], atol=0.005), code


def test_months_sum_to_quarters_and_years(kpi):
    flows = [
        "hires",
        "leavers",
        "new_policies",
        "new_premium",
        "first_year_premium",
        "first_year_standard_premium",
        "fyc",
        "promotions",
        "demotions",
    ]
    m = wide(kpi, "M")
    m["Q"] = m.period.str[:4] + "Q" + ((m.period.str[5:].astype(int) - 1) // 3 + 1).astype(str)
    m["Y"] = m.period.str[:4]
    for ptype in ("Q", "Y"):
        sums = m.groupby(["org_id", "channel", ptype])[flows].sum()
        p = wide(kpi, ptype).set_index(["org_id", "channel", "period"])[flows]
        p.index.names = sums.index.names
        joined = p.join(sums, rsuffix="_m", how="inner")
        assert len(joined) == len(p)
        for code in flows:
            assert np.allclose(joined[code], joined[f"{code}_m"], atol=0.005), (ptype, code)


def test_premium_identity(kpi):
    for ptype in ("M", "Q", "Y"):
        w = wide(kpi, ptype)
        ok = w[["activity_rate", "policies_per_producer", "premium_per_policy"]].notna().all(axis=1)
        w = w[ok]
        product = w.headcount_avg * w.activity_rate * w.policies_per_producer * w.premium_per_policy
        assert np.allclose(w.new_premium, product, rtol=1e-9, atol=1e-6)


def test_shares_within_zero_and_one(kpi):
    shares = [
        "supervisor_activity_rate",
        "attendance_rate",
        "visit_quota_rate",
        "conversion_rate_3m",
        "supervisor_pass_rate",
        "retention_rate_7m",
        "retention_rate_13m",
        "cooling_off_cancellation_ratio",
        "persistency_13m",
    ]
    v = kpi[kpi.kpi_code.isin(shares) & kpi.value.notna()].value
    assert len(v) > 0
    assert ((v >= 0) & (v <= 1 + 1e-12)).all()


def _inbox_receipts(inbox: Path) -> pd.DataFrame:
    """RECEIPT rows read straight from the delivered files (not through the warehouse):
    decode UTF-8 or GB18030, map captions or codes to codes, latest delivery per ReceiptNo."""
    by_header = {f.caption: f.code for f in RECEIPT.fields}
    by_header |= {f.code: f.code for f in RECEIPT.fields}
    frames = []
    for path in sorted(inbox.glob("*/RECEIPT_*.csv")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        rows = list(csv.reader(io.StringIO(text)))
        header = [by_header[h.strip()] for h in rows[0]]
        df = pd.DataFrame(rows[1:], columns=header)
        df["delivery"] = path.parent.name
        frames.append(df)
    df = pd.concat(frames).sort_values("delivery").drop_duplicates("ReceiptNo", keep="last")
    for col in ("TransMoney", "TransStandMoney", "FYC"):
        df[col] = pd.to_numeric(df[col].replace("", "0"))
    df["PayCount"] = df.PayCount.astype(int)
    df["period"] = df.WageNo.str[:4] + "-" + df.WageNo.str[4:6]
    return df


def test_head_office_totals_reconcile_to_the_delivered_receipts(built, kpi):
    receipts = _inbox_receipts(built.inbox)
    first_year = receipts[receipts.PayCount == 1]
    expected = pd.DataFrame(
        {
            "first_year_premium": first_year.groupby("period").TransMoney.sum(),
            "first_year_standard_premium": first_year.groupby("period").TransStandMoney.sum(),
            "fyc": receipts.groupby("period").FYC.sum(),
        }
    ).fillna(0)
    ho = wide(kpi, "M")
    ho = ho[(ho.level == 1) & (ho.channel == "ALL")].set_index("period")
    expected = expected.reindex(ho.index).fillna(0)
    for code in expected.columns:
        assert np.allclose(ho[code], expected[code], atol=0.005), code


def test_kpis_look_like_an_agency_force(built, kpi):
    """Sanity bands on head office months (generator realism meets the marts). Cohort KPIs
    appear once their cohort is old enough: 3-month conversion from the 4th loaded month,
    13-month retention from the 14th (tiny15 has it; demo8 stops before)."""
    w = wide(kpi, "M").sort_values("period")
    ho = w[(w.level == 1) & (w.channel == "ALL")]
    assert ho.activity_rate.between(0.25, 0.6).all()
    assert ho.policies_per_producer.between(1.1, 1.7).all()
    conversion = ho.conversion_rate_3m
    assert conversion.iloc[:3].isna().all() and conversion.iloc[3:].notna().all()
    r13 = ho.retention_rate_13m
    assert r13.iloc[:13].isna().all() and r13.iloc[13:].notna().all()
    if "demo" in str(built.inbox):  # ~20,000 agents: rates are stable enough for bands
        assert conversion.dropna().between(0.35, 0.65).all()
        assert ho.retention_rate_7m.dropna().between(0.35, 0.7).all()


def test_changing_the_effective_fyc_threshold_moves_effective_manpower(tiny15, tmp_path):
    """A ⚙ parameter (dbt var) is honoured: rebuilding fct_agent_month and the marts with a
    higher effective-FYC threshold gives, at head office, exactly the producing agent-months
    whose FYC reaches the new threshold (counted here from the agent-month fact). The rebuild
    runs on a copy of tiny15's build file, so the shared fixture is never changed."""
    threshold = 2500
    copy = copy_of_build(tiny15, tmp_path)
    subprocess.run(
        [
            DBT,
            "run",
            "--profiles-dir",
            str(copy.dbt_dir),
            "--quiet",
            "--target-path",
            str(tmp_path / "target"),
            "--select",
            "int_metrics__agent_months+",
            "--vars",
            json.dumps({"effective_fyc_threshold": threshold}),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        check=True,
    )
    with duckdb.connect(str(copy.build), read_only=True) as con:
        expected = con.execute(
            "SELECT month_start, count(*) FILTER (WHERE is_producing AND fyc >= ?) AS n, "
            "count(*) FILTER (WHERE is_producing AND fyc >= 1000) AS n_default "
            "FROM marts.fct_agent_month GROUP BY 1 ORDER BY 1",
            [threshold],
        ).df()
        actual = con.execute(
            "SELECT period_first_month AS month_start, effective_manpower FROM "
            "marts.mart_manpower WHERE level = 1 AND channel = 'ALL' AND period_type = 'M' "
            "ORDER BY 1"
        ).df()
    assert list(actual.effective_manpower) == list(expected.n)
    assert (expected.n <= expected.n_default).all() and (expected.n < expected.n_default).any()


def copy_of_build(built, tmp_path: Path) -> Settings:
    """A warehouse beside tmp_path whose build file is a copy of ``built``'s, with its own dbt
    profile: dbt can rebuild or break it without touching the shared fixture."""
    copy = Settings.create(warehouse=str(tmp_path / "wh" / "w.duckdb"))
    copy.prepare_folders()
    shutil.copy(built.build, copy.build)
    return copy


def failing_dbt_test(copy: Settings, target: Path, select: str) -> dict:  # type: ignore[type-arg]
    """``dbt test --select select`` on the copy, which must fail: the one test's result."""
    done = subprocess.run(
        [
            DBT,
            "test",
            "--profiles-dir",
            str(copy.dbt_dir),
            "--quiet",
            "--target-path",
            str(target),
            "--select",
            select,
        ],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [r for r in results if r["unique_id"].startswith("test.")]  # not the hooks
    return result


def test_not_null_columns_names_each_column_holding_nulls(tiny15, tmp_path):
    """The one-scan not_null test of a model fails with one row per column holding nulls and
    its count: on a copy of tiny15's build, two team rows of dim_org lose their level and
    one province its English level name; the other listed columns stay clean."""
    copy = copy_of_build(tiny15, tmp_path)
    with duckdb.connect(str(copy.build)) as con:
        teams = [
            r[0]
            for r in con.execute(
                "SELECT org_id FROM marts.dim_org WHERE level = 7 ORDER BY org_id LIMIT 2"
            ).fetchall()
        ]
        con.execute("UPDATE marts.dim_org SET level = NULL WHERE org_id IN (?, ?)", teams)
        con.execute(
            "UPDATE marts.dim_org SET level_name_en = NULL WHERE org_id = "
            "(SELECT min(org_id) FROM marts.dim_org WHERE level = 2)"
        )
    result = failing_dbt_test(copy, tmp_path / "target", "dim_org,test_name:not_null_columns")
    assert result["status"] == "fail" and result["failures"] == 2
    with duckdb.connect(str(copy.build), read_only=True) as con:
        rows = con.execute(result["compiled_code"] + " ORDER BY column_name").fetchall()
    assert rows == [("level", 2), ("level_name_en", 1)]


def test_the_kpi_key_test_catches_a_duplicate_and_a_missing_kpi(tiny15, tmp_path):
    """The one-pass key test of marts.kpi fails for the groups it should: on a copy of
    tiny15's build, one head-office row is duplicated (2024-01, headcount_end) and one team
    row deleted; exactly those two (org, period type, period, channel) groups fail. marts.kpi
    is a view over the wide marts, so the copy first replaces it by a table of its rows."""
    copy = copy_of_build(tiny15, tmp_path)
    with duckdb.connect(str(copy.build)) as con:
        con.execute("CREATE TABLE marts.kpi_rows AS SELECT * FROM marts.kpi")
        con.execute("DROP VIEW marts.kpi")
        con.execute("ALTER TABLE marts.kpi_rows RENAME TO kpi")
        con.execute(
            "INSERT INTO marts.kpi SELECT * FROM marts.kpi WHERE level = 1 AND period = "
            "'2024-01' AND channel = 'ALL' AND kpi_code = 'headcount_end'"
        )
        team = con.execute(
            "SELECT min(org_id) FROM marts.kpi WHERE level = 7 AND period = '2023Q2'"
        ).fetchone()[0]
        con.execute(
            "DELETE FROM marts.kpi WHERE org_id = ? AND period = '2023Q2' AND channel = 'ALL' "
            "AND kpi_code = 'hires'",
            [team],
        )
    result = failing_dbt_test(
        copy, tmp_path / "target", "assert_kpi_one_row_per_kpi_per_org_period_channel"
    )
    with duckdb.connect(str(copy.build), read_only=True) as con:
        rows = con.execute(
            f"SELECT org_id, period, channel FROM ({result['compiled_code']}) ORDER BY 2"
        ).fetchall()
        head_office = con.execute("SELECT org_id FROM marts.dim_org WHERE level = 1").fetchone()
    assert rows == [(team, "2023Q2", "ALL"), (head_office[0], "2024-01", "ALL")]


def test_the_parent_children_test_names_exactly_the_parents_that_no_longer_add_up(tiny15, tmp_path):
    """On a copy of tiny15's build, one team's hires of 2024-01 (channel ALL) gain 1 and head
    office's FYC of 2023-12 gains 10: exactly two parent rows fail, the team's department
    for hires (its children now sum to one more than it) and head office for fyc (its value is
    10 above its provinces'); the team itself is no parent and nothing else moves."""
    copy = copy_of_build(tiny15, tmp_path)
    with duckdb.connect(str(copy.build)) as con:
        team, department, hires = con.execute(
            "SELECT o.org_id, u.parent_org_id, o.hires FROM intermediate.int_metrics__org_months o "
            "JOIN intermediate.int_org__units u ON u.org_id = o.org_id "
            "AND u.snapshot_month = o.month_start WHERE o.level = 7 AND o.channel = 'ALL' "
            "AND o.month_start = DATE '2024-01-01' ORDER BY o.org_id LIMIT 1"
        ).fetchone()
        con.execute(
            "UPDATE intermediate.int_metrics__org_months SET hires = hires + 1 WHERE org_id = ? "
            "AND channel = 'ALL' AND month_start = DATE '2024-01-01'",
            [team],
        )
        head_office, fyc = con.execute(
            "SELECT org_id, fyc FROM intermediate.int_metrics__org_months WHERE level = 1 "
            "AND channel = 'ALL' AND month_start = DATE '2023-12-01'"
        ).fetchone()
        con.execute(
            "UPDATE intermediate.int_metrics__org_months SET fyc = fyc + 10 WHERE level = 1 "
            "AND channel = 'ALL' AND month_start = DATE '2023-12-01'"
        )
    result = failing_dbt_test(copy, tmp_path / "target", "assert_parent_equals_sum_of_children")
    assert result["failures"] == 2
    with duckdb.connect(str(copy.build), read_only=True) as con:
        rows = con.execute(
            "SELECT component, org_id, strftime(month_start, '%Y-%m'), channel, parent_value, "
            f"children_value FROM ({result['compiled_code']}) ORDER BY 1"
        ).fetchall()
    assert [r[:4] for r in rows] == [
        ("fyc", head_office, "2023-12", "ALL"),
        ("hires", department, "2024-01", "ALL"),
    ]
    assert rows[0][4] == pytest.approx(rows[0][5] + 10) and rows[0][5] == pytest.approx(fyc)
    assert rows[1][5] == rows[1][4] + 1 and hires >= 0
