"""Every expected failure, swept through the CLI: one paragraph (what, where, what to do), a
non-zero exit, no traceback, and the published warehouse byte-identical. Then the two
failures of a running system: a second `amisdw run` while one is building (refused, never
interleaved), and the disk filling up mid-build (nothing lost; the next run recovers).

The warehouse lives on its own small tmpfs (mounted by the test; these machines run tests as
root), so the disk can really fill up."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from amisdw.cli import main
from tests.history_builder import Month, history_2011, write_history, write_month

pytestmark = pytest.mark.slow


def mount_tmpfs(folder: Path, options: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, (
        f"this test mounts a tmpfs to fill a disk for real and needs root: {done.stderr}"
    )


def umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], check=False)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output  # stdout and stderr, as a terminal shows them


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Three consistent months from January 2011, published onto a 300 MB tmpfs."""
    root = tmp_path_factory.mktemp("failures")
    disk, readonly = root / "disk", root / "readonly"
    mount_tmpfs(disk, "size=300m")
    mount_tmpfs(readonly, "ro,size=1m")
    try:
        inbox = write_history(root / "inbox", history_2011()[:3])
        warehouse = disk / "wh" / "warehouse.duckdb"
        code, out = invoke("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs")
        assert code == 0, out
        yield {
            "root": root,
            "inbox": inbox,
            "warehouse": warehouse,
            "disk": disk,
            "readonly": readonly,
        }
    finally:
        umount(disk)
        umount(readonly)


def inbox_variant(world: dict[str, Path], name: str) -> Path:
    """A copy of the published inbox, to break in one way."""
    target = world["root"] / "variants" / name
    if not target.exists():
        shutil.copytree(world["inbox"], target)
    return target


CASES = [
    "inbox that does not exist",
    "inbox that is a file",
    "empty inbox",
    "month folder with a malformed name",
    "malformed control file line",
    "warehouse in a folder that cannot be written",
    "warehouse in a folder that is a file",
    "warehouse path that is a folder",
    "published file that is not a DuckDB file",
    "kpi on a warehouse that does not exist",
    "report on a warehouse that does not exist",
    "export on a warehouse that does not exist",
    "kpi on a file that is not DuckDB",
    "report for a quarter outside the data",
    "--org not in dim_org",
    "report --org not in dim_org",
    "unknown KPI code",
    "a period outside the data",
    "a warehouse file not ending in .duckdb",
]


def bad_invocations(world: dict[str, Path]) -> list[tuple[str, list[str], list[str]]]:
    """(case, arguments, fragments the message must contain), in the order of CASES."""
    root, wh = world["root"], str(world["warehouse"])
    garbage = root / "not-duckdb.duckdb"
    garbage.write_text("BranchName,AgentGroup\n", encoding="utf-8")
    a_file = root / "a-file.txt"
    a_file.write_text("x", encoding="utf-8")
    (root / "empty-inbox").mkdir(exist_ok=True)
    misnamed = inbox_variant(world, "misnamed")
    (misnamed / "2011-04").mkdir(exist_ok=True)
    broken = inbox_variant(world, "broken-control")
    folder = write_month(broken, Month("201104", history_2011()[3].agents))
    ok = folder / "201104.ok"
    ok.write_text(ok.read_text().replace("|", ";", 1), encoding="ascii")
    missing = str(root / "no-such.duckdb")
    inbox = str(world["inbox"])
    return [
        (
            "inbox that does not exist",
            ["run", "--inbox", str(root / "nowhere"), "--warehouse", wh],
            ["does not exist", "--inbox"],
        ),
        (
            "inbox that is a file",
            ["run", "--inbox", str(a_file), "--warehouse", wh],
            ["is a file, not a folder"],
        ),
        (
            "empty inbox",
            ["run", "--inbox", str(root / "empty-inbox"), "--warehouse", wh],
            ["holds no YYYYMM month folder"],
        ),
        (
            "month folder with a malformed name",
            ["run", "--inbox", str(misnamed), "--warehouse", wh],
            ["2011-04", "Rename each to its month"],
        ),
        (
            "malformed control file line",
            ["run", "--inbox", str(broken), "--warehouse", wh],
            ["201104.ok", "line 1 is not FILENAME|ROWS|MD5HEX", "left as it was"],
        ),
        (
            "warehouse in a folder that cannot be written",
            ["run", "--inbox", inbox, "--warehouse", str(world["readonly"] / "wh" / "w.duckdb")],
            ["Cannot create the folder", "Read-only file system"],
        ),
        (
            "warehouse in a folder that is a file",
            ["run", "--inbox", inbox, "--warehouse", str(a_file / "w.duckdb")],
            ["is a file, not a folder"],
        ),
        (
            "warehouse path that is a folder",
            ["run", "--inbox", inbox, "--warehouse", str(world["warehouse"].parent)],
            ["is a folder"],
        ),
        (
            "published file that is not a DuckDB file",
            ["run", "--inbox", inbox, "--warehouse", str(garbage)],
            ["is not a DuckDB file", "will not replace it"],
        ),
        (
            "kpi on a warehouse that does not exist",
            ["kpi", "--warehouse", missing, "--kpi", "hires", "--level", "1", "--period", "2011"],
            ["No published warehouse at", "amisdw run"],
        ),
        (
            "report on a warehouse that does not exist",
            ["report", "--warehouse", missing, "--out", str(root / "report")],
            ["No published warehouse at"],
        ),
        (
            "export on a warehouse that does not exist",
            ["export", "--warehouse", missing, "--out", str(root / "export")],
            ["No published warehouse at"],
        ),
        (
            "kpi on a file that is not DuckDB",
            [
                "kpi",
                "--warehouse",
                str(garbage),
                "--kpi",
                "hires",
                "--level",
                "1",
                "--period",
                "2011",
            ],
            ["is not a DuckDB database file"],
        ),
        (
            "report for a quarter outside the data",
            ["report", "--warehouse", wh, "--quarter", "2019Q1", "--out", str(root / "report")],
            ["No data for quarter 2019Q1", "2011Q1"],
        ),
        (
            "--org not in dim_org",
            ["kpi", "--warehouse", wh, "--kpi", "hires", "--org", "8699", "--period", "2011"],
            ["No org '8699' in marts.dim_org"],
        ),
        (
            "report --org not in dim_org",
            ["report", "--warehouse", wh, "--org", "8699", "--out", str(root / "report")],
            ["No org '8699' in marts.dim_org"],
        ),
        (
            "unknown KPI code",
            [
                "kpi",
                "--warehouse",
                wh,
                "--kpi",
                "hires,activty_rate",
                "--level",
                "1",
                "--period",
                "2011",
            ],
            ["Unknown KPI code(s) activty_rate", "activity_rate"],
        ),
        (
            "a period outside the data",
            ["kpi", "--warehouse", wh, "--kpi", "hires", "--level", "1", "--period", "2010"],
            ["No period '2010'", "2011-01"],
        ),
        (
            "a warehouse file not ending in .duckdb",
            ["run", "--inbox", inbox, "--warehouse", str(root / "other" / "w.db")],
            ["must end in .duckdb"],
        ),
    ]


@pytest.mark.parametrize("case", CASES)
def test_bad_invocations_give_one_paragraph_and_change_nothing(world, case):
    sweep = bad_invocations(world)
    assert [c[0] for c in sweep] == CASES
    name, args, fragments = next(c for c in sweep if c[0] == case)
    before = md5(world["warehouse"])
    code, out = invoke(*args)
    assert code != 0, (name, out)
    assert "Traceback" not in out, (name, out)
    text = " ".join(out.split())
    # one error paragraph (a run prints its summary first)
    assert text.count("error: ") == 1 and out.rstrip().splitlines()[-1], (name, out)
    text = text[text.index("error: ") :]
    for fragment in fragments:
        assert fragment in text, (name, fragment, text)
    assert md5(world["warehouse"]) == before, name


# --- a second run while one is building ---------------------------------------------------------


def redeliver(inbox: Path, month: Month, visits: str) -> None:
    """AMIS re-delivers ``month`` with every agent's Visits changed (a new control file)."""
    folder = write_month(inbox, month)
    activity = folder / f"ACTIVITY_{month.month}.csv"
    lines = activity.read_bytes().decode("gb18030").splitlines()
    header = lines[0].split(",")
    col = header.index("拜访量")
    rows = [
        ",".join(v if i != col else visits for i, v in enumerate(line.split(",")))
        for line in lines[1:]
    ]
    activity.write_bytes(("\r\n".join([lines[0], *rows]) + "\r\n").encode("gb18030"))
    from tests.delivery_builder import write_ok

    counts = {p.name: len(p.read_bytes().splitlines()) - 1 for p in folder.glob("*.csv")}
    write_ok(folder, counts)


def visits_per_agent(warehouse: Path, period: str) -> float:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT value FROM marts.kpi WHERE org_id = '86' AND channel = 'ALL' AND period = ? "
            "AND kpi_code = 'visits_per_agent'",
            [period],
        ).fetchone()[0]


def bare(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("amisdw")), *args]


def test_a_second_run_is_refused_while_one_is_building(world):
    inbox, warehouse = world["inbox"], world["warehouse"]
    redeliver(inbox, history_2011()[2], visits="100")
    lock = warehouse.with_name(f".{warehouse.name}.lock")
    first = subprocess.Popen(
        bare("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (lock.exists() and lock.read_text().startswith("process")):
            assert first.poll() is None and time.monotonic() < deadline, "no run took the lock"
            time.sleep(0.2)
        before = md5(warehouse)
        code, out = invoke("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs")
        assert code != 0 and "Traceback" not in out
        text = " ".join(out.split())
        assert f"being written by process {first.pid}" in text and "wait until" in text
        assert md5(warehouse) == before  # the refused run touched nothing
    finally:
        out, _ = first.communicate(timeout=1200)
    assert first.returncode == 0, out
    # the first run published the re-delivered month: 100 visits for each of its 2 agents,
    # over an average headcount of (1 + 2) / 2
    assert visits_per_agent(warehouse, "2011-03") == pytest.approx(200 / 1.5)


def test_the_disk_filling_up_mid_build_loses_nothing_and_the_next_run_recovers(world):
    inbox, warehouse, disk = world["inbox"], world["warehouse"], world["disk"]
    redeliver(inbox, history_2011()[1], visits="50")  # February, re-delivered
    before = md5(warehouse)
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as fh:  # leave 6 MB: less than one dbt run writes
        fh.truncate(0)
        fh.write(b"\0" * (free - (6 << 20)))
    try:
        code, out = invoke("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs")
        assert code != 0 and "Traceback" not in out, out
        text = " ".join(out.split())
        assert "disk ran out of space" in text and str(warehouse.parent) in text
        assert md5(warehouse) == before  # the published file is byte-identical
        assert visits_per_agent(warehouse, "2011-02") == 80.0
    finally:
        filler.unlink()
    code, out = invoke("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs")
    assert code == 0, out
    assert visits_per_agent(warehouse, "2011-02") == 50.0  # the re-delivery is in
    assert not list(warehouse.parent.glob(".*.publishing-*"))  # no half-written copy left
    assert os.path.exists(warehouse)
