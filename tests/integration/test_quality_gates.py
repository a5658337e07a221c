"""Quality gates: every defect kind `amisdw generate --defects` injects is caught with the
exact finding (file, check, rows, lines), nothing of the month is loaded, the inbox files
stay byte-identical, and the quarantine is recorded with a report and GX Data Docs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from amisdw.cli import main
from amisdw.errors import DeliveryIncomplete
from amisdw.extracts.contract import FAMILIES
from amisdw.generate.defects import KINDS, inject
from amisdw.ingest import ingest_month, ingest_months
from amisdw.quality.quarantine import DeliveryQuarantined

pytestmark = pytest.mark.slow


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def raw_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        f.raw_table: con.execute(f"SELECT count(*) FROM raw.{f.raw_table}").fetchone()[0]
        for f in FAMILIES
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two clean tiny months; a build warehouse holding the first."""
    root = tmp_path_factory.mktemp("gates")
    inbox = root / "inbox"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--size",
            "tiny",
            "--start",
            "202401",
            "--months",
            "2",
            "--seed",
            "5",
            "--out",
            str(inbox),
        ],
    )
    assert result.exit_code == 0, result.output
    build = root / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        ingest_month(con, inbox, "202401", quality_dir=root / "quality")
    return {"root": root, "inbox": inbox, "build": build}


@pytest.fixture
def case(base, tmp_path: Path):
    inbox = tmp_path / "inbox"
    shutil.copytree(base["inbox"], inbox)
    build = tmp_path / "build.duckdb"
    shutil.copy(base["build"], build)
    return inbox, build, tmp_path / "quality"


def test_the_clean_month_passes_every_gate(case):
    inbox, build, quality = case
    with duckdb.connect(str(build)) as con:
        outcome = ingest_months(con, inbox, quality)
    assert outcome.loaded == ["202402"] and not outcome.quarantines
    index = quality / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert outcome.docs_index == index and index.exists()
    # every family's validation of the month is stored and shown in the Data Docs
    site = index.read_text(encoding="utf-8")
    assert all(f"{f.raw_table}_202402" in site for f in FAMILIES if f.name != "BUDGET")


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "truncated_file"])
def test_each_defect_is_quarantined_with_its_exact_finding(case, kind):
    inbox, build, quality = case
    defect = inject(inbox / "202402", kind)
    before = digest(inbox / "202402")
    with duckdb.connect(str(build)) as con:
        rows_before = raw_counts(con)
        with pytest.raises(DeliveryQuarantined) as err:
            ingest_month(con, inbox, "202402", quality_dir=quality)
        assert raw_counts(con) == rows_before  # nothing of the month loaded
        recorded = con.execute(
            "SELECT delivery_month, count(*) FROM raw._quarantine GROUP BY 1"
        ).fetchall()
    assert recorded == [("202402", 1)]
    findings = err.value.gates.findings
    matching = [f for f in findings if f.check == defect.check and f.file == defect.file]
    assert len(matching) == 1, [str(f) for f in findings]
    finding = matching[0]
    assert finding.rows == defect.rows
    lines = [e.get("_source_line") for e in finding.examples]
    assert lines == defect.lines[: len(lines)] and lines
    message = str(err.value)
    assert "202402" in message and defect.file in message and defect.check in message
    assert "Report:" in message
    assert digest(inbox / "202402") == before  # the delivery is kept as it was
    assert list((quality / "quarantine").glob("202402-*.json"))


def test_a_truncated_file_makes_the_month_incomplete(case):
    inbox, build, quality = case
    defect = inject(inbox / "202402", "truncated_file")
    with duckdb.connect(str(build)) as con, pytest.raises(DeliveryIncomplete) as err:
        ingest_month(con, inbox, "202402", quality_dir=quality)
    assert defect.file in str(err.value) and "MD5" in str(err.value)


def test_amisdw_run_reports_the_quarantine_and_keeps_the_published_file(tiny15, tmp_path):
    """End to end through the CLI: on a copy of the published tiny15 warehouse, a bad 16th
    month exits non-zero with the finding and leaves the published file byte-identical."""
    inbox, warehouse = tiny15.copy_to(tmp_path)
    published = hashlib.md5(warehouse.read_bytes()).hexdigest()
    sixteen = tmp_path / "sixteen"  # the same force one month further: its 16th delivery
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--size",
            "tiny",
            "--start",
            "202301",
            "--months",
            "16",
            "--seed",
            "11",
            "--out",
            str(sixteen),
        ],
    )
    assert result.exit_code == 0, result.output
    shutil.copytree(sixteen / "202404", inbox / "202404")
    inject(inbox / "202404", "attend_gt_duty")
    result = CliRunner().invoke(
        main, ["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs"]
    )
    assert result.exit_code != 0
    out = " ".join(result.output.split())
    assert "202404" in out and "ACTIVITY_202404.csv" in out and "attend_le_duty" in out
    assert "3 row(s)" in out and "line 2" in out and "Data Docs" in out
    assert hashlib.md5(warehouse.read_bytes()).hexdigest() == published


def test_generate_defects_writes_one_defect_per_month(tmp_path):
    import json

    from amisdw.extracts.delivery import check_delivery

    inbox = tmp_path / "inbox"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--size",
            "tiny",
            "--start",
            "202401",
            "--months",
            str(len(KINDS) + 1),
            "--seed",
            "5",
            "--out",
            str(inbox),
            "--defects",
        ],
    )
    assert result.exit_code == 0, result.output
    listed = json.loads((inbox / ".defects.json").read_text())
    assert [d["kind"] for d in listed] == list(KINDS)
    assert [d["month"] for d in listed] == [f"2024{m:02d}" for m in range(2, len(KINDS) + 2)]
    assert check_delivery(inbox / "202401").complete
    truncated = next(d for d in listed if d["kind"] == "truncated_file")
    assert not check_delivery(inbox / truncated["month"]).complete
    others = [d for d in listed if d["kind"] != "truncated_file"]
    assert all(check_delivery(inbox / d["month"]).complete for d in others)


def test_gates_are_blocking_dagster_asset_checks(case):
    """In Dagster the gates are the blocking check `quality_gates` of each raw asset: a clean
    month passes all of them; a quarantined month fails the check of the family at fault with
    severity WARN (raw holds only what passed, and the good months are not stranded)."""
    import dagster as dg

    from amisdw.orchestration.ingest_assets import GATE_CHECK, build_ingest_assets
    from amisdw.orchestration.partitions import monthly_partitions
    from amisdw.progress import NoProgress
    from amisdw.settings import Settings

    inbox, build, quality = case
    settings = Settings.create(inbox=str(inbox), warehouse=str(build.with_name("w.duckdb")))
    shutil.copy(build, settings.build)
    ingest = build_ingest_assets(monthly_partitions("", ["202401", "202402"], "Asia/Shanghai"))
    specs = {c.asset_key.path[-1] for c in ingest.check_specs if c.name == GATE_CHECK}
    assert specs == {f.raw_table for f in FAMILIES}
    assert all(c.blocking for c in ingest.check_specs)

    inject(inbox / "202402", "orphan_codes")
    result = dg.materialize(
        [ingest],
        partition_key="202402",
        resources={"settings": settings, "progress": NoProgress()},
        raise_on_error=False,
    )
    assert result.success  # the run goes on with what loaded (here: nothing new)
    evaluations = {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["agent"].passed
    assert evaluations["agent"].severity is dg.AssetCheckSeverity.WARN
    assert "code_set:agent_state" in str(evaluations["agent"].metadata["findings"])
    assert all(e.passed for name, e in evaluations.items() if name != "agent")
