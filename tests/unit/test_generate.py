"""The synthetic generator (``amisdw generate``): determinism, the extract contract, the
consistency rules the warehouse relies on, and realism bands.

Every expectation is computed from the generated files, read back through the ingestion
(check_delivery + read_extract) into pandas, and from the specs; nothing here looks at the
generator's internals.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from amisdw.extracts.contract import FAMILY_BY_NAME, FieldType
from amisdw.extracts.control import read_control_file
from amisdw.extracts.delivery import check_delivery
from amisdw.extracts.read import FileInfo, read_extract
from amisdw.generate import generate

# --- reading a generated inbox back -------------------------------------------------------------


@dataclass
class Inbox:
    months: list[str]
    frames: dict[str, pd.DataFrame]  # family -> rows of every month, with `month`
    infos: list[FileInfo] = field(default_factory=list)
    control_rows: dict[str, int] = field(default_factory=dict)
    read_rows: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, family: str) -> pd.DataFrame:
        return self.frames[family]


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def load_inbox(root: Path) -> Inbox:
    months: list[str] = []
    parts: dict[str, list[pd.DataFrame]] = {}
    infos: list[FileInfo] = []
    control_rows: dict[str, int] = {}
    read_rows: dict[str, int] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        delivery = check_delivery(folder)
        assert delivery.complete, (folder.name, delivery.reasons)
        months.append(folder.name)
        for df in delivery.files:
            info = FileInfo(df.name)
            tables = list(read_extract(folder / df.name, df.family, info))
            infos.append(info)
            control_rows[f"{folder.name}/{df.name}"] = df.entry.rows
            read_rows[f"{folder.name}/{df.name}"] = info.rows
            table = pa.concat_tables(tables) if tables else None
            if table is None:
                continue
            cols = {}
            for fld in df.family.fields:
                col = table.column(fld.column)
                if fld.type is FieldType.DECIMAL:
                    col = pc.cast(col, pa.float64())
                cols[fld.code] = col
            frame = pa.table(cols).to_pandas(date_as_object=False)
            frame["month"] = folder.name
            parts.setdefault(df.family.name, []).append(frame)
    frames = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
    return Inbox(months, frames, infos, control_rows, read_rows)


def month_end(month: str) -> pd.Timestamp:
    return pd.Timestamp(f"{month[:4]}-{month[4:]}-01") + pd.offsets.MonthEnd(0)


def month_start(month: str) -> pd.Timestamp:
    return pd.Timestamp(f"{month[:4]}-{month[4:]}-01")


def shift_month(month: str, k: int) -> str:
    p = pd.Period(f"{month[:4]}-{month[4:]}", "M") + k
    return f"{p.year:04d}{p.month:02d}"


def live_events(inbox: Inbox, upto: str | None = None) -> pd.DataFrame:
    """Events delivered up to ``upto`` (all if None), voided ones and the 99s removed,
    in replay order (EffectiveDate, then EventNo)."""
    ev = inbox["AGENT_EVENT"]
    if upto is not None:
        ev = ev[ev["month"] <= upto]
    voided = set(ev.loc[ev["EventType"] == "99", "CancelEventNo"])
    ev = ev[(ev["EventType"] != "99") & ~ev["EventNo"].isin(voided)]
    return ev.sort_values(["EffectiveDate", "EventNo"], kind="stable")


def replay(inbox: Inbox, upto: str) -> pd.DataFrame:
    """Grade, team and in-service flag per agent after the events delivered up to ``upto``,
    on top of the first snapshot's opening state. Each non-cancel event states the agent's
    grade and team after it; 01/08 put the agent in service, 07 takes them out."""
    agent = inbox["AGENT"]
    first = agent[agent["month"] == inbox.months[0]].set_index("AgentCode")
    state = pd.DataFrame(
        {
            "grade": first["AgentGrade"],
            "team": first["AgentGroup"],
            "in_service": first["AgentState"].isin(["01", "03"]),
        }
    )
    ev = live_events(inbox, upto)
    last = ev.groupby("AgentCode").tail(1).set_index("AgentCode")
    after = pd.DataFrame(
        {
            "grade": last["NewGrade"],
            "team": last["NewAgentGroup"],
        }
    )
    status = ev[ev["EventType"].isin(["01", "07", "08"])].groupby("AgentCode").tail(1)
    in_service = status.set_index("AgentCode")["EventType"] != "07"
    out = state.reindex(state.index.union(after.index))
    out.loc[after.index, ["grade", "team"]] = after[["grade", "team"]].to_numpy()
    out.loc[in_service.index, "in_service"] = in_service
    return out


def state_on(inbox: Inbox, agents: pd.Series, days: pd.Series) -> pd.DataFrame:
    """(in service, team) of each agent on each day, replaying every delivered event."""
    ev = live_events(inbox)
    agent = inbox["AGENT"]
    first = agent[agent["month"] == inbox.months[0]].drop_duplicates("AgentCode")
    q = pd.DataFrame(
        {"AgentCode": agents.to_numpy(), "day": days.to_numpy(), "pos": range(len(agents))}
    ).sort_values("day", kind="stable")
    e = ev[["AgentCode", "EffectiveDate", "EventType", "NewAgentGroup"]].rename(
        columns={"EffectiveDate": "day"}
    )
    e = e.sort_values("day", kind="stable")
    merged = pd.merge_asof(q, e, on="day", by="AgentCode", direction="backward")
    merged = merged.merge(
        first[["AgentCode", "AgentGroup", "EmployDate"]], on="AgentCode", how="left"
    )
    no_event = merged["EventType"].isna()
    in_service = ~no_event & (merged["EventType"] != "07")
    in_service |= no_event & merged["EmployDate"].notna() & (merged["EmployDate"] <= merged["day"])
    team = merged["NewAgentGroup"].where(~no_event, merged["AgentGroup"])
    merged = merged.assign(in_service=in_service, team=team).sort_values("pos")
    return merged[["in_service", "team"]].reset_index(drop=True)


def in_service_rows(snapshot: pd.DataFrame) -> pd.DataFrame:
    return snapshot[snapshot["AgentState"].isin(["01", "03"])]


# --- fixtures -----------------------------------------------------------------------------------

TINY = {"size": "tiny", "start": "202311", "months": 14, "seed": 5}
DEMO = {"size": "demo", "start": "202301", "months": 16, "seed": 11}


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "inbox"
    generate(out=out, **TINY)
    return out


@pytest.fixture(scope="module")
def tiny(tiny_dir: Path) -> Inbox:
    return load_inbox(tiny_dir)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Inbox:
    out = tmp_path_factory.mktemp("demo") / "inbox"
    generate(out=out, **DEMO)
    return load_inbox(out)


@pytest.fixture(params=["tiny", "demo"])
def inbox(request: pytest.FixtureRequest) -> Inbox:
    return request.getfixturevalue(request.param)


# --- determinism --------------------------------------------------------------------------------


def test_same_arguments_give_byte_identical_files(tiny_dir: Path, tmp_path: Path):
    again = tmp_path / "again"
    generate(out=again, **TINY)
    first, second = tree_hashes(tiny_dir), tree_hashes(again)
    assert first == second
    assert any(name.endswith(".xlsx") for name in first)  # the xlsx is reproducible too


def test_a_different_seed_gives_different_files(tiny_dir: Path, tmp_path: Path):
    other = tmp_path / "other"
    generate(out=other, **(TINY | {"seed": TINY["seed"] + 1}))
    first, second = tree_hashes(tiny_dir), tree_hashes(other)
    agent_files = [n for n in first if "/AGENT_2" in n]
    assert agent_files and all(first[n] != second.get(n) for n in agent_files)


# --- contract conformance -----------------------------------------------------------------------


def test_every_month_is_complete_and_parses_to_the_control_counts(tiny: Inbox, tiny_dir: Path):
    expected = [shift_month(TINY["start"], k) for k in range(TINY["months"])]
    assert tiny.months == expected
    assert tiny.read_rows == tiny.control_rows
    for month in tiny.months:
        names = {e.filename for e in read_control_file(tiny_dir / month / f"{month}.ok")}
        monthly = {
            f"{fam}_{month}.csv"
            for fam in ("COM", "BRANCH", "AGENT", "AGENT_EVENT", "POLICY", "RECEIPT", "ACTIVITY")
        }
        assert monthly <= names
        # the control file is written last
        ok_time = (tiny_dir / month / f"{month}.ok").stat().st_mtime_ns
        assert all((tiny_dir / month / n).stat().st_mtime_ns <= ok_time for n in names)


def _layout_kinds(root: Path) -> tuple[set[str], set[str], set[bytes]]:
    encodings, variants, newlines = set(), set(), set()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for df in check_delivery(folder).files:
            info = FileInfo(df.name)
            for _ in read_extract(folder / df.name, df.family, info):
                pass
            encodings.add(info.encoding)
            variants.add(info.header_variant)
            if df.name.endswith(".csv"):
                head = (folder / df.name).read_bytes()[:4096]
                newlines.add(b"\r\n" if b"\r\n" in head else b"\n")
    return encodings, variants, newlines


def test_mixed_mode_mixes_encodings_headers_and_line_endings(tiny_dir: Path):
    encodings, variants, newlines = _layout_kinds(tiny_dir)
    assert "gb18030" in encodings and encodings & {"utf-8", "utf-8-sig"}
    assert {"captions", "codes"} <= variants
    assert newlines == {b"\r\n", b"\n"}
    assert any(_has_compact_date(p) for p in tiny_dir.rglob("*.csv"))


def _has_compact_date(path: Path) -> bool:
    return re.search(rb",(?:19|20)\d{2}[01]\d[0-3]\d,", path.read_bytes()) is not None


def test_a_one_month_default_run_has_both_encodings_and_both_headers(tmp_path: Path):
    out = tmp_path / "one"
    generate(out=out, size="tiny", start="202405", months=1, seed=1)
    encodings, variants, _ = _layout_kinds(out)
    assert "gb18030" in encodings and encodings & {"utf-8", "utf-8-sig"}
    assert {"captions", "codes"} <= variants


def test_utf8_and_codes_switches_give_only_utf8_and_codes(tmp_path: Path):
    out = tmp_path / "plain"
    generate(
        out=out, size="tiny", start="202312", months=3, seed=2, encoding="utf-8", headers="codes"
    )
    encodings, variants, _ = _layout_kinds(out)
    assert encodings == {"utf-8"}
    assert variants == {"codes"}
    assert not list(out.rglob("*.xlsx"))


def test_budgets_arrive_once_per_year_in_its_first_month(tiny: Inbox, tiny_dir: Path):
    files = sorted(str(p.relative_to(tiny_dir)) for p in tiny_dir.rglob("BUDGET_*"))
    assert files == ["202311/BUDGET_2023.csv", "202401/BUDGET_2024.xlsx"]
    budget = tiny["BUDGET"]
    com = tiny["COM"]
    regions = tiny["BRANCH"][tiny["BRANCH"]["BranchLevel"] == "03"]
    assert set(com["ComCode"]) <= set(budget["OrgCode"])
    assert set(budget["OrgCode"]) <= set(com["ComCode"]) | set(regions["AgentGroup"])
    assert set(budget["Indicator"]) == {
        "effective_manpower",
        "producing_manpower",
        "licensed_manpower",
        "first_year_standard_premium",
    }
    for year, rows in budget.groupby(budget["Month"].str[:4]):
        assert sorted(rows["Month"].unique()) == [f"{year}{m:02d}" for m in range(1, 13)]
        assert not rows.duplicated(["OrgCode", "Month", "Indicator"]).any()
    assert (budget["Target"] >= 0).all()


# --- consistency rules --------------------------------------------------------------------------


def test_replaying_events_gives_every_snapshot(inbox: Inbox):
    agent = inbox["AGENT"]
    for month in inbox.months:
        snap = agent[agent["month"] == month].set_index("AgentCode")
        got = replay(inbox, month).reindex(snap.index)
        assert got["grade"].notna().all(), month
        mismatch = (
            (got["grade"] != snap["AgentGrade"])
            | (got["team"] != snap["AgentGroup"])
            | (got["in_service"].astype(bool) != snap["AgentState"].isin(["01", "03"]))
        )
        assert not mismatch.any(), (month, snap[mismatch].head())


def test_hires_have_join_events_and_opening_agents_none(inbox: Inbox):
    agent = inbox["AGENT"]
    first = agent[agent["month"] == inbox.months[0]]
    window_start = month_start(inbox.months[0])
    ev = live_events(inbox)
    joins = ev[ev["EventType"] == "01"]
    assert joins["AgentCode"].is_unique
    hired = agent.drop_duplicates("AgentCode")
    hired = hired[hired["EmployDate"] >= window_start]
    rejoined = set(ev.loc[ev["EventType"] == "08", "AgentCode"])
    assert set(hired["AgentCode"]) - rejoined <= set(joins["AgentCode"])
    opening = first[first["EmployDate"] < window_start]
    assert not set(opening["AgentCode"]) & set(joins["AgentCode"])
    assert (joins["OldGrade"].isna() & (joins["NewGrade"] == "A01")).all()
    leaves = ev[ev["EventType"] == "07"]
    last = agent.sort_values("month").drop_duplicates("AgentCode", keep="last")
    gone = last[last["AgentState"] == "02"].set_index("AgentCode")
    last_leave = leaves.groupby("AgentCode")["EffectiveDate"].last()
    assert (gone["OutWorkDate"] == last_leave.reindex(gone.index)).all()


def test_snapshots_hold_every_agent_in_service_that_month(inbox: Inbox):
    agent = inbox["AGENT"]
    for month in inbox.months[1:]:
        codes = set(agent.loc[agent["month"] == month, "AgentCode"])
        got = replay(inbox, month)
        assert set(got.index[got["in_service"].astype(bool)]) <= codes
        ev = live_events(inbox, month)
        left = ev[
            (ev["EventType"] == "07")
            & (ev["EffectiveDate"] > month_start(month))
            & (ev["EffectiveDate"] <= month_end(month))
        ]
        assert set(left["AgentCode"]) <= codes


def test_references_resolve(inbox: Inbox):
    agent, branch, com = inbox["AGENT"], inbox["BRANCH"], inbox["COM"]
    seen: set[str] = set()
    contracts: set[str] = set()
    for month in inbox.months:
        seen |= set(agent.loc[agent["month"] == month, "AgentCode"])
        groups = set(branch.loc[branch["month"] == month, "AgentGroup"])
        for fam, cols in (
            ("AGENT_EVENT", ["OldAgentGroup", "NewAgentGroup"]),
            ("POLICY", ["AgentGroup"]),
            ("RECEIPT", ["AgentGroup"]),
            ("ACTIVITY", []),
            ("AGENT", ["AgentGroup"]),
        ):
            rows = inbox[fam][inbox[fam]["month"] == month]
            assert set(rows["AgentCode"]) <= seen, (fam, month)
            for col in cols:
                assert set(rows[col].dropna()) <= groups, (fam, col, month)
        contracts |= set(inbox["POLICY"].loc[inbox["POLICY"]["month"] == month, "ContNo"])
        receipts = inbox["RECEIPT"][inbox["RECEIPT"]["month"] == month]
        assert set(receipts["ContNo"]) <= contracts, month
    for month, units in branch.groupby("month"):
        coms = com[com["month"] == month].set_index("ComCode")
        by_id = units.set_index("AgentGroup")
        assert set(units["ManageCom"]) <= set(coms.index)
        parent = by_id.reindex(units["UpAgentGroup"].dropna())
        assert parent.index.isin(by_id.index).all()
        regions = units[units["BranchLevel"] == "03"]
        assert regions["UpAgentGroup"].isna().all()
        assert (regions["BranchAttr"].str[:-2] == regions["ManageCom"]).all()
        assert regions["OutletType"].isin(["0", "1"]).all()
        below = units[units["BranchLevel"] != "03"]
        assert below["OutletType"].isna().all()
        up = by_id.loc[below["UpAgentGroup"]]
        expect_level = below["BranchLevel"].map({"02": "03", "01": "02"}).to_numpy()
        assert (up["BranchLevel"].to_numpy() == expect_level).all()
        assert (below["BranchAttr"].str[:-2].to_numpy() == up["BranchAttr"].to_numpy()).all()
        assert (below["BranchAttr"].str.len() == up["BranchAttr"].str.len().to_numpy() + 2).all()
        assert (below["BranchType"].to_numpy() == up["BranchType"].to_numpy()).all()
        assert (below["ManageCom"].to_numpy() == up["ManageCom"].to_numpy()).all()
        for code in coms.index:
            chain = [code]
            while pd.notna(coms.loc[chain[-1], "UpComCode"]):
                chain.append(coms.loc[chain[-1], "UpComCode"])
            assert chain[-1] == "86" and len(chain) == len(code) // 2
        managers = units["BranchManager"].dropna()
        snap = agent[agent["month"] == month]
        assert set(managers) <= set(snap.loc[snap["AgentState"] != "02", "AgentCode"])


def test_policies_are_sold_by_agents_in_service_in_their_team(inbox: Inbox):
    signed = inbox["POLICY"].drop_duplicates("ContNo", keep="first")
    assert (signed["SignDate"].dt.strftime("%Y%m") == signed["month"]).all()
    state = state_on(inbox, signed["AgentCode"], signed["SignDate"])
    assert state["in_service"].all()
    assert (state["team"].to_numpy() == signed["AgentGroup"].to_numpy()).all()


def test_keys_are_unique_and_codes_never_reused(inbox: Inbox):
    assert inbox["AGENT_EVENT"]["EventNo"].is_unique
    assert inbox["RECEIPT"]["ReceiptNo"].is_unique
    policy = inbox["POLICY"]
    assert not policy.duplicated(["month", "ContNo"]).any()
    fixed = ["AgentCode", "SignDate", "FirstYearPrem", "RiskCode", "PayIntv", "AgentGroup"]
    assert (policy.groupby("ContNo")[fixed].nunique() == 1).all().all()
    agent = inbox["AGENT"]
    assert not agent.duplicated(["month", "AgentCode"]).any()
    assert agent["AgentCode"].str.fullmatch(r"\d{10}").all()
    assert (agent.groupby("AgentCode")[["IDNo", "Birthday", "Name"]].nunique() == 1).all().all()
    assert agent["IDNo"].str.len().eq(18).all()
    act = inbox["ACTIVITY"]
    assert not act.duplicated(["AgentCode", "StatMonth"]).any()
    assert (act["StatMonth"] == act["month"]).all()
    branch = inbox["BRANCH"]
    assert not branch.duplicated(["month", "AgentGroup"]).any()
    assert branch["AgentGroup"].str.len().eq(10).all()
    # an id keeps its level and its county for life
    assert (
        (branch.groupby("AgentGroup")[["BranchLevel", "ManageCom", "FoundDate"]].nunique() == 1)
        .all()
        .all()
    )


def test_amounts_dates_and_codes_are_valid(inbox: Inbox):
    policy, receipt, act = inbox["POLICY"], inbox["RECEIPT"], inbox["ACTIVITY"]
    assert (policy.loc[policy["PayIntv"] == 0, "PayYears"] == 1).all()
    assert policy["PayIntv"].isin([0, 1, 12]).all()
    assert set(policy["PayYears"]) <= {1, 3, 5, 10, 20}
    assert (policy.loc[policy["RiskType"] == "S", "PayYears"] == 1).all()
    for col in ("TransMoney", "TransStandMoney", "FYC"):
        cents = receipt[col] * 100
        assert np.allclose(cents, cents.round())
    assert (receipt["WageNo"] == receipt["ConfDate"].dt.strftime("%Y%m")).all()
    assert (receipt["WageNo"] == receipt["month"]).all()
    assert (receipt.loc[receipt["PayCount"] > 1, "FYC"] == 0).all()
    refunds = receipt[receipt["TransType"].isin(["WT", "CT"])]
    assert (refunds["TransMoney"] < 0).all()
    assert (receipt.loc[receipt["TransType"] == "ZC", "TransMoney"] > 0).all()
    assert (act["AttendDays"] <= act["DutyDays"]).all()
    assert (act[["DutyDays", "AttendDays", "Visits"]] >= 0).all().all()
    ev = inbox["AGENT_EVENT"]
    delivered = ev["month"].map(month_start)
    assert (ev["MakeDate"] >= delivered).all() and (
        ev["MakeDate"] <= ev["month"].map(month_end)
    ).all()
    assert (ev["EffectiveDate"] <= ev["MakeDate"]).all()
    assert (ev["EffectiveDate"] >= delivered - pd.DateOffset(months=6)).all()
    assessed = ev[ev["EventType"].isin(["03", "04", "05"])]
    assert assessed["AssessPeriod"].str.fullmatch(r"\d{4}Q[1-4]").all()
    assert ev.loc[~ev["EventType"].isin(["03", "04", "05"]), "AssessPeriod"].isna().all()
    assert (ev["CancelEventNo"].notna() == (ev["EventType"] == "99")).all()


def test_cancelled_events_show_in_their_month_and_vanish_the_next(inbox: Inbox):
    ev, agent = inbox["AGENT_EVENT"], inbox["AGENT"]
    cancels = ev[ev["EventType"] == "99"]
    assert len(cancels)
    target = ev.set_index("EventNo").loc[cancels["CancelEventNo"]]
    assert (
        target["month"].map(lambda m: shift_month(m, 1)).to_numpy() == cancels["month"].to_numpy()
    ).all()
    snap = agent.set_index(["month", "AgentCode"])
    for no, row in target.iterrows():
        before = snap.loc[(row["month"], row["AgentCode"])]
        after = snap.loc[(shift_month(row["month"], 1), row["AgentCode"])]
        if row["EventType"] == "06":
            assert before["AgentGroup"] == row["NewAgentGroup"] != after["AgentGroup"], no
        else:
            assert row["EventType"] == "07"
            assert before["AgentState"] == "02", no
            assert before["OutWorkDate"] == row["EffectiveDate"], no
            # gone from the next snapshot, unless the agent really left in that month
            assert after["OutWorkDate"] != row["EffectiveDate"] or pd.isna(after["OutWorkDate"]), no


def test_backdated_notice_and_rejoin_events(inbox: Inbox):
    ev, agent = live_events(inbox), inbox["AGENT"]
    late = ev[ev["EffectiveDate"] < ev["month"].map(month_start)]
    assert len(late) and (late["EventType"] == "07").mean() > 0.5
    snap = agent.set_index(["month", "AgentCode"])
    notice = agent[agent["AgentState"] == "03"]
    assert len(notice)
    leaves = ev[ev["EventType"] == "07"].set_index("AgentCode")
    for _, row in notice.head(50).iterrows():
        later = leaves.loc[[row["AgentCode"]]] if row["AgentCode"] in leaves.index else None
        nxt = shift_month(row["month"], 1)
        if nxt in inbox.months:
            assert later is not None and (later["month"] == nxt).any()
    rejoins = ev[ev["EventType"] == "08"]
    for _, row in rejoins.iterrows():
        s = snap.loc[(row["month"], row["AgentCode"])]
        assert s["EmployDate"] == row["EffectiveDate"] and pd.isna(s["OutWorkDate"])
        assert s["AgentState"] in ("01", "03")


def test_promotions_to_b01_open_a_team(inbox: Inbox):
    ev, branch = live_events(inbox), inbox["BRANCH"]
    promos = ev[(ev["EventType"] == "03") & (ev["NewGrade"] == "B01")]
    assert len(promos)
    units = branch.set_index(["month", "AgentGroup"])
    for _, p in promos.iterrows():
        team = units.loc[(p["month"], p["NewAgentGroup"])]
        old = units.loc[(shift_month(p["month"], -1), p["OldAgentGroup"])]  # before any move
        assert team["BranchLevel"] == "01" and team["FoundDate"] == p["EffectiveDate"]
        assert team["BranchManager"] == p["AgentCode"]
        assert team["UpAgentGroup"] == old["UpAgentGroup"]
        assert p["EffectiveDate"].day == 1 and p["EffectiveDate"].month in (1, 4, 7, 10)
    followers = ev[(ev["EventType"] == "06") & ev["NewAgentGroup"].isin(promos["NewAgentGroup"])]
    assert len(followers)


def test_units_move_and_outlets_open(demo: Inbox):
    branch = demo["BRANCH"]
    teams = branch[branch["BranchLevel"] == "01"]
    moved = teams.groupby("AgentGroup")[["UpAgentGroup", "BranchAttr"]].nunique()
    assert ((moved["UpAgentGroup"] > 1) & (moved["BranchAttr"] > 1)).any()
    regions = branch[(branch["BranchLevel"] == "03") & (branch["OutletType"] == "1")]
    start = month_start(demo.months[0])
    opened = regions.drop_duplicates("AgentGroup")["FoundDate"]
    assert (opened >= start).any()
    assert ((opened < start) & (opened >= start - pd.DateOffset(months=12))).any()
    assert set(branch["BranchType"]) == {"1", "4"}
    managers = teams["BranchManager"]
    assert managers.notna().mean() > 0.5 and managers.isna().any()


def test_cooling_off_cancellations_and_later_status_rows(inbox: Inbox):
    policy, receipt = inbox["POLICY"], inbox["RECEIPT"]
    cancelled = policy[policy["ContState"] == "2"]
    assert len(cancelled)
    days = (cancelled["StateDate"] - cancelled["GetPolDate"]).dt.days
    assert days.between(1, 15).all()
    assert (cancelled["StateDate"].dt.strftime("%Y%m") == cancelled["month"]).all()
    assert (cancelled["StateDate"] > cancelled["SignDate"]).all()
    wt = receipt[receipt["TransType"] == "WT"].set_index("ContNo")
    assert set(cancelled["ContNo"]) == set(wt.index)
    refund = wt.loc[cancelled["ContNo"]]
    assert (refund["month"].to_numpy() == cancelled["month"].to_numpy()).all()
    assert (refund["TransStandMoney"] < 0).all() and (refund["FYC"] < 0).all()
    first = receipt[(receipt["TransType"] == "ZC") & (receipt["PayCount"] == 1)]
    paid = first.drop_duplicates("ContNo").set_index("ContNo").loc[cancelled["ContNo"]]
    assert np.allclose(-refund["TransMoney"].to_numpy(), paid["TransMoney"].to_numpy())
    later = cancelled["SignDate"].dt.strftime("%Y%m") != cancelled["month"]
    assert later.any()
    if len(inbox.months) >= 14:
        assert set(policy["ContState"]) == {"1", "2", "3", "4", "5"}


# --- realism ------------------------------------------------------------------------------------


def _net_production(inbox: Inbox) -> pd.DataFrame:
    """Per month and agent: net new policies and premium (cancellations post in the month of
    their StateDate), as the KPI dictionary counts them."""
    policy = inbox["POLICY"]
    signed = policy.drop_duplicates("ContNo", keep="first")
    cancelled = policy[policy["ContState"] == "2"].drop_duplicates("ContNo")
    plus = signed.groupby(["month", "AgentCode"]).agg(
        n=("ContNo", "size"), prem=("FirstYearPrem", "sum")
    )
    minus = cancelled.groupby(["month", "AgentCode"]).agg(
        n=("ContNo", "size"), prem=("FirstYearPrem", "sum")
    )
    return plus.sub(minus, fill_value=0)


def test_retention_and_conversion_are_realistic(demo: Inbox):
    agent = demo["AGENT"]
    ev = live_events(demo)
    hires = ev[ev["EventType"] == "01"].assign(c=lambda d: d["EffectiveDate"].dt.strftime("%Y%m"))
    retained = total = 0
    for c in demo.months:
        end = shift_month(c, 13)
        if end not in demo.months:
            break
        cohort = hires[hires["c"] == c]
        snap = in_service_rows(agent[agent["month"] == end]).set_index("AgentCode")
        spell = snap["EmployDate"].reindex(cohort["AgentCode"]).to_numpy()
        retained += int((spell == cohort["EffectiveDate"].to_numpy()).sum())
        total += len(cohort)
    assert total > 1000
    assert 0.30 <= retained / total <= 0.40
    formalised = ev[ev["EventType"] == "02"].groupby("AgentCode")["EffectiveDate"].min()
    converted = total = 0
    for c in demo.months:
        end = shift_month(c, 3)
        if end not in demo.months:
            break
        cohort = hires[hires["c"] == c]
        when = formalised.reindex(cohort["AgentCode"]).to_numpy()
        converted += int((when <= month_end(end)).sum())
        total += len(cohort)
    assert 0.40 <= converted / total <= 0.60


def test_production_is_realistic(demo: Inbox):
    agent = demo["AGENT"]
    net = _net_production(demo)
    producing = net[(net["n"] >= 1) & (net["prem"] > 0)]
    rates, per_producer = [], []
    for prev, month in zip(demo.months, demo.months[1:], strict=False):
        start = len(in_service_rows(agent[agent["month"] == prev]))
        end = len(in_service_rows(agent[agent["month"] == month]))
        producers = len(producing.loc[month])
        rates.append(producers / ((start + end) / 2))
        per_producer.append(net.loc[month, "n"].sum() / producers)
    assert min(rates) >= 0.30 and max(rates) <= 0.55, rates
    assert min(per_producer) >= 1.2 and max(per_producer) <= 1.6, per_producer
    signed = demo["POLICY"].drop_duplicates("ContNo", keep="first")
    assert 5_000 <= signed["FirstYearPrem"].median() <= 7_000
    assert 6_500 <= signed["FirstYearPrem"].mean() <= 8_500
    assert 0.10 <= (signed["PayIntv"] == 0).mean() <= 0.20
    assert (signed["RiskType"] == "S").any() and set(signed["PayYears"]) >= {3, 5, 10, 20}
    cancelled = set(demo["POLICY"].loc[demo["POLICY"]["ContState"] == "2", "ContNo"])
    share = (
        signed.loc[signed["ContNo"].isin(cancelled), "FirstYearPrem"].sum()
        / signed["FirstYearPrem"].sum()
    )
    assert 0.01 <= share <= 0.03
    by_month = net.groupby(level="month")["prem"].sum()
    year = by_month[by_month.index.str.startswith("2023")]
    jan, feb = year["202301"], year["202302"]
    assert jan / year.sum() > 0.1 and jan > 1.4 * feb
    # standard premium per the dictionary's factor table
    receipt = demo["RECEIPT"]
    first = receipt[(receipt["PayCount"] == 1) & (receipt["TransType"] == "ZC")]
    terms = signed.set_index("ContNo").loc[first["ContNo"], ["RiskType", "PayIntv", "PayYears"]]
    factor = np.select(
        [
            terms["RiskType"] == "S",
            terms["PayIntv"] == 0,
            terms["PayYears"] <= 2,
            terms["PayYears"] <= 9,
            terms["PayYears"] <= 14,
            terms["PayYears"] <= 19,
        ],
        [1.0, 0.1, 0.1, 0.2, 0.6, 0.8],
        1.0,
    )
    assert np.allclose(
        first["TransStandMoney"], (first["TransMoney"] * factor).round(2), atol=0.011
    )


def test_persistency_is_realistic(demo: Inbox):
    policy, receipt = demo["POLICY"], demo["RECEIPT"]
    signed = policy.drop_duplicates("ContNo", keep="first")
    cancelled = set(policy.loc[policy["ContState"] == "2", "ContNo"])
    month0 = demo.months[0]
    cohort = signed[
        (signed["month"] == month0)
        & (signed["PayIntv"] == 12)
        & (signed["RiskType"] == "L")
        & (signed["PayYears"] >= 2)
        & ~signed["ContNo"].isin(cancelled)
    ]
    second = receipt[
        (receipt["PayCount"] == 2)
        & (receipt["TransType"] == "ZC")
        & receipt["ContNo"].isin(cohort["ContNo"])
    ]
    due = cohort.set_index("ContNo")["CValiDate"] + pd.DateOffset(years=1)
    assert (second["DueDate"].to_numpy() == due.loc[second["ContNo"]].to_numpy()).all()
    assert (second["FYC"] == 0).all()
    assert (second["DueDate"] + pd.Timedelta(days=60)).max() <= month_end(demo.months[-1])
    on_time = second[second["ConfDate"] <= second["DueDate"] + pd.Timedelta(days=60)]
    rate = on_time["TransMoney"].sum() / cohort["FirstYearPrem"].sum()
    assert 0.85 <= rate <= 0.92
    assert len(on_time) < len(second)  # some pay after the 60 days
    lapsed = set(policy.loc[policy["ContState"] == "4", "ContNo"])
    assert lapsed & set(cohort["ContNo"])
    assert set(receipt.loc[receipt["TransType"] == "CT", "ContNo"]) <= set(
        policy.loc[policy["ContState"] == "3", "ContNo"]
    )


def test_attendance_and_visits_are_realistic(demo: Inbox):
    act = demo["ACTIVITY"]
    agent = demo["AGENT"]
    for month in demo.months:
        rows = act[act["month"] == month]
        snap = agent[agent["month"] == month]
        assert set(in_service_rows(snap)["AgentCode"]) <= set(rows["AgentCode"])
        assert rows["DutyDays"].max() <= 23
    rate = act["AttendDays"].sum() / act["DutyDays"].sum()
    assert 0.75 <= rate <= 0.95
    quota = np.where(act["StatMonth"].str[4:].astype(int).between(4, 8), 2, 4)
    duty = act["DutyDays"] > 0
    met = (act["Visits"] >= quota * act["DutyDays"])[duty].mean()
    assert 0.1 <= met <= 0.6


def test_budget_targets_sit_above_what_happens(demo: Inbox):
    budget = demo["BUDGET"]
    head = budget[budget["OrgCode"] == "86"].pivot(
        index="Month", columns="Indicator", values="Target"
    )
    net = _net_production(demo)
    producing = net[(net["n"] >= 1) & (net["prem"] > 0)]
    receipt = demo["RECEIPT"]
    fysp = receipt[receipt["PayCount"] == 1].groupby("WageNo")["TransStandMoney"].sum()
    months = demo.months[:12]
    actual_producing = pd.Series({m: len(producing.loc[m]) for m in months})
    ratio_p = head.loc[months, "producing_manpower"].sum() / actual_producing.sum()
    ratio_s = head.loc[months, "first_year_standard_premium"].sum() / fysp.loc[months].sum()
    assert 1.0 <= ratio_p <= 1.25, ratio_p
    assert 1.0 <= ratio_s <= 1.25, ratio_s


# --- re-delivery --------------------------------------------------------------------------------


def test_redelivery_rewrites_only_that_month(tiny_dir: Path, tmp_path: Path):
    inbox = tmp_path / "inbox"
    shutil.copytree(tiny_dir, inbox)
    before = tree_hashes(inbox)
    month = "202402"
    summary = generate(out=inbox, **TINY, redeliver=month)
    assert month in str(summary)
    after = tree_hashes(inbox)
    changed = {name for name in before if before[name] != after.get(name)}
    assert set(after) == set(before)
    assert changed and all(name.startswith(f"{month}/") for name in changed)
    assert f"{month}/{month}.ok" in changed
    assert check_delivery(inbox / month).complete
    again = load_inbox(inbox)
    old = load_inbox(tiny_dir)
    act_old = old["ACTIVITY"][old["ACTIVITY"]["month"] == month].set_index("AgentCode")
    act_new = again["ACTIVITY"][again["ACTIVITY"]["month"] == month].set_index("AgentCode")
    assert act_old.index.equals(act_new.index)
    assert 0 < (act_old["Visits"] != act_new["Visits"]).sum() <= 10
    rec_old = old["RECEIPT"][old["RECEIPT"]["month"] == month]
    rec_new = again["RECEIPT"][again["RECEIPT"]["month"] == month]
    extra = rec_new[~rec_new["ReceiptNo"].isin(rec_old["ReceiptNo"])]
    assert len(extra) == 1 and len(rec_new) == len(rec_old) + 1
    assert again["RECEIPT"]["ReceiptNo"].is_unique
    assert set(extra["ContNo"]) <= set(
        again["POLICY"].loc[again["POLICY"]["month"] <= month, "ContNo"]
    )
    # re-delivering the same month again gives the same bytes
    generate(out=inbox, **TINY, redeliver=month)
    assert tree_hashes(inbox) == after


def test_redelivery_outside_the_window_is_refused(tmp_path: Path):
    from amisdw.errors import AmisdwError

    with pytest.raises(AmisdwError, match="outside"):
        generate(out=tmp_path / "x", **TINY, redeliver="202001")


def test_families_are_driven_by_the_contract(tiny_dir: Path):
    month = TINY["start"]
    header = (tiny_dir / month / f"COM_{month}.csv").read_bytes().splitlines()[0]
    codes = {f.code for f in FAMILY_BY_NAME["COM"].fields}
    captions = {f.caption for f in FAMILY_BY_NAME["COM"].fields}
    for enc in ("utf-8-sig", "gb18030"):
        try:
            names = set(header.decode(enc).split(","))
        except UnicodeDecodeError:
            continue
        if names in (codes, captions):
            return
    raise AssertionError(header)


def test_a_defect_keeps_the_budget_workbooks_count_in_the_control_file(
    tiny_dir: Path, tmp_path: Path
):
    from amisdw.generate.defects import inject

    month = tmp_path / "202401"
    shutil.copytree(tiny_dir / "202401", month)
    before = {e.filename: e.rows for e in read_control_file(month / "202401.ok")}
    assert before["BUDGET_2024.xlsx"] > 0
    inject(month, "attend_gt_duty")  # changes ACTIVITY values, not its row count
    after = {e.filename: e.rows for e in read_control_file(month / "202401.ok")}
    assert after == before
