"""Hand-built AMIS deliveries for tests: a few known rows per family, written with the
plain ``csv`` module (independent of the generator's writer)."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from amisdw.extracts.contract import FAMILY_BY_NAME


def base_rows(month: str) -> dict[str, list[dict[str, str]]]:
    """One county with one region/department/team and two agents; values by field code."""
    y, m = month[:4], month[4:]
    d = f"{y}-{m}-15"
    return {
        "COM": [
            {
                "ComCode": "86",
                "Name": "总公司",
                "ComGrade": "01",
                "UpComCode": "",
                "FoundDate": "1996-01-01",
                "EndDate": "",
            },
            {
                "ComCode": "8661",
                "Name": "陕西分公司",
                "ComGrade": "02",
                "UpComCode": "86",
                "FoundDate": "2000-01-01",
                "EndDate": "",
            },
            {
                "ComCode": "866101",
                "Name": "西安分公司",
                "ComGrade": "03",
                "UpComCode": "8661",
                "FoundDate": "2000-01-01",
                "EndDate": "",
            },
            {
                "ComCode": "86610101",
                "Name": "雁塔支公司",
                "ComGrade": "04",
                "UpComCode": "866101",
                "FoundDate": "2001-01-01",
                "EndDate": "",
            },
        ],
        "BRANCH": [
            {
                "AgentGroup": "G000000001",
                "BranchAttr": "8661010101",
                "BranchName": "本部一区",
                "BranchLevel": "03",
                "UpAgentGroup": "",
                "ManageCom": "86610101",
                "BranchType": "1",
                "OutletType": "0",
                "FoundDate": "2005-01-01",
                "EndDate": "",
                "BranchManager": "",
            },
            {
                "AgentGroup": "G000000002",
                "BranchAttr": "866101010101",
                "BranchName": "第一营业部",
                "BranchLevel": "02",
                "UpAgentGroup": "G000000001",
                "ManageCom": "86610101",
                "BranchType": "1",
                "OutletType": "",
                "FoundDate": "2005-01-01",
                "EndDate": "",
                "BranchManager": "",
            },
            {
                "AgentGroup": "G000000003",
                "BranchAttr": "86610101010101",
                "BranchName": "飞跃组",
                "BranchLevel": "01",
                "UpAgentGroup": "G000000002",
                "ManageCom": "86610101",
                "BranchType": "1",
                "OutletType": "",
                "FoundDate": "2005-01-01",
                "EndDate": "",
                "BranchManager": "1000000001",
            },
        ],
        "AGENT": [
            {
                "AgentCode": "1000000001",
                "Name": "张𠀾华",
                "Sex": "0",
                "Birthday": "1980-02-03",
                "IDNo": "610113198002031234",
                "Mobile": "13912345678",
                "Degree": "本科",
                "EmployDate": "2015-03-01",
                "InDueFormDate": "2015-06-01",
                "OutWorkDate": "",
                "AgentState": "01",
                "AgentGrade": "B01",
                "AgentGroup": "G000000003",
                "IntroAgency": "",
                "EduManager": "",
                "QuafNo": "Q1",
                "QuafEndDate": "2030-01-01",
                "BranchType": "1",
            },
            {
                "AgentCode": "1000000002",
                "Name": "李四",
                "Sex": "1",
                "Birthday": "19900101",
                "IDNo": "61011319900101123X",
                "Mobile": "15912345678",
                "Degree": "",
                "EmployDate": d,
                "InDueFormDate": "",
                "OutWorkDate": "",
                "AgentState": "01",
                "AgentGrade": "A01",
                "AgentGroup": "G000000003",
                "IntroAgency": "1000000001",
                "EduManager": "",
                "QuafNo": "",
                "QuafEndDate": "",
                "BranchType": "1",
            },
        ],
        "AGENT_EVENT": [
            {
                "EventNo": f"E{month}0001",
                "AgentCode": "1000000002",
                "EventType": "01",
                "EffectiveDate": d,
                "OldGrade": "",
                "NewGrade": "A01",
                "OldAgentGroup": "",
                "NewAgentGroup": "G000000003",
                "AssessPeriod": "",
                "CancelEventNo": "",
                "MakeDate": d,
            },
        ],
        "POLICY": [
            {
                "ContNo": f"P{month}0001",
                "AgentCode": "1000000001",
                "AgentGroup": "G000000003",
                "ManageCom": "86610101",
                "RiskCode": "L20",
                "RiskType": "L",
                "PayIntv": "12",
                "PayYears": "20",
                "SignDate": d,
                "CValiDate": d,
                "GetPolDate": d,
                "FirstYearPrem": "6000.50",
                "ContState": "1",
                "StateDate": d,
            },
        ],
        "RECEIPT": [
            {
                "ReceiptNo": f"R{month}0001",
                "ContNo": f"P{month}0001",
                "AgentCode": "1000000001",
                "AgentGroup": "G000000003",
                "PayCount": "1",
                "TransType": "ZC",
                "DueDate": d,
                "ConfDate": d,
                "TransMoney": "6000.50",
                "TransStandMoney": "6000.50",
                "FYC": "2100.18",
                "WageNo": month,
            },
        ],
        "ACTIVITY": [
            {
                "AgentCode": "1000000001",
                "StatMonth": month,
                "DutyDays": "22",
                "AttendDays": "20",
                "Visits": "80",
                "NewProspects": "5",
                "RecruitInterviews": "2",
            },
            {
                "AgentCode": "1000000002",
                "StatMonth": month,
                "DutyDays": "12",
                "AttendDays": "12",
                "Visits": "30",
                "NewProspects": "3",
                "RecruitInterviews": "0",
            },
        ],
    }


def write_csv(
    path: Path,
    family: str,
    rows: list[dict[str, str]],
    *,
    encoding: str = "gb18030",
    headers: str = "captions",
    newline: str = "\r\n",
) -> int:
    fam = FAMILY_BY_NAME[family]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow([f.caption if headers == "captions" else f.code for f in fam.fields])
    for r in rows:
        w.writerow([r.get(f.code, "") for f in fam.fields])
    path.write_bytes(buf.getvalue().encode(encoding))
    return len(rows)


def write_delivery(
    inbox: Path,
    month: str,
    rows: dict[str, list[dict[str, str]]] | None = None,
    *,
    encoding: str = "gb18030",
    headers: str = "captions",
    control: bool = True,
) -> Path:
    folder = inbox / month
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows if rows is not None else base_rows(month)
    counts = {}
    for family, family_rows in rows.items():
        name = f"{family}_{month}.csv" if family != "BUDGET" else f"BUDGET_{month[:4]}.csv"
        counts[name] = write_csv(
            folder / name, family, family_rows, encoding=encoding, headers=headers
        )
    if control:
        write_ok(folder, counts)
    return folder


def write_ok(folder: Path, counts: dict[str, int]) -> None:
    lines = [
        f"{name}|{n}|{hashlib.md5((folder / name).read_bytes()).hexdigest()}\n"
        for name, n in sorted(counts.items())
    ]
    (folder / f"{folder.name}.ok").write_text("".join(lines), encoding="ascii")
