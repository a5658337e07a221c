"""The agency force as state arrays over agents (index = internal agent number).

The arrays hold the *true* state (what really happened); the AGENT snapshot is this
state seen through what AMIS has recorded so far (simulate.py overlays pending
backdated leaves and erroneous events). Agents are only ever appended, so an index, and
the AgentCode derived from it (province prefix + 8-digit serial), is never reused.
"""

from __future__ import annotations

import numpy as np

from amisdw.generate import config, names, personal
from amisdw.generate.config import A01, A02, A03, B01, B02, C01, C02, D01
from amisdw.generate.dates import NULL_DAY, abs_month, add_years, month_first_day
from amisdw.generate.org import DEPT, Org

IN, OUT, NOTICE = 1, 2, 3  # AgentState 01, 02, 03

_FIELDS: dict[str, str | type] = {
    "code": "U10",
    "name": "U5",
    "sex": np.int8,
    "birthday": np.int32,
    "idno": "S18",
    "mobile": "S11",
    "degree": "U8",
    "employ": np.int32,  # start of the current service spell
    "indue": np.int32,  # formalisation date, NULL_DAY while a trainee
    "out": np.int32,  # leave date (first day out), NULL_DAY while in service
    "state": np.int8,
    "grade": np.int8,
    "team": np.int32,
    "intro": np.int32,
    "edu": np.int32,
    "licensed": np.bool_,
    "quaf_end": np.int32,
    "spell": np.int32,  # absolute month the current spell began
    "last_prod": np.int32,  # absolute month of the last sale
    "skill": np.float32,
    "pending": np.int32,  # absolute month a backdated leave gets recorded, -1 none
    "qfyc": np.int64,  # FYC (cents) credited in the current quarter
}


class Force:
    def __init__(self, capacity: int) -> None:
        self.n = 0
        self._cap = max(capacity, 16)
        for name, dtype in _FIELDS.items():
            setattr(self, name, np.zeros(self._cap, dtype=dtype))

    code: np.ndarray
    name: np.ndarray
    sex: np.ndarray
    birthday: np.ndarray
    idno: np.ndarray
    mobile: np.ndarray
    degree: np.ndarray
    employ: np.ndarray
    indue: np.ndarray
    out: np.ndarray
    state: np.ndarray
    grade: np.ndarray
    team: np.ndarray
    intro: np.ndarray
    edu: np.ndarray
    licensed: np.ndarray
    quaf_end: np.ndarray
    spell: np.ndarray
    last_prod: np.ndarray
    skill: np.ndarray
    pending: np.ndarray
    qfyc: np.ndarray

    def add(
        self,
        rng: np.random.Generator,
        org: Org,
        teams: np.ndarray,
        employ: np.ndarray,
        grade: np.ndarray | int = A01,
    ) -> np.ndarray:
        """Append agents hired into ``teams`` on ``employ``; returns their indices."""
        k = len(teams)
        while self.n + k > self._cap:
            self._cap *= 2
            for fname in _FIELDS:
                old = getattr(self, fname)
                new = np.zeros(self._cap, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, fname, new)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        teams = np.asarray(teams, dtype=np.int32)
        employ = np.asarray(employ, dtype=np.int32)
        county_code = np.array(org.com.code)[org.county[teams]]
        prov = np.strings.slice(county_code, 2, 4)
        self.code[idx] = np.strings.add(prov, np.strings.zfill((idx + 1).astype(str), 8))
        sex = personal.sexes(rng, k)
        age_days = (rng.gamma(6.0, 1.0, k) * 365 * 1.4 + 22 * 365).astype(np.int64)
        bday = employ.astype(np.int64) - np.minimum(age_days, 58 * 365)
        self.sex[idx] = sex
        self.birthday[idx] = bday
        self.name[idx] = names.person_names(rng, sex)
        self.idno[idx] = personal.id_numbers(rng, np.strings.slice(county_code, 2, 8), bday, sex)
        self.mobile[idx] = personal.mobiles(rng, k)
        self.degree[idx] = personal.degrees(rng, k)
        self.employ[idx] = employ
        self.indue[idx] = NULL_DAY
        self.out[idx] = NULL_DAY
        self.state[idx] = IN
        self.grade[idx] = grade
        self.team[idx] = teams
        self.intro[idx] = -1
        self.edu[idx] = -1
        lic = rng.random(k) < config.LICENSED_AT_HIRE
        self.licensed[idx] = lic
        self.quaf_end[idx] = np.where(lic, add_years(employ, config.LICENCE_YEARS) - 1, NULL_DAY)
        self.spell[idx] = abs_month(employ)
        self.last_prod[idx] = -10_000
        self.skill[idx] = rng.lognormal(-(config.SKILL_SIGMA**2) / 2, config.SKILL_SIGMA, k)
        self.pending[idx] = -1
        self.qfyc[idx] = 0
        return idx

    def quaf_no(self, idx: np.ndarray) -> np.ndarray:
        """Licence numbers (20 digits, derived from the agent), '' when unlicensed."""
        idx = np.asarray(idx)
        num = np.strings.add(
            "0200", np.strings.zfill((idx * 7919 % 10**12 + 10**15).astype(str), 16)
        )
        return np.where(self.licensed[idx], num, "")


def stationary_tenure(rng: np.random.Generator, k: int, max_months: int = 240) -> np.ndarray:
    """Months in service (>= 1) of agents in a stable force: P(t) ~ survival to t."""
    hz = np.array(config.hazard_by_tenure(max_months))
    surv = np.cumprod(1.0 - hz)[1:]
    surv = surv / surv.sum()
    return rng.choice(np.arange(1, max_months + 1), size=k, p=surv)


def opening_force(
    rng: np.random.Generator, org: Org, profile: config.SizeProfile, start_day: int
) -> Force:
    """Staff the opening tree: a head per team (B01+; C/D grades for department and
    region heads), members with a stationary tenure mix; all hired before the window."""
    teams = org.teams()
    sizes = 1 + rng.poisson(profile.team_size - 1, len(teams))
    force = Force(capacity=int(profile.agents * 1.6) + 1024)
    team_of = np.repeat(teams, sizes)
    is_head = np.zeros(len(team_of), dtype=bool)
    first_of_team = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    is_head[first_of_team] = True
    start_abs = int(abs_month(np.array([start_day]))[0])
    employ = _opening_employ(rng, org, team_of, is_head, start_day, start_abs)
    hire_month = abs_month(employ)
    first_team_of_dept, first_dept_of_region = _first_children(org, teams)
    grade = _opening_grades(rng, start_abs - hire_month)
    heads = np.flatnonzero(is_head)
    grade[heads] = _head_grades(rng, org, team_of[heads], first_team_of_dept, first_dept_of_region)
    idx = force.add(rng, org, team_of, employ, grade)
    _opening_records(rng, force, idx, grade, employ, hire_month, start_day, start_abs)
    _opening_managers(org, idx[heads], team_of[heads], first_team_of_dept, first_dept_of_region)
    _opening_recruiters(rng, org, force, idx, team_of, sizes, first_of_team, is_head, employ)
    return force


def _opening_employ(
    rng: np.random.Generator,
    org: Org,
    team_of: np.ndarray,
    is_head: np.ndarray,
    start_day: int,
    start_abs: int,
) -> np.ndarray:
    """Hire days: members with a stationary tenure mix, heads 30-180 months back; agents
    of recently founded units were hired after their region opened."""
    n = len(team_of)
    tenure = stationary_tenure(rng, n)
    tenure[is_head] = rng.integers(30, 180, int(is_head.sum()))
    hire_month = start_abs - tenure
    employ = month_first_day(hire_month) + rng.integers(0, 28, n)
    found = org.found[org.region[team_of]]
    late = employ < found
    if late.any():
        span = np.maximum(start_day - found[late] - 1, 1)
        employ[late] = found[late] + (rng.random(int(late.sum())) * span).astype(np.int64)
    return employ


def _first_children(org: Org, teams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the first team of a department, the first department of a region (-1
    elsewhere). Their heads head the department, and the region, too."""
    first_team_of_dept = np.full(org.n, -1, dtype=np.int64)
    first_dept_of_region = np.full(org.n, -1, dtype=np.int64)
    for t in teams[::-1]:
        first_team_of_dept[org.parent[t]] = t
    for d in np.flatnonzero(org.level[: org.n] == DEPT)[::-1]:
        first_dept_of_region[org.parent[d]] = d
    return first_team_of_dept, first_dept_of_region


def _opening_grades(rng: np.random.Generator, tenure: np.ndarray) -> np.ndarray:
    """Members' grades: trainees (A01) still unformalised by tenure, else formal (A02),
    seniors (A03) more likely with tenure. Heads get theirs from ``_head_grades``."""
    n = len(tenure)
    f = np.array(config.FORMALISE_BY_TENURE)
    stay_a01 = np.cumprod(1.0 - f[np.minimum(np.arange(241), len(f) - 1)])
    grade = np.where(rng.random(n) < stay_a01[np.minimum(tenure, 240)], A01, A02)
    senior = (grade == A02) & (rng.random(n) < np.minimum(0.45, tenure / 100))
    return np.where(senior, A03, grade).astype(np.int8)


def _head_grades(
    rng: np.random.Generator,
    org: Org,
    head_teams: np.ndarray,
    first_team_of_dept: np.ndarray,
    first_dept_of_region: np.ndarray,
) -> np.ndarray:
    """Team heads are B01/B02; department heads C01/C02; the head of a region with more
    than one department D01."""
    k = len(head_teams)
    head_grade = np.where(rng.random(k) < 0.7, B01, B02)
    dept = org.parent[head_teams]
    region = org.parent[dept]
    dept_head = first_team_of_dept[dept] == head_teams
    region_head = dept_head & (first_dept_of_region[region] == dept)
    head_grade = np.where(dept_head, np.where(rng.random(k) < 0.6, C01, C02), head_grade)
    many = (
        np.bincount(org.parent[np.flatnonzero(org.level[: org.n] == DEPT)], minlength=org.n)[region]
        > 1
    )
    return np.where(region_head & many, D01, head_grade)


def _opening_records(
    rng: np.random.Generator,
    force: Force,
    idx: np.ndarray,
    grade: np.ndarray,
    employ: np.ndarray,
    hire_month: np.ndarray,
    start_day: int,
    start_abs: int,
) -> None:
    """Formalisation dates, licences (a few expired), spell start and last sale of the
    opening agents."""
    n = len(idx)
    formal = grade >= A02
    indue_month = np.minimum(hire_month + 1 + rng.integers(0, 4, n), start_abs - 1)
    force.indue[idx] = np.where(
        formal, month_first_day(np.maximum(indue_month, hire_month)), NULL_DAY
    )
    force.indue[idx] = np.where(formal & (force.indue[idx] < employ), employ, force.indue[idx])
    lic = rng.random(n) < np.where(formal, 0.9, config.LICENSED_AT_HIRE)
    force.licensed[idx] = lic
    issued = start_day - (rng.random(n) * 365 * config.LICENCE_YEARS).astype(np.int64)
    issued = np.maximum(issued, employ)
    quaf_end = add_years(issued, config.LICENCE_YEARS) - 1
    expired = rng.random(n) < 0.04
    quaf_end = np.where(expired, start_day - 1 - rng.integers(1, 300, n), quaf_end)
    force.quaf_end[idx] = np.where(lic, quaf_end, NULL_DAY)
    force.spell[idx] = hire_month
    produced = rng.random(n) < np.array(config.PRODUCE_BASE)[grade]
    force.last_prod[idx] = np.where(produced, start_abs - 1 - rng.integers(0, 3, n), -10_000)


def _opening_managers(
    org: Org,
    heads: np.ndarray,
    head_teams: np.ndarray,
    first_team_of_dept: np.ndarray,
    first_dept_of_region: np.ndarray,
) -> None:
    """Each team's head manages it; a department's manager is its first team's, a
    region's its first department's."""
    org.manager[head_teams] = heads
    depts = np.flatnonzero(first_team_of_dept >= 0)
    org.manager[depts] = org.manager[first_team_of_dept[depts]]
    regions = np.flatnonzero(first_dept_of_region >= 0)
    org.manager[regions] = org.manager[first_dept_of_region[regions]]


def _opening_recruiters(
    rng: np.random.Generator,
    org: Org,
    force: Force,
    idx: np.ndarray,
    team_of: np.ndarray,
    sizes: np.ndarray,
    first_of_team: np.ndarray,
    is_head: np.ndarray,
    employ: np.ndarray,
) -> None:
    """Recruiter: a random earlier-hired member of the team, else its head (some agents
    have none); education manager of a team head: the department's manager."""
    n = len(idx)
    team_head = org.manager[team_of]
    other = first_of_team.repeat(sizes) + (rng.random(n) * sizes.repeat(sizes)).astype(np.int64)
    recruiter = np.where(employ[other] < employ, idx[other], team_head)
    recruiter = np.where(
        (recruiter == idx) | (rng.random(n) < config.NO_RECRUITER_SHARE), -1, recruiter
    )
    force.intro[idx] = recruiter
    dept_manager = org.manager[org.parent[team_of]]
    force.edu[idx] = np.where(is_head & (dept_manager != idx), dept_manager, -1)
