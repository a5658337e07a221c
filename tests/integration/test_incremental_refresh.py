"""An incremental monthly refresh equals a full rebuild, row for row, on every mart.

A tiny force from an odd start (2009-11: nothing may assume a calendar start) is built over 12
months; then month 13 arrives together with a corrected re-delivery of month 10 (its activity
fixed, a late receipt added). The refresh must really be incremental, from the earliest
changed month less the six-month restatement window (the generator backdates leaves
by up to 6 months and books late receipts, so the window is exercised). A warehouse built in
one go from the final inbox must then hold the same rows in every marts table, and the two
build files the same rows in every staging table (staging is incremental by delivery too). The
corrected month also loses one receipt and one personnel event it first delivered: a key
whose winning delivery is re-delivered without it must fall back to no row."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from amisdw.cli import main
from amisdw.generate.defects import _rewrite_control
from tests.integration.test_out_of_core import marts_tables

pytestmark = pytest.mark.slow
GENERATE = ["generate", "--size", "tiny", "--start", "200911", "--months", "13", "--seed", "5"]
MONTHS = [f"2009{m:02d}" for m in (11, 12)] + [f"2010{m:02d}" for m in range(1, 12)]


def run(inbox: Path, warehouse: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    """`amisdw run`, then the dbt args of the run it made (its own run_results.json)."""
    result = CliRunner().invoke(
        main, ["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs", *extra]
    )
    assert result.exit_code == 0, result.output
    newest = max(
        (warehouse.parent / "dbt" / "runs").glob("*/run_results.json"),
        key=lambda p: p.stat().st_mtime,
    )
    return json.loads(newest.read_text())["args"]


def stage(generated: Path, inbox: Path, months: list[str]) -> None:
    inbox.mkdir(exist_ok=True)
    for month in months:
        if not (inbox / month).exists():
            (inbox / month).symlink_to(generated / month, target_is_directory=True)


def drop_last_row(folder: Path, family: str) -> str:
    """Remove the last data row of one file of a delivery (its control file recounted); the
    removed line, decoded."""
    path = folder / f"{family}_{folder.name}.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    while not lines[-1].strip():
        lines.pop()
    path.write_bytes(b"".join(lines[:-1]))
    _rewrite_control(folder)
    return lines[-1].decode("gb18030", errors="replace")


def test_monthly_refreshes_equal_a_full_rebuild(tmp_path: Path) -> None:
    generated, inbox = tmp_path / "generated", tmp_path / "inbox"
    refreshed = tmp_path / "refreshed" / "warehouse.duckdb"
    assert CliRunner().invoke(main, [*GENERATE, "--out", str(generated)]).exit_code == 0
    assert sorted(p.name for p in generated.iterdir() if p.is_dir()) == MONTHS

    stage(generated, inbox, MONTHS[:12])  # 2009-11 .. 2010-10
    first = run(inbox, refreshed)
    assert first["full_refresh"] is True and "restate_from" not in first.get("vars", {})

    redeliver = ["--redeliver", "201008", "--out", str(generated)]
    assert CliRunner().invoke(main, [*GENERATE, *redeliver]).exit_code == 0
    dropped = [drop_last_row(generated / "201008", f) for f in ("RECEIPT", "AGENT_EVENT")]
    stage(generated, inbox, MONTHS)  # + 2010-11, and 2010-08 corrected
    second = run(inbox, refreshed)
    assert not second.get("full_refresh") and second["vars"]["restate_from"] == "2010-02-01"

    rebuilt = tmp_path / "rebuilt" / "warehouse.duckdb"
    assert run(inbox, rebuilt)["full_refresh"] is True

    lineage = ("loaded_at",)  # when each build loaded raw: the one column that differs
    builds = [w.with_name("warehouse.build.duckdb") for w in (rebuilt, refreshed)]
    want, got = (marts_tables(b, "staging", leave_out=lineage) for b in builds)
    assert sorted(got) == sorted(want) and len(want) == 8
    for name, expected in want.items():
        pd.testing.assert_frame_equal(got[name], expected, obj=f"staging.{name}")
    receipt_no, event_no = (line.split(",")[0].strip().strip('"') for line in dropped)
    assert receipt_no not in set(want["stg_amis__receipt"]["receipt_no"])
    assert event_no not in set(want["stg_amis__agent_event"]["event_no"])

    want, got = marts_tables(rebuilt), marts_tables(refreshed)
    assert sorted(got) == sorted(want) and len(want) > 20
    assert "2010-11" in set(want["kpi"]["period"])  # the last month is published
    for name, expected in want.items():
        assert len(got[name]) == len(expected), name
        # exact for every key and count; sums of doubles within 1e-12 (summation order)
        pd.testing.assert_frame_equal(
            got[name], expected, check_exact=False, rtol=1e-12, obj=f"marts.{name}"
        )

    # nothing new, but --full-refresh: every model rebuilt whole and published, the same rows
    assert run(inbox, refreshed, "--full-refresh")["full_refresh"] is True
    again = marts_tables(refreshed)
    for name, expected in want.items():
        pd.testing.assert_frame_equal(
            again[name], expected, check_exact=False, rtol=1e-12, obj=f"marts.{name}"
        )
