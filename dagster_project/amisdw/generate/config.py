"""Every tunable number of the synthetic agency force, in one place.

Size profiles (how big the org tree and the force are), seasonality, lifecycle rates
(attrition by tenure, formalisation, assessments, transfers), the product catalogue
with its FYC rates, the standard-premium factor table of the KPI dictionary, policy
outcome shares (cooling-off, second-year payment, lapse, surrender) and the mix of
file layouts in ``mixed`` mode. The values are calibrated so that a run lands on the
realism targets (13-month retention 30-40 %, 3-month conversion 40-60 %, activity
rate 30-55 %, 1.2-1.6 policies per producer, premium median ~6,000 / mean ~7,500).
"""

from __future__ import annotations

from dataclasses import dataclass

from amisdw.extracts.contract import GRADE_CODES

# --- size profiles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeProfile:
    name: str
    provinces: int  # taken in order from names.PROVINCES
    cities_per_province: tuple[int, int]  # inclusive range
    counties_per_city: tuple[int, int]
    agents: int  # agents in service at the start (the force stays roughly this size)
    teams_per_dept: tuple[int, int] = (3, 6)
    depts_per_region: tuple[int, int] = (1, 4)
    team_size: float = 10.0  # mean agents per team (head included) in the opening tree
    budget_regions: bool = True  # BUDGET rows also for sales regions (BRANCH level 03)


SIZES: dict[str, SizeProfile] = {
    "tiny": SizeProfile(
        "tiny",
        provinces=1,
        cities_per_province=(2, 2),
        counties_per_city=(1, 2),
        agents=250,
        teams_per_dept=(2, 4),
        depts_per_region=(1, 2),
    ),
    "demo": SizeProfile(
        "demo", provinces=3, cities_per_province=(3, 5), counties_per_city=(2, 4), agents=20_000
    ),
    "national": SizeProfile(
        "national",
        provinces=36,
        cities_per_province=(6, 12),
        counties_per_city=(3, 6),
        agents=1_000_000,
        budget_regions=False,
    ),
}

CHANNEL_4_SHARE = 0.15  # share of sales regions in the 收展 channel (whole subtree)
OUTLET_SHARE = 0.25  # share of career-agency regions that are 二元网点 (dual-market outlets)
RECENT_OUTLET_SHARE = 0.3  # of those, opened in the 12 months before the window
OUTLET_OPENINGS_PER_COUNTY_YEAR = 0.15  # new outlets opened during the window
TEAM_MOVE_RATE = 0.004  # monthly probability that a team moves to another department

# --- calendar ---------------------------------------------------------------------------------

# Monthly plan share of the year's new business (sums to 1.0).
NEW_BUSINESS_SHARE = (
    0.120,
    0.065,
    0.077,
    0.075,
    0.080,
    0.090,
    0.085,
    0.080,
    0.092,
    0.085,
    0.085,
    0.066,
)
# Recruiting seasonality (mean 1.0): Jan and Mar strong (开门红), Feb weak (Spring Festival).
RECRUIT_SEASON = (1.40, 0.75, 1.30, 1.00, 0.90, 1.00, 0.95, 0.90, 1.05, 0.80, 0.95, 1.00)
# Public-holiday weekdays per calendar month (approximate; Spring Festival split Jan/Feb).
HOLIDAY_WEEKDAYS = (2, 3, 0, 1, 3, 1, 0, 0, 1, 4, 0, 0)
VISIT_QUOTA_BY_MONTH = (4, 4, 4, 2, 2, 2, 2, 2, 4, 4, 4, 4)  # visits per duty day (Sep-Mar: 4)

# --- people -----------------------------------------------------------------------------------

GRADE_INDEX = {g: i for i, g in enumerate(GRADE_CODES)}
A01, A02, A03, B01, B02, C01, C02, D01 = range(8)

# Monthly leave hazard by months since the start of the service spell (0 = hire month,
# in which nobody leaves); index = min(tenure, len - 1).
_HAZARD_BANDS = (
    (1, 0.105),
    (2, 0.105),
    (3, 0.095),
    (4, 0.085),
    (7, 0.065),
    (13, 0.034),
    (25, 0.020),
    (49, 0.012),
)


def hazard_by_tenure(max_months: int = 600) -> list[float]:
    out = [0.0]
    for t in range(1, max_months + 1):
        rate = 0.0
        for start, r in _HAZARD_BANDS:
            if t >= start:
                rate = r
        out.append(rate)
    return out


# Multipliers of the hazard by grade (A01..D01); supervisors rarely leave.
HAZARD_GRADE = (1.15, 1.0, 0.8, 0.45, 0.4, 0.35, 0.35, 0.3)
HAZARD_PRODUCED = 0.75  # produced in the last 3 months (tenure >= 3)
HAZARD_IDLE = 1.35  # did not
NOTICE_SHARE = 0.25  # leavers who first spend a month in notice state 03
BACKDATED_LEAVE_SHARE = 0.06  # leaves recorded 1-6 months late (agents below B01)
WRONG_EVENT_RATE = 0.001  # erroneous transfers/leaves per active agent-month, voided next month
TRANSFER_RATE = 0.004  # monthly 06 transfers between teams of a department
REJOIN_SHARE = 0.05  # share of monthly hires that are rejoins (08) of former agents
REJOIN_MIN_MONTHS = 3  # months out before a rejoin
HIRE_FEEDBACK = 0.15  # share of the gap to the target headcount closed by extra hiring
NO_RECRUITER_SHARE = 0.1  # hires without a recruiter (IntroAgency null)
RECRUITER_WEIGHT = (0.4, 1.0, 1.6, 2.5, 2.8, 3.0, 3.0, 3.0)  # by grade
FOLLOWER_SHARE = 0.6  # recruits who follow a new B01 into the new team

# Formalisation (A01 -> A02, effective on the 1st) by months since hire.
FORMALISE_BY_TENURE = (0.0, 0.22, 0.32, 0.30, 0.20, 0.20, 0.20, 0.06)

LICENSED_AT_HIRE = 0.3
LICENSED_AT_FORMALISE = 0.85
LICENCE_YEARS = 3
LICENCE_RENEWAL = 0.85

# Quarterly assessment: maintenance thresholds (quarter FYC, yuan) as in the dictionary.
THRESHOLD = (0, 3000, 4500, 6000, 7500, 9000, 10500, 12000)
PROMOTE_BASE = (0.0, 0.07, 0.10, 0.05, 0.04, 0.03, 0.02, 0.0)
DEMOTE_BASE = (0.0, 0.0, 0.10, 0.12, 0.10, 0.08, 0.06, 0.04)

# --- production -------------------------------------------------------------------------------

PRODUCE_BASE = (0.30, 0.40, 0.48, 0.56, 0.58, 0.60, 0.62, 0.62)  # by grade
EXTRA_POLICY_RATE = 0.26  # policies per producer = 1 + Poisson(rate * season^0.3 * grade)
SUPERVISOR_EXTRA = 1.3
SKILL_SIGMA = 0.45
PREMIUM_SIGMA = 0.58
PREMIUM_SCALE = 5_800.0  # yuan; the product mix around it gives median ~6,000, mean ~7,500


@dataclass(frozen=True)
class Product:
    risk_code: str
    name: str
    risk_type: str  # L / S
    pay_intv: int  # 0 single, 12 annual, 1 monthly
    pay_years: int
    fyc_rate: float
    weight: float
    scale: float  # premium multiplier of PREMIUM_SCALE


PRODUCTS: tuple[Product, ...] = (
    Product("1101", "福寿终身寿险", "L", 12, 20, 0.35, 0.17, 1.00),
    Product("1102", "康宁重大疾病保险", "L", 12, 20, 0.35, 0.14, 0.85),
    Product("1103", "康宁重大疾病保险(月交)", "L", 1, 20, 0.35, 0.03, 0.70),
    Product("1201", "鑫享两全保险", "L", 12, 10, 0.25, 0.12, 1.15),
    Product("1202", "金福年金保险", "L", 12, 10, 0.25, 0.10, 1.25),
    Product("1301", "鑫利年金保险", "L", 12, 5, 0.15, 0.08, 1.45),
    Product("1302", "安享两全保险", "L", 12, 3, 0.10, 0.06, 1.60),
    Product("1401", "鑫尊年金保险(趸交)", "L", 0, 1, 0.03, 0.15, 1.90),
    Product("2101", "综合意外伤害保险", "S", 12, 1, 0.15, 0.09, 0.22),
    Product("2102", "短期住院医疗保险", "S", 12, 1, 0.15, 0.06, 0.18),
)


def standard_factor(risk_type: str, pay_intv: int, pay_years: int) -> float:
    """TransStandMoney / TransMoney, per the KPI dictionary's table."""
    if risk_type == "S":
        return 1.0
    if pay_intv == 0:
        return 0.10
    for upper, factor in ((2, 0.10), (9, 0.20), (14, 0.60), (19, 0.80)):
        if pay_years <= upper:
            return factor
    return 1.0


COOLING_OFF_L = 0.022  # cancellation shares by risk type
COOLING_OFF_S = 0.006
LATE_FIRST_BOOKING = 0.3  # of policies signed in the last 2 days: first receipt next month
# Second-year premium of annual-pay long-term policies: outcome shares (sum 1).
RENEWAL_ON_TIME = 0.80  # ConfDate within DueDate-20 .. DueDate+30
RENEWAL_LATE = 0.07  # DueDate+31 .. +60 (counts for 13-month persistency)
RENEWAL_VERY_LATE = 0.03  # DueDate+61 .. +120 (paid, but not by the 60-day cut-off)
RENEWAL_SURRENDER = 0.02  # surrendered at the anniversary (CT receipt + ContState 3)
# the rest (0.08) never pays: ContState 4 lapse row at DueDate + 61
SINGLE_SURRENDER_MONTHLY = 0.0015
GRACE_DAYS = 60

# --- activity ---------------------------------------------------------------------------------

ATTENDANCE_MEAN = 0.86
VISIT_RATIO_SIGMA = 0.38  # visits / (quota x attend days) ~ lognormal around VISIT_RATIO_MEDIAN
VISIT_RATIO_MEDIAN = 0.92

# --- budgets ----------------------------------------------------------------------------------

BUDGET_UPLIFT = (1.05, 1.15)
# The forecast counts signed business; receipts net of cooling-off refunds and monthly-pay
# instalment timing come in lower by about these factors.
BUDGET_STD_PREMIUM_NET = 0.92
BUDGET_EFFECTIVE_NET = 0.96

# --- file layouts in mixed mode ---------------------------------------------------------------

MIX_UTF8 = 0.12
MIX_UTF8_SIG = 0.08
MIX_CODES = 0.2
MIX_LF = 0.2
MIX_COMPACT_DATES = 0.15
MIX_SHUFFLE = 0.1
