"""Hand-built multi-month AMIS histories shaped like real exports (not the generator's), with
hand-worked answers: history that starts in an odd month of an odd year, agents whose events
are missing, and snapshots that contradict the events.

The org: head office 86 → 陕西分公司 8661 → 西安分公司 866101 → 雁塔支公司 86610101 → region
G000000001 → department G000000002 → teams T1 = G000000003 (飞跃组) and T2 = G000000004
(腾飞组), channel 1. Each agent row is given as (code, grade, team, state, employ, out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.delivery_builder import write_csv, write_ok

T1, T2 = "G000000003", "G000000004"
REGION, DEPARTMENT = "G000000001", "G000000002"


@dataclass(frozen=True)
class AgentRow:
    code: str
    grade: str
    team: str
    state: str = "01"
    employ: str = "2001-01-01"
    out: str = ""


@dataclass(frozen=True)
class Event:
    no: str
    agent: str
    kind: str
    effective: str
    old_grade: str = ""
    new_grade: str = ""
    old_team: str = ""
    new_team: str = ""


@dataclass
class Month:
    month: str  # YYYYMM
    agents: list[AgentRow]
    events: list[Event] = field(default_factory=list)
    policies: int = 1  # policies signed by agent 1000000001 this month (6,000.50 each)


def com_rows() -> list[dict[str, str]]:
    return [
        {"ComCode": "86", "Name": "总公司", "ComGrade": "01", "FoundDate": "1996-01-01"},
        {
            "ComCode": "8661",
            "Name": "陕西分公司",
            "ComGrade": "02",
            "UpComCode": "86",
            "FoundDate": "2000-01-01",
        },
        {
            "ComCode": "866101",
            "Name": "西安分公司",
            "ComGrade": "03",
            "UpComCode": "8661",
            "FoundDate": "2000-01-01",
        },
        {
            "ComCode": "86610101",
            "Name": "雁塔支公司",
            "ComGrade": "04",
            "UpComCode": "866101",
            "FoundDate": "2001-01-01",
        },
    ]


def branch_rows() -> list[dict[str, str]]:
    common = {"ManageCom": "86610101", "BranchType": "1", "FoundDate": "2001-01-01"}
    return [
        {
            "AgentGroup": REGION,
            "BranchAttr": "8661010101",
            "BranchName": "本部一区",
            "BranchLevel": "03",
            "OutletType": "0",
            **common,
        },
        {
            "AgentGroup": DEPARTMENT,
            "BranchAttr": "866101010101",
            "BranchName": "第一营业部",
            "BranchLevel": "02",
            "UpAgentGroup": REGION,
            **common,
        },
        {
            "AgentGroup": T1,
            "BranchAttr": "86610101010101",
            "BranchName": "飞跃组",
            "BranchLevel": "01",
            "UpAgentGroup": DEPARTMENT,
            **common,
        },
        {
            "AgentGroup": T2,
            "BranchAttr": "86610101010102",
            "BranchName": "腾飞组",
            "BranchLevel": "01",
            "UpAgentGroup": DEPARTMENT,
            **common,
        },
    ]


def agent_rows(agents: list[AgentRow]) -> list[dict[str, str]]:
    rows = []
    for i, a in enumerate(agents):
        rows.append(
            {
                "AgentCode": a.code,
                "Name": ["王小明", "李四", "赵𠀾华", "钱多多", "孙悟空"][i % 5],
                "Sex": str(i % 2),
                "Birthday": "1985-06-01",
                "IDNo": f"61011319850601{i:03d}X",
                "Mobile": f"1391234{i:04d}",
                "Degree": "本科",
                "EmployDate": a.employ,
                "InDueFormDate": "" if a.grade == "A01" else a.employ,
                "OutWorkDate": a.out,
                "AgentState": a.state,
                "AgentGrade": a.grade,
                "AgentGroup": a.team,
                "QuafNo": "Q" + a.code,
                "QuafEndDate": "2030-12-31",
                "BranchType": "1",
            }
        )
    return rows


def event_rows(events: list[Event]) -> list[dict[str, str]]:
    return [
        {
            "EventNo": e.no,
            "AgentCode": e.agent,
            "EventType": e.kind,
            "EffectiveDate": e.effective,
            "OldGrade": e.old_grade,
            "NewGrade": e.new_grade,
            "OldAgentGroup": e.old_team,
            "NewAgentGroup": e.new_team,
            "MakeDate": e.effective,
        }
        for e in events
    ]


def production_rows(month: str, n: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    day = f"{month[:4]}-{month[4:]}-10"
    policies, receipts = [], []
    for i in range(n):
        cont = f"P{month}{i:04d}"
        policies.append(
            {
                "ContNo": cont,
                "AgentCode": "1000000001",
                "AgentGroup": T1,
                "ManageCom": "86610101",
                "RiskCode": "L20",
                "RiskType": "L",
                "PayIntv": "12",
                "PayYears": "20",
                "SignDate": day,
                "CValiDate": day,
                "GetPolDate": day,
                "FirstYearPrem": "6000.50",
                "ContState": "1",
                "StateDate": day,
            }
        )
        receipts.append(
            {
                "ReceiptNo": f"R{month}{i:04d}",
                "ContNo": cont,
                "AgentCode": "1000000001",
                "AgentGroup": T1,
                "PayCount": "1",
                "TransType": "ZC",
                "DueDate": day,
                "ConfDate": day,
                "TransMoney": "6000.50",
                "TransStandMoney": "6000.50",
                "FYC": "2100.18",
                "WageNo": month,
            }
        )
    return policies, receipts


def activity_rows(month: str, agents: list[AgentRow]) -> list[dict[str, str]]:
    return [
        {
            "AgentCode": a.code,
            "StatMonth": month,
            "DutyDays": "22",
            "AttendDays": "20",
            "Visits": "80",
            "NewProspects": "3",
            "RecruitInterviews": "1",
        }
        for a in agents
        if a.state != "02"
    ]


def write_month(inbox: Path, m: Month, encoding: str = "gb18030") -> Path:
    folder = inbox / m.month
    folder.mkdir(parents=True, exist_ok=True)
    policies, receipts = production_rows(m.month, m.policies)
    families = {
        "COM": com_rows(),
        "BRANCH": branch_rows(),
        "AGENT": agent_rows(m.agents),
        "AGENT_EVENT": event_rows(m.events),
        "POLICY": policies,
        "RECEIPT": receipts,
        "ACTIVITY": activity_rows(m.month, m.agents),
    }
    counts = {}
    for family, rows in families.items():
        name = f"{family}_{m.month}.csv"
        counts[name] = write_csv(
            folder / name,
            family,
            rows,
            encoding=encoding,
            headers="codes" if family == "AGENT_EVENT" else "captions",
        )
    write_ok(folder, counts)
    return folder


def write_history(inbox: Path, months: list[Month]) -> Path:
    for m in months:
        write_month(inbox, m)
    return inbox


# --- a region's history from November 2005, with missing events ----------------------------
#
# 1000000001  B01 in T1 since 2001, no event, never changes: nothing to infer, no finding.
# 1000000002  joins T1 on 2005-11-15 (event 01). From January 2006 the snapshots show T2, but
#             no event moves him: the events win (he stays in T1), and the two agent-months
#             (2006-01, 2006-02) are `snapshot_disagrees` findings on `team`.
# 1000000003  A02 in T1 since 2003, NO event at all: the December snapshot shows T2 (a transfer
#             on 2005-12-01), the February one state 02 with OutWorkDate 2006-02-10 (a leave).
# 1000000004  NO event: first seen in January 2006 in T2, EmployDate 2006-01-05 (a hire).

A1 = AgentRow("1000000001", "B01", T1)
A2_T1 = AgentRow("1000000002", "A01", T1, employ="2005-11-15")
A2_T2 = AgentRow("1000000002", "A01", T2, employ="2005-11-15")
A3_T1 = AgentRow("1000000003", "A02", T1, employ="2003-05-01")
A3_T2 = AgentRow("1000000003", "A02", T2, employ="2003-05-01")
A3_OUT = AgentRow("1000000003", "A02", T2, state="02", employ="2003-05-01", out="2006-02-10")
A4 = AgentRow("1000000004", "A01", T2, employ="2006-01-05")

HISTORY_2005 = [
    Month(
        "200511",
        [A1, A2_T1, A3_T1],
        [Event("E2005110001", "1000000002", "01", "2005-11-15", new_grade="A01", new_team=T1)],
    ),
    Month("200512", [A1, A2_T1, A3_T2]),
    Month("200601", [A1, A2_T2, A3_T2, A4]),
    Month("200602", [A1, A2_T2, A3_OUT, A4]),
]

# hand-worked: (org, period) -> {kpi: value}; HO = head office 86
EXPECTED_2005 = {
    ("86", "2005-11"): {"headcount_start": 2, "headcount_end": 3, "hires": 1, "leavers": 0},
    ("86", "2005-12"): {
        "headcount_start": 3,
        "headcount_end": 3,
        "hires": 0,
        "leavers": 0,
        "transfers_in": 0,
        "transfers_out": 0,
    },
    ("86", "2006-01"): {"headcount_start": 3, "headcount_end": 4, "hires": 1, "leavers": 0},
    ("86", "2006-02"): {"headcount_start": 4, "headcount_end": 3, "hires": 0, "leavers": 1},
    ("86", "2005Q4"): {"headcount_start": 2, "headcount_end": 3, "hires": 1, "leavers": 0},
    ("86", "2006Q1"): {"headcount_start": 3, "headcount_end": 3, "hires": 1, "leavers": 1},
    ("86", "2006"): {"headcount_start": 3, "headcount_end": 3, "hires": 1, "leavers": 1},
    (T1, "2005-12"): {
        "headcount_start": 3,
        "headcount_end": 2,
        "transfers_in": 0,
        "transfers_out": 1,
    },
    (T2, "2005-12"): {
        "headcount_start": 0,
        "headcount_end": 1,
        "transfers_in": 1,
        "transfers_out": 0,
    },
    (T1, "2006-01"): {"headcount_start": 2, "headcount_end": 2, "hires": 0},
    (T2, "2006-01"): {"headcount_start": 1, "headcount_end": 2, "hires": 1},
    (T2, "2006-02"): {"headcount_start": 2, "headcount_end": 1, "leavers": 1},
    (T1, "2006-02"): {"headcount_start": 2, "headcount_end": 2, "leavers": 0},
}
# the findings, as (agent, month, kind, field, snapshot_value, replayed_value)
FINDINGS_2005 = {
    ("1000000002", "2006-01", "snapshot_disagrees", "team", T2, T1),
    ("1000000002", "2006-02", "snapshot_disagrees", "team", T2, T1),
    ("1000000003", "2005-12", "replayed_from_snapshots", "team", T2, T2),
    (
        "1000000003",
        "2006-02",
        "replayed_from_snapshots",
        "state",
        "not_in_service",
        "not_in_service",
    ),
    ("1000000004", "2006-01", "replayed_from_snapshots", "state", "in_service", "in_service"),
}
# 14 agent-months in the snapshots (3 + 3 + 4 + 4), 2 of them disagree
DISAGREEING_AGENT_MONTHS, AGENT_MONTHS = 2, 14


# --- a region's two years from January 2011, consistent (every change has its event) --------
#
# 1000000001 B01 in T1 throughout. 1000000002 joins T1 on 2011-03-08, is promoted A01 -> A02
# on 2011-09-01 and leaves on 2012-06-20. 1000000005 joins T2 on 2012-02-14.


def history_2011() -> list[Month]:
    months = [f"{y}{m:02d}" for y in (2011, 2012) for m in range(1, 13)]
    history = []
    for month in months:
        agents = [A1]
        if month >= "201103":
            grade = "A02" if month >= "201109" else "A01"
            state, out = ("02", "2012-06-20") if month >= "201206" else ("01", "")
            if month <= "201208":  # the export keeps leavers for two months
                agents.append(AgentRow("1000000002", grade, T1, state, "2011-03-08", out))
        if month >= "201202":
            agents.append(AgentRow("1000000005", "A01", T2, employ="2012-02-14"))
        events = {
            "201103": [
                Event("E201103", "1000000002", "01", "2011-03-08", new_grade="A01", new_team=T1)
            ],
            "201109": [Event("E201109", "1000000002", "02", "2011-09-01", "A01", "A02", T1, T1)],
            "201202": [
                Event("E201202", "1000000005", "01", "2012-02-14", new_grade="A01", new_team=T2)
            ],
            "201206": [Event("E201206", "1000000002", "07", "2012-06-20", "A02", "A02", T1, T1)],
        }.get(month, [])
        history.append(Month(month, agents, events))
    return history


EXPECTED_2011 = {
    ("86", "2011-01"): {"headcount_start": 1, "headcount_end": 1, "hires": 0},
    ("86", "2011-03"): {"headcount_start": 1, "headcount_end": 2, "hires": 1},
    ("86", "2011"): {
        "headcount_start": 1,
        "headcount_end": 2,
        "hires": 1,
        "leavers": 0,
        "new_policies": 12,
        "new_premium": 12 * 6000.50,
    },
    ("86", "2012-02"): {"headcount_end": 3, "hires": 1},
    ("86", "2012-06"): {"headcount_start": 3, "headcount_end": 2, "leavers": 1},
    ("86", "2012"): {"headcount_start": 2, "headcount_end": 2, "hires": 1, "leavers": 1},
    ("86", "2012Q4"): {"headcount_end": 2, "fyc": 3 * 2100.18},
}
