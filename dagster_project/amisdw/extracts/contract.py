"""The AMIS extract contract (shared/spec/amis-extracts.md) written once, as data.

Everything that needs to know a family's files, columns, captions, codes, types or
allowed values reads it from here: the synthetic generator, the ingestion mapping,
the quality suites and the tests. Do not copy a column list anywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    INTEGER = "integer"
    DECIMAL = "decimal"

    @property
    def duckdb_type(self) -> str:
        return {
            FieldType.TEXT: "VARCHAR",
            FieldType.DATE: "DATE",
            FieldType.INTEGER: "BIGINT",
            FieldType.DECIMAL: "DECIMAL(18,2)",
        }[self]


@dataclass(frozen=True)
class Field:
    caption: str
    code: str
    type: FieldType
    key: bool = False
    required: bool = False
    allowed: tuple[str, ...] | None = None
    personal: bool = False
    notes: str = ""

    @property
    def column(self) -> str:
        """Canonical column name in the raw layer: the field code in snake_case."""
        return snake_case(self.code)


@dataclass(frozen=True)
class Family:
    name: str
    title_zh: str
    kind: str  # "snapshot", "delta" or "periodic"
    fields: tuple[Field, ...]
    file_pattern: str  # str.format pattern with {month} (YYYYMM) or {year} (YYYY)
    optional: bool = False
    description: str = ""
    key: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    def field_by_column(self, column: str) -> Field:
        for f in self.fields:
            if f.column == column:
                return f
        raise KeyError(f"{self.name} has no column {column!r}")

    def header_lookup(self) -> dict[str, Field]:
        """Map every accepted header spelling (caption, code, snake_case) to its field."""
        lookup: dict[str, Field] = {}
        for f in self.fields:
            for spelling in (f.caption, f.code, f.code.lower(), f.column):
                lookup[spelling] = f
        return lookup

    @property
    def raw_table(self) -> str:
        return self.name.lower()


def snake_case(code: str) -> str:
    """AgentCode -> agent_code, IDNo -> id_no, FYC -> fyc, TransStandMoney -> trans_stand_money."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", code)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


# --- code sets --------------------------------------------------------------------------------

COM_GRADES = {"01": "总公司", "02": "省级分公司", "03": "地市分公司", "04": "县支公司"}
BRANCH_LEVELS = {"03": "营业区/职场", "02": "营业部", "01": "营业组"}
CHANNELS = {"1": "个险营销", "4": "收展"}
OUTLET_TYPES = {"0": "城区职场", "1": "二元网点"}
SEXES = {"0": "男", "1": "女"}
AGENT_STATES = {"01": "在职", "02": "离职", "03": "待离职"}
EVENT_TYPES = {
    "01": "入司",
    "02": "转正",
    "03": "晋升",
    "04": "维持",
    "05": "降级",
    "06": "调动",
    "07": "离司",
    "08": "再入司",
    "99": "撤销",
}
RISK_TYPES = {"L": "长险", "S": "短险"}
PAY_INTERVALS = {"0": "趸交", "12": "年交", "1": "月交"}
CONT_STATES = {"1": "有效", "2": "犹豫期撤单", "3": "退保", "4": "失效", "5": "满期"}
TRANS_TYPES = {"ZC": "正常收费", "WT": "犹豫期撤单退费", "CT": "退保退费"}


@dataclass(frozen=True)
class Grade:
    code: str
    caption: str
    english: str
    series: str
    rank: int

    @property
    def is_supervisor(self) -> bool:
        return self.series == "supervisor"


GRADES: tuple[Grade, ...] = (
    Grade("A01", "见习业务员", "trainee agent", "agent", 1),
    Grade("A02", "正式业务员", "agent", "agent", 2),
    Grade("A03", "资深业务员", "senior agent", "agent", 3),
    Grade("B01", "业务主任", "supervisor", "supervisor", 4),
    Grade("B02", "高级业务主任", "senior supervisor", "supervisor", 5),
    Grade("C01", "营业部经理", "department manager", "supervisor", 6),
    Grade("C02", "高级营业部经理", "senior department manager", "supervisor", 7),
    Grade("D01", "区域总监", "regional director", "supervisor", 8),
)
GRADE_CODES = tuple(g.code for g in GRADES)


@dataclass(frozen=True)
class Level:
    level: int
    name_zh: str
    name_en: str
    source: str  # "COM" or "BRANCH"
    source_code: str  # ComGrade or BranchLevel


LEVELS: tuple[Level, ...] = (
    Level(1, "总公司", "head office", "COM", "01"),
    Level(2, "省级分公司", "province", "COM", "02"),
    Level(3, "地市分公司", "city", "COM", "03"),
    Level(4, "县支公司", "county", "COM", "04"),
    Level(5, "营业区/职场", "sales region", "BRANCH", "03"),
    Level(6, "营业部", "department", "BRANCH", "02"),
    Level(7, "营业组", "team", "BRANCH", "01"),
)

HEAD_OFFICE = "86"


def _codes(mapping: dict[str, str]) -> tuple[str, ...]:
    return tuple(mapping)


T, D, INT, M = FieldType.TEXT, FieldType.DATE, FieldType.INTEGER, FieldType.DECIMAL

COM = Family(
    name="COM",
    title_zh="管理机构",
    kind="snapshot",
    file_pattern="COM_{month}.csv",
    description="Administrative companies (管理机构), full snapshot.",
    key=("com_code",),
    fields=(
        Field(
            "管理机构代码",
            "ComCode",
            T,
            key=True,
            required=True,
            notes="86 head office; 86XX province; 86XXYY city; 86XXYYZZ county",
        ),
        Field("管理机构名称", "Name", T, required=True),
        Field("机构级别", "ComGrade", T, required=True, allowed=_codes(COM_GRADES)),
        Field("上级管理机构", "UpComCode", T, notes="null for 86"),
        Field("成立日期", "FoundDate", D),
        Field("停业日期", "EndDate", D, notes="null while open"),
    ),
)

BRANCH = Family(
    name="BRANCH",
    title_zh="销售机构",
    kind="snapshot",
    file_pattern="BRANCH_{month}.csv",
    description="Sales organisation units (销售机构), full snapshot.",
    key=("agent_group",),
    fields=(
        Field(
            "机构内码",
            "AgentGroup",
            T,
            key=True,
            required=True,
            notes="stable internal id, 10 chars, never reused",
        ),
        Field(
            "展业机构代码",
            "BranchAttr",
            T,
            required=True,
            notes="external hierarchical code; changes when a unit moves",
        ),
        Field("机构名称", "BranchName", T, required=True),
        Field("机构层级", "BranchLevel", T, required=True, allowed=_codes(BRANCH_LEVELS)),
        Field(
            "上级机构内码", "UpAgentGroup", T, notes="parent unit's AgentGroup; null for a region"
        ),
        Field("管理机构代码", "ManageCom", T, required=True, notes="county-level ComCode"),
        Field("渠道", "BranchType", T, required=True, allowed=_codes(CHANNELS)),
        Field(
            "网点类型", "OutletType", T, allowed=_codes(OUTLET_TYPES), notes="only regions carry it"
        ),
        Field("成立日期", "FoundDate", D),
        Field("停业日期", "EndDate", D, notes="null while open"),
        Field("机构主管", "BranchManager", T, notes="AgentCode of the head, may be null"),
    ),
)

AGENT = Family(
    name="AGENT",
    title_zh="代理人",
    kind="snapshot",
    file_pattern="AGENT_{month}.csv",
    description="Agents (代理人), full snapshot as of the last day of the month.",
    key=("agent_code",),
    fields=(
        Field(
            "代理人编码", "AgentCode", T, key=True, required=True, notes="10 digits, never reused"
        ),
        Field("姓名", "Name", T, personal=True, notes="personal data"),
        Field("性别", "Sex", T, allowed=_codes(SEXES)),
        Field("出生日期", "Birthday", D, personal=True),
        Field(
            "证件号码", "IDNo", T, personal=True, notes="18-char resident ID; never reaches marts"
        ),
        Field("手机号码", "Mobile", T, personal=True, notes="never reaches marts"),
        Field("学历", "Degree", T, notes="free text"),
        Field("入司日期", "EmployDate", D, required=True, notes="first day in service"),
        Field("转正日期", "InDueFormDate", D, notes="null while a trainee"),
        Field("离司日期", "OutWorkDate", D, notes="null while in service"),
        Field("人员状态", "AgentState", T, required=True, allowed=_codes(AGENT_STATES)),
        Field("当前职级", "AgentGrade", T, required=True, allowed=GRADE_CODES),
        Field("所属机构内码", "AgentGroup", T, required=True, notes="the team the agent sits in"),
        Field("推荐人编码", "IntroAgency", T, notes="recruiter's AgentCode"),
        Field("育成人编码", "EduManager", T, notes="supervisor who grew this agent's team"),
        Field("资格证号", "QuafNo", T, notes="licence number, null when unlicensed"),
        Field("资格证有效止期", "QuafEndDate", D, notes="licence valid through this date"),
        Field("渠道", "BranchType", T, allowed=_codes(CHANNELS)),
    ),
)

AGENT_EVENT = Family(
    name="AGENT_EVENT",
    title_zh="人员变动",
    kind="delta",
    file_pattern="AGENT_EVENT_{month}.csv",
    description="Personnel events (人员变动) recorded this month (delta).",
    key=("event_no",),
    fields=(
        Field(
            "变动流水号", "EventNo", T, key=True, required=True, notes="unique across deliveries"
        ),
        Field("代理人编码", "AgentCode", T, required=True),
        Field("变动类型", "EventType", T, required=True, allowed=_codes(EVENT_TYPES)),
        Field(
            "生效日期",
            "EffectiveDate",
            D,
            required=True,
            notes="may be in an earlier month than the delivery",
        ),
        Field("原职级", "OldGrade", T, allowed=GRADE_CODES, notes="null for 01"),
        Field("新职级", "NewGrade", T, allowed=GRADE_CODES),
        Field("原所属机构内码", "OldAgentGroup", T),
        Field("新所属机构内码", "NewAgentGroup", T),
        Field("考核期", "AssessPeriod", T, notes="YYYYQn for 03/04/05 from an assessment"),
        Field("被撤销流水号", "CancelEventNo", T, notes="for 99 only: the EventNo it voids"),
        Field("录入日期", "MakeDate", D, notes="when the event was recorded"),
    ),
)

POLICY = Family(
    name="POLICY",
    title_zh="个人保单",
    kind="delta",
    file_pattern="POLICY_{month}.csv",
    description="Individual contracts (个人保单): signed this month, and status changes (delta).",
    key=("cont_no",),
    fields=(
        Field("保单号", "ContNo", T, key=True, required=True),
        Field("代理人编码", "AgentCode", T, required=True, notes="the writing agent"),
        Field("销售机构内码", "AgentGroup", T, notes="the agent's team at signing"),
        Field("管理机构代码", "ManageCom", T, notes="county-level ComCode"),
        Field("险种代码", "RiskCode", T, notes="main coverage"),
        Field("险种类别", "RiskType", T, required=True, allowed=_codes(RISK_TYPES)),
        Field("缴费方式", "PayIntv", INT, required=True, allowed=_codes(PAY_INTERVALS)),
        Field("缴费年期", "PayYears", INT, required=True, notes="1 for single premium"),
        Field("签单日期", "SignDate", D, required=True, notes="sale date for production KPIs"),
        Field("生效日期", "CValiDate", D),
        Field("回执回销日期", "GetPolDate", D, notes="cooling-off (15 days) starts here"),
        Field(
            "首年年化保费", "FirstYearPrem", M, required=True, notes="annualised first-year premium"
        ),
        Field("保单状态", "ContState", T, required=True, allowed=_codes(CONT_STATES)),
        Field("状态变更日期", "StateDate", D),
    ),
)

RECEIPT = Family(
    name="RECEIPT",
    title_zh="收付费及业绩明细",
    kind="delta",
    file_pattern="RECEIPT_{month}.csv",
    description="Premium receipts and refunds booked this month (delta).",
    key=("receipt_no",),
    fields=(
        Field("收付费流水号", "ReceiptNo", T, key=True, required=True),
        Field("保单号", "ContNo", T, required=True),
        Field("代理人编码", "AgentCode", T, required=True, notes="the agent credited"),
        Field("销售机构内码", "AgentGroup", T, notes="credited agent's team at booking"),
        Field(
            "交费期次", "PayCount", INT, required=True, notes="1 first policy year; 2 second; ..."
        ),
        Field("交易类型", "TransType", T, required=True, allowed=_codes(TRANS_TYPES)),
        Field("应交日期", "DueDate", D),
        Field("实收日期", "ConfDate", D, required=True, notes="booking date"),
        Field("实收保费", "TransMoney", M, required=True, notes="negative for WT/CT"),
        Field("标准保费", "TransStandMoney", M, notes="standard premium (negative for WT)"),
        Field("FYC", "FYC", M, notes="first-year commission (0 for PayCount > 1)"),
        Field("业绩所属年月", "WageNo", T, required=True, notes="YYYYMM"),
    ),
)

ACTIVITY = Family(
    name="ACTIVITY",
    title_zh="考勤及活动量",
    kind="periodic",
    file_pattern="ACTIVITY_{month}.csv",
    description="Attendance and activity (考勤及活动量), one row per agent per month.",
    key=("agent_code", "stat_month"),
    fields=(
        Field("代理人编码", "AgentCode", T, key=True, required=True),
        Field("统计年月", "StatMonth", T, key=True, required=True, notes="YYYYMM"),
        Field("应出勤天数", "DutyDays", INT),
        Field("实际出勤天数", "AttendDays", INT, notes="<= DutyDays"),
        Field("拜访量", "Visits", INT),
        Field("新增准主顾数", "NewProspects", INT),
        Field("增员面谈数", "RecruitInterviews", INT),
    ),
)

BUDGET = Family(
    name="BUDGET",
    title_zh="预算",
    kind="yearly",
    file_pattern="BUDGET_{year}.csv",
    optional=True,
    description="Targets (预算) for a whole year: one row per unit, month and indicator.",
    key=("org_code", "month", "indicator"),
    fields=(
        Field(
            "机构代码",
            "OrgCode",
            T,
            key=True,
            required=True,
            notes="a ComCode or a BRANCH AgentGroup",
        ),
        Field("年月", "Month", T, key=True, required=True, notes="YYYYMM"),
        Field("指标", "Indicator", T, key=True, required=True, notes="a KPI code"),
        Field("目标值", "Target", M, required=True),
    ),
)

FAMILIES: tuple[Family, ...] = (COM, BRANCH, AGENT, AGENT_EVENT, POLICY, RECEIPT, ACTIVITY, BUDGET)
FAMILY_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
MONTHLY_FAMILIES: tuple[Family, ...] = tuple(f for f in FAMILIES if not f.optional)

BUDGET_INDICATORS = (
    "effective_manpower",
    "producing_manpower",
    "licensed_manpower",
    "first_year_standard_premium",
)

# Lineage columns every raw table carries after the contract's own columns.
LINEAGE_COLUMNS: dict[str, str] = {
    "_delivery_month": "VARCHAR",  # YYYYMM folder the row was delivered in
    "_source_file": "VARCHAR",  # file name inside the delivery folder
    "_source_md5": "VARCHAR",  # MD5 of that file, as in the control file
    "_source_line": "BIGINT",  # 1-based line number in the file (header = line 1)
    "_loaded_at": "TIMESTAMP",  # when this delivery was loaded
    "_extra": "JSON",  # unknown extra columns, kept as {header: value}
}

_FILE_RE = re.compile(r"^(?P<family>[A-Z_]+?)_(?P<period>\d{6}|\d{4})\.(?P<ext>csv|xlsx)$", re.I)


def family_of_file(filename: str) -> tuple[Family, str, str] | None:
    """Return (family, period, extension) for a delivery file name, or None if unknown."""
    m = _FILE_RE.match(filename)
    if not m:
        return None
    fam = FAMILY_BY_NAME.get(m.group("family").upper())
    if fam is None:
        return None
    period = m.group("period")
    if (fam.kind == "yearly") != (len(period) == 4):
        return None
    return fam, period, m.group("ext").lower()
