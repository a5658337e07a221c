"""Analyst access on the session's tiny × 15 warehouse: `amisdw kpi` against direct SQL,
`amisdw export` round trips, the quarterly review rendered once (figures read back from the
HTML equal marts.kpi; no missing-glyph or other warnings), and the dbt docs site."""

from __future__ import annotations

import io
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from amisdw.cli import main
from tests.integration.conftest import Built

pytestmark = pytest.mark.slow

QUARTER, ORG = "2024Q1", "8661"  # 陕西分公司: two cities below it, so rankings are drawn


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def _sql(warehouse: Path, query: str, params: list[object]) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params).df()


# ---- amisdw kpi -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("codes", "extra", "period"),
    [
        ("activity_rate,new_premium,headcount_end", ["--level", "3"], "2024Q1"),
        ("retention_rate_13m,budget_attainment_effective_manpower", ["--org", ORG], "2024-03"),
        ("fyc_per_capita", ["--level", "7"], "2023"),
    ],
)
def test_kpi_csv_and_json_match_sql(
    tiny15: Built, codes: str, extra: list[str], period: str
) -> None:
    args = ["kpi", "--warehouse", str(tiny15.warehouse), "--kpi", codes, "--period", period]
    code, out, _ = _run(*args, *extra, "--format", "csv")
    assert code == 0, out
    got = pd.read_csv(io.StringIO(out), dtype={"org_id": str, "period": str})
    where = "org_id = ?" if extra[0] == "--org" else "level = ?"
    want = _sql(
        tiny15.warehouse,
        "SELECT org_id, kpi_code, value, numerator, denominator FROM marts.kpi "
        f"WHERE {where} AND period = ? AND channel = 'ALL' "
        "AND kpi_code IN (SELECT unnest(?::VARCHAR[])) ORDER BY org_id, kpi_code",
        [extra[1] if extra[0] == "--org" else int(extra[1]), period, codes.split(",")],
    )
    assert len(want) > 0
    got = got.sort_values(["org_id", "kpi_code"]).reset_index(drop=True)
    assert got["org_id"].tolist() == want["org_id"].tolist()
    assert got["kpi_code"].tolist() == want["kpi_code"].tolist()
    for col in ("value", "numerator", "denominator"):
        pd.testing.assert_series_equal(
            got[col].astype(float), want[col].astype(float), rtol=1e-9, check_names=False
        )
    assert got["name_zh"].notna().all() and got["name_en"].notna().all()

    code, out, _ = _run(*args, *extra, "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == len(want)
    by_key = {(r["org_id"], r["kpi_code"]): r["value"] for r in records}
    for r in want.itertuples():
        v = by_key[(r.org_id, r.kpi_code)]
        assert (v is None and pd.isna(r.value)) or math.isclose(v, r.value, rel_tol=1e-12)

    code, out, _ = _run(*args, *extra)  # the table
    assert code == 0 and "value" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--kpi", "nope", "--level", "2", "--period", "2024Q1"], ["nope", "activity_rate"]),
        (["--kpi", "hires", "--level", "9", "--period", "2024Q1"], ["level 9", "7 营业组"]),
        (["--kpi", "hires", "--level", "2", "--period", "2030Q1"], ["2030Q1", "2024Q1"]),
        (["--kpi", "hires", "--org", "zz", "--period", "2024Q1"], ["zz", "8661"]),
        (["--kpi", "hires", "--period", "2024Q1"], ["--level"]),
    ],
)
def test_kpi_errors_list_the_valid_choices(
    tiny15: Built, args: list[str], expected: list[str]
) -> None:
    code, out, err = _run("kpi", "--warehouse", str(tiny15.warehouse), *args)
    assert code == 2
    assert "Traceback" not in out + err
    for text in expected:
        assert text in err


def test_missing_warehouse_says_what_to_run(tmp_path: Path) -> None:
    code, _, err = _run(
        "kpi",
        "--warehouse",
        str(tmp_path / "none.duckdb"),
        "--kpi",
        "hires",
        "--level",
        "1",
        "--period",
        "2024Q1",
    )
    assert code == 2 and "amisdw run" in err


# ---- amisdw export ----------------------------------------------------------------------
def test_export_round_trips_every_marts_table(tiny15: Built, tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    code, stdout, _ = _run(
        "export", "--warehouse", str(tiny15.warehouse), "--format", "parquet", "--out", str(out)
    )
    assert code == 0, stdout
    with duckdb.connect(str(tiny15.warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        ]
        for table in tables:
            want = con.execute(f'SELECT count(*) FROM marts."{table}"').fetchone()[0]
            path = str(out / f"{table}.parquet")
            got = con.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()[0]
            assert got == want, table
            cols = con.execute(f'DESCRIBE SELECT * FROM marts."{table}"').df()["column_name"]
            pq = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).df()["column_name"]
            assert cols.tolist() == pq.tolist(), table
    manifest = json.loads((out / "_manifest.json").read_text())
    assert {t["table"] for t in manifest["tables"]} >= set(tables)
    assert (out / "dim_kpi.parquet").exists()


# ---- amisdw report ----------------------------------------------------------------------
class _KpiCells(HTMLParser):
    """Collects (kpi, org, period, unit, text) of every <td data-kpi=...> (its span.v text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self._cell: dict[str, str] | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "td" and "data-kpi" in a:
            self._cell = {**a, "text": ""}
        elif tag == "span" and self._cell is not None and a.get("class") == "v":
            self._in_value = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_value = False
        elif tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and self._in_value:
            self._cell["text"] += data


SCALE = {"%": 0.01, "万元": 10_000.0, "元": 1.0, "人": 1.0, "件": 1.0, "次": 1.0}


def _parse_shown(text: str, unit: str) -> tuple[float, float] | None:
    """Printed text → (value, tolerance) in the KPI's own unit; None for —."""
    text = text.strip()
    if text == "—":
        return None
    number = text.rstrip("%").replace(",", "")
    decimals = len(number.split(".")[1]) if "." in number else 0
    scale = SCALE[unit]
    return float(number) * scale, 0.5 * 10**-decimals * scale * 1.0001


@pytest.fixture(scope="module")
def rendered(tiny15: Built, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("report")
    code, stdout, stderr = _run(
        "report",
        "--warehouse",
        str(tiny15.warehouse),
        "--quarter",
        QUARTER,
        "--org",
        ORG,
        "--out",
        str(out),
    )
    assert code == 0, stdout + stderr
    html = out / f"quarterly_review_{ORG}_{QUARTER}.html"
    notebook = out / f"quarterly_review_{ORG}_{QUARTER}.ipynb"
    assert html.exists() and notebook.exists()
    return html, notebook


def test_report_figures_equal_marts_kpi(tiny15: Built, rendered: tuple[Path, Path]) -> None:
    parser = _KpiCells()
    parser.feed(rendered[0].read_text(encoding="utf-8"))
    cells = parser.cells
    assert len(cells) > 150
    kpis = {c["data-kpi"] for c in cells}
    for must in (
        "headcount_end",
        "activity_rate",
        "new_premium",
        "premium_per_policy",
        "retention_rate_13m",
        "persistency_13m",
        "budget_attainment_effective_manpower",
    ):
        assert must in kpis
    want = _sql(
        tiny15.warehouse,
        "SELECT org_id, period, kpi_code, value FROM marts.kpi WHERE channel = 'ALL' "
        "AND period_type = 'Q'",
        [],
    )
    values = {(r.org_id, r.period, r.kpi_code): r.value for r in want.itertuples()}
    checked = 0
    for c in cells:
        key = (c["data-org"], c["data-period"], c["data-kpi"])
        assert key in values, key
        truth = values[key]
        shown = _parse_shown(c["text"], c["data-unit"])
        if shown is None:
            assert truth is None or math.isnan(truth), (key, c["text"])
            continue
        value, tolerance = shown
        assert abs(value - truth) <= tolerance, (key, c["text"], truth)
        checked += 1
    assert checked > 100


def test_report_is_self_contained_and_ran_clean(rendered: tuple[Path, Path]) -> None:
    html_path, notebook_path = rendered
    html = html_path.read_text(encoding="utf-8")
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 8
    assert not re.search(r"<script[^>]+src=\"https?://", html)
    assert not re.search(r"<img[^>]+src=\"(?!data:)", html)
    assert "陕西分公司" in html and "2024年第1季度" in html and "新单保费" in html
    nb = json.loads(notebook_path.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    problems = [o for o in outputs if o["output_type"] == "error" or o.get("name") == "stderr"]
    assert not problems, problems  # no missing-glyph (or any other) warning


def test_report_rejects_a_quarter_without_data(tiny15: Built, tmp_path: Path) -> None:
    code, _, err = _run(
        "report",
        "--warehouse",
        str(tiny15.warehouse),
        "--quarter",
        "2026Q1",
        "--out",
        str(tmp_path),
    )
    assert code == 2
    assert "2026Q1" in err and "2023Q1" in err and "2024Q1" in err
    assert not list(tmp_path.iterdir())


def test_review_defaults_and_read_only(tiny15: Built) -> None:
    from amisdw.report.render import resolve
    from amisdw.report.review import open_review

    assert resolve(tiny15.warehouse, None, None)[:2] == ("2024Q1", "86")
    rv = open_review(tiny15.warehouse)
    try:
        assert rv.quarter == "2024Q1" and rv.org.level == 1 and not rv.is_partial
        with pytest.raises(duckdb.Error):
            rv.con.execute("CREATE TABLE marts.scratch (x INTEGER)")
    finally:
        rv.con.close()


# ---- the data catalogue -----------------------------------------------------------------
def test_docs_site_is_built(tiny15: Built, tmp_path: Path) -> None:
    from amisdw.catalog import build_docs
    from amisdw.settings import Settings

    docs = build_docs(Settings.create(warehouse=str(tiny15.warehouse)), tmp_path / "docs")
    assert docs.static_index.stat().st_size > 100_000
    manifest = json.loads((tmp_path / "docs" / "manifest.json").read_text())
    marts = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "marts"
    ]
    assert {"kpi", "dim_org", "mart_manpower"} <= {n["name"] for n in marts}
    assert all(n["description"] for n in marts)
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text())
    assert any(k.endswith(".kpi") for k in catalog["nodes"])


# ---- outputs scoped to one org ------------------------------------------------------------
def _subtree(warehouse: Path, org_id: str) -> set[str]:
    """The org and everything below it, walked here from dim_org's parent links."""
    parents = _sql(warehouse, "SELECT org_id, parent_org_id FROM marts.dim_org", [])
    children: dict[str, list[str]] = {}
    for org, parent in parents.itertuples(index=False):
        children.setdefault(parent, []).append(org)
    found, todo = set(), [org_id]
    while todo:
        org = todo.pop()
        found.add(org)
        todo.extend(children.get(org, []))
    return found


def test_scoped_export_holds_no_row_of_a_sibling_org(tiny15: Built, tmp_path: Path) -> None:
    cities = _sql(
        tiny15.warehouse,
        "SELECT org_id FROM marts.dim_org WHERE level = 3 AND parent_org_id = ? ORDER BY org_id",
        [ORG],
    )["org_id"].tolist()
    assert len(cities) >= 2, "tiny15 should have two cities under the province"
    city, sibling = cities[0], cities[1]
    mine, theirs = _subtree(tiny15.warehouse, city), _subtree(tiny15.warehouse, sibling)
    assert mine and theirs and not mine & theirs
    out = tmp_path / "scoped"
    code, stdout, _ = _run(
        "export", "--warehouse", str(tiny15.warehouse), "--org", city, "--out", str(out)
    )
    assert code == 0, stdout
    con = duckdb.connect()

    def read(table: str) -> pd.DataFrame:
        return con.execute("SELECT * FROM read_parquet(?)", [str(out / f"{table}.parquet")]).df()

    kpi = read("kpi")
    want_kpi = _sql(
        tiny15.warehouse,
        f"SELECT count(*) AS n FROM marts.kpi WHERE org_id IN ({','.join('?' * len(mine))})",
        list(mine),
    )["n"][0]
    assert len(kpi) == want_kpi > 0
    assert set(kpi["org_id"]) == mine  # every org of the subtree has KPIs, no other org
    assert set(read("dim_org")["org_id"]) == mine  # dimension rows scoped too
    for table in ("fct_agent_month", "fct_policy", "fct_receipt", "mart_assessment_warning"):
        frame = read(table)
        assert len(frame) > 0, table
        assert set(frame["org_l3"]) == {city}, table
    agents = read("dim_agent")
    assert len(agents) > 0 and set(agents["team_id"]) <= mine
    events = read("fct_agent_event")
    assert (events["old_team_id"].isin(mine) | events["new_team_id"].isin(mine)).all()
    for table in ("mart_manpower", "mart_budget", "mart_retention_curve", "mart_outlet_stage"):
        frame = read(table)
        assert not set(frame["org_id"]) & theirs, table
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["org"]["org_id"] == city
    assert "data_quality_summary" in {t["table"] for t in manifest["left_out"]}
    assert not (out / "data_quality_summary.parquet").exists()
    assert (out / "dim_kpi.parquet").exists()  # reference data comes whole


def test_scoped_export_rejects_an_unknown_org(tiny15: Built, tmp_path: Path) -> None:
    code, stdout, stderr = _run(
        "export", "--warehouse", str(tiny15.warehouse), "--org", "9999", "--out", str(tmp_path)
    )
    assert code != 0
    assert "No org '9999' in marts.dim_org" in stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert not list(tmp_path.glob("*.parquet"))


# ---- a warehouse every BI tool can open ---------------------------------------------------
BI_DUCKDB = "1.4.4"  # the DuckDB that DBeaver, duckdb-engine, Evidence, duckdb-wasm embed


def test_published_file_opens_in_duckdb_1_4(tiny15: Built) -> None:
    """The published file is read by DuckDB 1.4 in an environment of its own (uv, pinned)."""
    import os
    import shutil
    import subprocess

    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv (which runs this suite) must be findable to make the DuckDB 1.4 environment"
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "n, total = con.execute('SELECT count(*), sum(value) FROM marts.kpi').fetchone()\n"
        "print(json.dumps({'version': duckdb.__version__, 'rows': n, 'sum': total}))\n"
    )
    done = subprocess.run(
        [uv, "run", "--no-project", "--isolated", "--with", f"duckdb=={BI_DUCKDB}"]
        + ["python", "-c", script, str(tiny15.warehouse)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    want = _sql(tiny15.warehouse, "SELECT count(*) AS n, sum(value) AS s FROM marts.kpi", [])
    assert got["version"] == BI_DUCKDB
    assert got["rows"] == want["n"][0]
    assert math.isclose(got["sum"], want["s"][0], rel_tol=1e-12)
