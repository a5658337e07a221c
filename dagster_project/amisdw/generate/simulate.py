"""The month loop: one step per delivery month, vectorised over agents.

Each step applies, in day order, what happens in the month to the *true* state arrays and
logs an AGENT_EVENT row for every change of grade, team or service state:

1. 99 cancellations of last month's erroneous events; backdated leaves recorded now;
2. on the 1st: licence renewals, formalisations (02), the quarterly assessment
   (03/04/05, a promotion to B01 opening a team, some recruits following with 06);
3. BRANCH changes: team moves between departments, new 二元网点 outlets;
4. during the month (day >= 2): leaves (07; some into notice 03 first, some recorded
   1-6 months late), transfers (06), joins (01) and rejoins (08);
5. production (POLICY, RECEIPT) on the days each agent really was in service, in the team
   they sat in that day;
6. erroneous events (voided next month), and the month-end snapshot seen through what
   AMIS has recorded: still-unrecorded leavers look in service, erroneous events show.

Replaying the events delivered so far on top of the first snapshot therefore gives every
snapshot's grade, team and state: each event records exactly one change made here, in
EffectiveDate and then generation (= EventNo) order, and nothing else changes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from amisdw.extracts.contract import (
    ACTIVITY,
    AGENT,
    AGENT_EVENT,
    BRANCH,
    BUDGET,
    COM,
    GRADE_CODES,
    POLICY,
    RECEIPT,
    Family,
)
from amisdw.generate import config
from amisdw.generate import org as orgmod
from amisdw.generate import production as pr
from amisdw.generate.activity import activity_columns, duty_days
from amisdw.generate.budget import budget_columns
from amisdw.generate.config import A01, A02, A03, B01, D01
from amisdw.generate.dates import NULL_DAY, Month, add_years, month_first_day
from amisdw.generate.force import IN, NOTICE, OUT, opening_force

BIG_DAY = 10**7
_GRADES = np.array(("",) + GRADE_CODES)  # index grade + 1; -1 -> ""
_HAZARD = np.array(config.hazard_by_tenure(600))
# assessment outcome probabilities by grade (A01..D01)
PROMOTE_FYC_FACTOR = 1.2  # of the next grade's maintenance threshold
PROMOTE_IF_ELIGIBLE = (0.0, 0.30, 0.60, 0.30, 0.25, 0.20, 0.15, 0.0)
DEMOTE_IF_FAILING = (0.0, 0.0, 0.06, 0.08, 0.07, 0.06, 0.05, 0.04)
OUTLET_STAFF = (4, 10)


@dataclass
class MonthFiles:
    """One month's extract files: file name -> (family, columns)."""

    month: Month
    files: dict[str, tuple[Family, dict[str, np.ndarray]]] = field(default_factory=dict)
    budget_year_index: int = -1  # which budget year of the run (0, 1, ...) this month carries
    in_service: int = 0


class EventLog:
    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self,
        agents: np.ndarray,
        etype: str,
        eff: np.ndarray | int,
        make: np.ndarray | int,
        old_grade: np.ndarray | int = -1,
        new_grade: np.ndarray | int = -1,
        old_team: np.ndarray | int = -1,
        new_team: np.ndarray | int = -1,
        assess: str = "",
        cancel: np.ndarray | str = "",
    ) -> None:
        agents = np.asarray(agents, dtype=np.int64)
        k = len(agents)
        if not k:
            return

        def full(v: np.ndarray | int | str, dtype: object) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), (k,)).copy()

        self.parts.append(
            {
                "agent": agents,
                "etype": np.full(k, etype),
                "eff": full(eff, np.int64),
                "make": full(make, np.int64),
                "old_grade": full(old_grade, np.int64),
                "new_grade": full(new_grade, np.int64),
                "old_team": full(old_team, np.int64),
                "new_team": full(new_team, np.int64),
                "assess": np.full(k, assess),
                "cancel": full(cancel, object).astype(str),
            }
        )

    def table(self) -> dict[str, np.ndarray]:
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return {
                k: empty
                for k in ("agent", "eff", "make", "old_grade", "new_grade", "old_team", "new_team")
            } | {
                "etype": np.zeros(0, "U2"),
                "assess": np.zeros(0, "U6"),
                "cancel": np.zeros(0, "U12"),
            }
        out = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
        order = np.argsort(out["eff"], kind="stable")  # EffectiveDate, then generation order
        return {k: v[order] for k, v in out.items()}


def _sorted_groups(
    pool: np.ndarray,
    pool_keys: np.ndarray,
    keys: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(pool_keys, kind="stable")
    skeys = pool_keys[order]
    lo = np.searchsorted(skeys, keys, side="left")
    hi = np.searchsorted(skeys, keys, side="right")
    return pool[order], lo, hi


def _random_member(
    rng: np.random.Generator, keys: np.ndarray, pool: np.ndarray, pool_keys: np.ndarray
) -> np.ndarray:
    """For each key, a random member of ``pool`` with that key (-1 if there is none)."""
    spool, lo, hi = _sorted_groups(pool, pool_keys, keys)
    if not len(spool):
        return np.full(len(keys), -1, dtype=np.int64)
    cnt = hi - lo
    pick = spool[np.minimum(lo + (rng.random(len(keys)) * cnt).astype(np.int64), len(spool) - 1)]
    return np.where(cnt > 0, pick, -1)


def _other_member(
    rng: np.random.Generator,
    keys: np.ndarray,
    pool: np.ndarray,
    pool_keys: np.ndarray,
    exclude: np.ndarray,
) -> np.ndarray:
    """For each key, a random member of ``pool`` with that key other than ``exclude``
    (which is a member), -1 where the group has no other member."""
    spool, lo, hi = _sorted_groups(pool, pool_keys, keys)
    if not len(spool):
        return np.full(len(keys), -1, dtype=np.int64)
    cnt = hi - lo
    r = (rng.random(len(keys)) * np.maximum(cnt - 1, 1)).astype(np.int64)
    pick = spool[np.minimum(lo + r, len(spool) - 1)]
    last = spool[np.maximum(hi - 1, 0)]
    pick = np.where(pick == exclude, last, pick)
    return np.where(cnt >= 2, pick, -1)


QUARTER_FIRST_MONTHS = (1, 4, 7, 10)
_NO_CANCEL = (np.zeros(0, np.int64), np.zeros(0, "U12"))


@dataclass
class _MonthState:
    """What the stages of one month's step share: the month, its event log and per-agent
    arrays over the first ``n`` agents (``n`` grows once the month's hires are added)."""

    t: int
    m: Month
    ev: EventLog
    n: int
    in_start: np.ndarray  # in service on the 1st (over the agents on the books then)
    headcount_start: int
    evented: np.ndarray  # has an event this month (kept out of the erroneous events)
    recorded_now: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    new_outlet_teams: list[int] = field(default_factory=list)
    expected_leaves: float = 0.0
    notice_new: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    mid_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_before: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


class Simulation:
    def __init__(self, profile: config.SizeProfile, start_abs: int, months: int, seed: int):
        self.profile = profile
        self.start_abs = start_abs
        self.months = months
        self.seed = seed
        start = Month.of(0, start_abs)
        self.org = orgmod.build(np.random.default_rng([seed, 0, 1]), profile, start.first)
        self.force = opening_force(
            np.random.default_rng([seed, 0, 2]), self.org, profile, start.first
        )
        self.book = pr.Book(last_abs=start_abs + months - 1)
        self.next_event = 1
        self.to_cancel: tuple[np.ndarray, np.ndarray] = _NO_CANCEL
        self.budget_years: list[int] = []

    def rng(self, t: int, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, t + 1, stream])

    def run(self, upto: int | None = None) -> Iterator[MonthFiles]:
        last = self.months if upto is None else min(upto + 1, self.months)
        for t in range(last):
            yield self.step(t)

    # ------------------------------------------------------------------------------------------
    def step(self, t: int) -> MonthFiles:
        """One delivery month, its stages in day order (see the module docstring). Each
        stage draws from the random stream it is handed, in this order, so a seed keeps
        giving the same files."""
        mo = self._open_month(t)
        r_ev = self.rng(t, 10)
        # 1. corrections and late records
        self._void_erroneous(mo, r_ev)
        self._record_backdated_leaves(mo, r_ev)
        # 2. the 1st of the month
        self._renew_licences(mo, r_ev)
        self._formalise(mo, r_ev)
        self._quarter_start(mo, r_ev)
        # 3. BRANCH changes
        self._branch_changes(mo, self.rng(t, 20))
        # 4. during the month
        r_lv = self.rng(t, 30)
        self._leaves(mo, r_lv)
        self._transfers(mo, r_lv)
        self._recruit(mo, self.rng(t, 40))
        self._extend_to_hires(mo)
        # 5. production
        policy_cols, receipt_cols = self._produce(mo)
        # 6. notice, erroneous events, the extract files
        self._start_notice(mo)
        wrong_team, wrong_out = self._erroneous(mo)
        return self._month_files(mo, policy_cols, receipt_cols, wrong_team, wrong_out)

    def _open_month(self, t: int) -> _MonthState:
        """The month's shared state: who is on the books and in service on the 1st."""
        n = self.force.n
        in_start = self.force.state[:n] != OUT
        return _MonthState(
            t=t,
            m=Month.of(t, self.start_abs),
            ev=EventLog(),
            n=n,
            in_start=in_start,
            headcount_start=int(in_start.sum()),
            evented=np.zeros(n, dtype=bool),
        )

    # ---- 1. corrections and late records ------------------------------------------------------
    def _void_erroneous(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """Cancel (99) last month's erroneous events in the first days of the month."""
        agents, nos = self.to_cancel
        if len(agents):
            d = mo.m.first + rng.integers(0, 5, len(agents))
            mo.ev.add(agents, "99", d, d, cancel=nos)
        self.to_cancel = _NO_CANCEL

    def _record_backdated_leaves(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """Record now (07, effective on the true leave date) the leaves whose recording was
        put off to this month; the agents still awaiting a record are ``mo.pending``."""
        f, m, n = self.force, mo.m, mo.n
        grade, team = f.grade[:n], f.team[:n]
        recorded_now = np.flatnonzero(f.pending[:n] == m.abs)
        if len(recorded_now):
            mo.ev.add(
                recorded_now,
                "07",
                f.out[recorded_now],
                m.first + rng.integers(0, m.ndays, len(recorded_now)),
                grade[recorded_now],
                grade[recorded_now],
                team[recorded_now],
                team[recorded_now],
            )
            f.pending[recorded_now] = -1
        mo.recorded_now = recorded_now
        mo.pending = f.pending[:n] > m.abs

    # ---- 2. the 1st of the month --------------------------------------------------------------
    def _renew_licences(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """Renew most licences that expired last month (the rest stay expired)."""
        f, m, n = self.force, mo.m, mo.n
        renew_due = (
            f.licensed[:n]
            & (f.quaf_end[:n] < m.first)
            & (f.quaf_end[:n] >= month_first_day(m.abs - 1))
        )
        renewed = renew_due & (rng.random(n) < config.LICENCE_RENEWAL)
        f.quaf_end[:n] = np.where(
            renewed, add_years(f.quaf_end[:n], config.LICENCE_YEARS), f.quaf_end[:n]
        )

    def _formalise(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """Formalise trainees (02, A01 -> A02) by a tenure-dependent chance; some of them
        are licensed on formalisation."""
        f, m, n = self.force, mo.m, mo.n
        grade, team = f.grade[:n], f.team[:n]
        tenure = m.abs - f.spell[:n]
        active = f.state[:n] == IN
        fz = np.array(config.FORMALISE_BY_TENURE)
        formal = (
            active
            & (grade == A01)
            & (tenure >= 1)
            & (rng.random(n) < fz[np.minimum(tenure, len(fz) - 1)])
        )
        sel = np.flatnonzero(formal)
        mo.ev.add(
            sel,
            "02",
            m.first,
            m.first + rng.integers(0, 5, len(sel)),
            A01,
            A02,
            team[sel],
            team[sel],
        )
        grade[sel] = A02
        f.indue[sel] = m.first
        lic = sel[~f.licensed[sel] & (rng.random(len(sel)) < config.LICENSED_AT_FORMALISE)]
        f.licensed[lic] = True
        f.quaf_end[lic] = add_years(np.full(len(lic), m.first), config.LICENCE_YEARS) - 1
        mo.evented[sel] = True

    def _quarter_start(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """On the first month of a quarter: assess the quarter just ended (once three
        months have been simulated) and start the new quarter's FYC count from zero."""
        if mo.m.moy not in QUARTER_FIRST_MONTHS:
            return
        if mo.t >= 3:
            self._assess(mo, rng)
        self.force.qfyc[: mo.n] = 0

    def _assess(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """The quarterly assessment of formal agents (A02+) who served the whole quarter:
        promote (03), maintain (04) or demote (05), all effective on the 1st."""
        f, m, n = self.force, mo.m, mo.n
        period = Month.of(mo.t - 1, self.start_abs).quarter_label
        q_end = m.abs - 1
        assessed = (f.state[:n] == IN) & (f.grade[:n] >= A02) & (f.spell[:n] <= q_end - 2)
        promote, to_b01, passed, demote = self._assessment_outcomes(n, assessed, rng)
        make = m.first + rng.integers(0, 7, n)
        self._record_grade_changes(mo, period, make, passed, demote, promote & ~to_b01)
        mo.evented[np.flatnonzero(assessed)] = True
        self._open_supervisor_teams(mo, period, make, np.flatnonzero(to_b01), rng)

    def _assessment_outcomes(
        self, n: int, assessed: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Who is promoted (and of them, who to B01), passes, or is demoted. A promotion
        needs 1.2x the next grade's threshold in quarter FYC; to B01 it also needs a recruit
        of one's own in the team and room for a new team in the department; a failing
        A03+ agent is demoted by a grade-dependent chance."""
        f, org = self.force, self.org
        grade, team = f.grade[:n], f.team[:n]
        thr = np.array(config.THRESHOLD, dtype=np.int64) * 100
        nxt = np.minimum(grade + 1, D01)
        qfyc = f.qfyc[:n]
        u = rng.random(n)
        eligible = assessed & (grade < D01) & (qfyc >= PROMOTE_FYC_FACTOR * thr[nxt])
        promote = eligible & (u < np.array(PROMOTE_IF_ELIGIBLE)[grade])
        # a new supervisor needs a recruit of their own in service in their team
        recruits = self._own_recruits_in_team(n)
        to_b01 = promote & (grade == A03)
        promote &= ~to_b01 | (recruits > 0)
        to_b01 &= promote
        dept = org.parent[team]
        for a in np.flatnonzero(to_b01):  # few per month: a loop over promotions, not agents
            if not org.can_add_child(int(dept[a])):
                promote[a] = to_b01[a] = False
        passed = assessed & ~promote & (qfyc >= thr[grade])
        fail = assessed & ~promote & ~passed
        demote = fail & (grade >= A03) & (rng.random(n) < np.array(DEMOTE_IF_FAILING)[grade])
        return promote, to_b01, passed, demote

    def _own_recruits_in_team(self, n: int) -> np.ndarray:
        """Per agent, how many of the agents they recruited are in service in their team."""
        f = self.force
        team = f.team[:n]
        alive = np.flatnonzero(f.state[:n] == IN)
        intro = f.intro[alive]
        same = intro >= 0
        same[same] = team[intro[same]] == team[alive[same]]
        return np.bincount(intro[same], minlength=n)[:n]

    def _record_grade_changes(
        self,
        mo: _MonthState,
        period: str,
        make: np.ndarray,
        passed: np.ndarray,
        demote: np.ndarray,
        promote: np.ndarray,
    ) -> None:
        """Log the passes (04), demotions (05; a demoted B01 stops managing the team) and
        promotions within the team (03), and change the grades."""
        f, org, m, n, ev = self.force, self.org, mo.m, mo.n, mo.ev
        grade, team = f.grade[:n], f.team[:n]
        sel = np.flatnonzero(passed)
        ev.add(
            sel,
            "04",
            m.first,
            make[sel],
            grade[sel],
            grade[sel],
            team[sel],
            team[sel],
            assess=period,
        )
        sel = np.flatnonzero(demote)
        ev.add(
            sel,
            "05",
            m.first,
            make[sel],
            grade[sel],
            grade[sel] - 1,
            team[sel],
            team[sel],
            assess=period,
        )
        heads = sel[grade[sel] == B01]
        org.manager[team[heads]] = np.where(
            org.manager[team[heads]] == heads, -1, org.manager[team[heads]]
        )
        grade[sel] -= 1
        sel = np.flatnonzero(promote)
        ev.add(
            sel,
            "03",
            m.first,
            make[sel],
            grade[sel],
            grade[sel] + 1,
            team[sel],
            team[sel],
            assess=period,
        )
        grade[sel] += 1

    def _open_supervisor_teams(
        self,
        mo: _MonthState,
        period: str,
        make: np.ndarray,
        newb: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """Promotions to B01 (03 with a team change): each opens a new team in the same
        department and manages it; some of their recruits follow them (06)."""
        f, org, m, n = self.force, self.org, mo.m, mo.n
        grade, team = f.grade[:n], f.team[:n]
        old_team = team[newb].copy()
        depts = org.parent[old_team]
        new_team = np.array([org.add_team(int(d), m.first, rng) for d in depts], dtype=np.int64)
        mo.ev.add(newb, "03", m.first, make[newb], A03, B01, old_team, new_team, assess=period)
        if not len(newb):
            return
        org.manager[new_team] = newb
        f.edu[newb] = np.where(org.manager[old_team] >= 0, org.manager[old_team], -1)
        grade[newb] = B01
        team[newb] = new_team
        self._follow_new_supervisors(mo, make, newb, old_team, new_team, rng)

    def _follow_new_supervisors(
        self,
        mo: _MonthState,
        make: np.ndarray,
        newb: np.ndarray,
        old_team: np.ndarray,
        new_team: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """Agents recruited by a new B01 and still in the team they left move (06) into the
        new team by ``FOLLOWER_SHARE``."""
        f, m, n = self.force, mo.m, mo.n
        state, grade, team = f.state[:n], f.grade[:n], f.team[:n]
        leader = np.full(n, -1, dtype=np.int64)
        leader[newb] = np.arange(len(newb))
        intro_all = f.intro[:n]
        k = np.where(intro_all >= 0, leader[np.maximum(intro_all, 0)], -1)
        follow = (k >= 0) & (state == IN) & (grade < B01) & (f.pending[:n] == -1)
        follow &= team == np.where(k >= 0, old_team[np.maximum(k, 0)], -2)
        follow &= rng.random(n) < config.FOLLOWER_SHARE
        sel = np.flatnonzero(follow)
        dest = new_team[k[sel]]
        mo.ev.add(sel, "06", m.first, make[sel], grade[sel], grade[sel], team[sel], dest)
        team[sel] = dest
        mo.evented[sel] = True

    # ---- 3. BRANCH changes --------------------------------------------------------------------
    def _branch_changes(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """From the second month: teams move between departments and new 二元网点 outlets
        open in counties (their teams are staffed by this month's hires)."""
        if mo.t < 1:
            return
        self._move_teams(rng, mo.m)
        p_open = config.OUTLET_OPENINGS_PER_COUNTY_YEAR / 12
        for county in self.org.county_codes:
            if rng.random() < p_open:
                mo.new_outlet_teams.append(self.org.open_outlet(county, mo.m.first, rng))

    def _move_teams(self, rng: np.random.Generator, m: Month) -> None:
        """Move some teams (not ones opened this month, nor a team whose head also heads the
        department) to another department of their region with room for them."""
        org = self.org
        teams = org.teams()
        movers = teams[rng.random(len(teams)) < config.TEAM_MOVE_RATE]
        movers = movers[org.found[movers] < m.first]  # not a team opened this month
        depts = np.flatnonzero(org.level[: org.n] == orgmod.DEPT)
        for team in movers:
            dept = int(org.parent[team])
            if org.manager[team] >= 0 and org.manager[team] == org.manager[dept]:
                continue
            others = depts[(org.region[depts] == org.region[dept]) & (depts != dept)]
            others = others[org.children[others] < orgmod.MAX_CHILDREN]
            if len(others):
                org.move_team(int(team), int(others[rng.integers(len(others))]))

    # ---- 4. during the month ------------------------------------------------------------------
    def _leaves(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """Who leaves (07) on a day from the 2nd: by a tenure, grade and recent-production
        hazard, plus everyone serving notice. Some leavers serve a month's notice (03 state)
        first; some trainees' leaves are only recorded 1-6 months later (backdated)."""
        f, m, n, t = self.force, mo.m, mo.n, mo.t
        state, grade, team = f.state[:n], f.grade[:n], f.team[:n]
        tenure = m.abs - f.spell[:n]
        hz = _HAZARD[np.minimum(tenure, len(_HAZARD) - 1)] * np.array(config.HAZARD_GRADE)[grade]
        produced = f.last_prod[:n] >= m.abs - 3
        hz = hz * np.where(
            tenure >= 3, np.where(produced, config.HAZARD_PRODUCED, config.HAZARD_IDLE), 1.0
        )
        cand = (state == IN) & (tenure >= 1)
        mo.expected_leaves = float(hz[cand].sum()) + int((state == NOTICE).sum())
        leave = cand & (rng.random(n) < hz)
        notice_new = leave & (rng.random(n) < config.NOTICE_SHARE)
        leave_now = (leave & ~notice_new) | (state == NOTICE)
        sel = np.flatnonzero(leave_now)
        leave_day = m.first + rng.integers(1, m.ndays, len(sel))
        can_backdate = (state[sel] == IN) & (grade[sel] < B01) & (t < self.months - 1)
        backdate = can_backdate & (rng.random(len(sel)) < config.BACKDATED_LEAVE_SHARE)
        lag = 1 + np.minimum(rng.geometric(0.45, len(sel)) - 1, 5)
        lag = np.minimum(lag, self.months - 1 - t)
        f.pending[sel[backdate]] = m.abs + lag[backdate]
        now = sel[~backdate]
        now_day = leave_day[~backdate]
        mo.ev.add(
            now,
            "07",
            now_day,
            np.minimum(now_day + rng.integers(0, 4, len(now)), m.last),
            grade[now],
            grade[now],
            team[now],
            team[now],
        )
        f.out[sel] = leave_day
        state[sel] = OUT
        mo.evented[sel] = True
        mo.notice_new = notice_new

    def _transfers(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """Transfers (06) of trainees and agents between teams on a day from the 2nd, mostly
        within the department, some within the region. Not in the first month: the first
        snapshot is the opening state, so its team must hold for the whole month."""
        f, m, n = self.force, mo.m, mo.n
        state, grade, team = f.state[:n], f.grade[:n], f.team[:n]
        tenure = m.abs - f.spell[:n]
        mo.mid_day = np.full(n, BIG_DAY, dtype=np.int64)
        mo.team_before = team.copy()
        if mo.t < 1:
            return
        movable = (state == IN) & ~mo.notice_new & (grade < B01) & (tenure >= 1)
        sel = np.flatnonzero(movable & (rng.random(n) < config.TRANSFER_RATE))
        self._transfer(mo, sel, rng)

    def _transfer(self, mo: _MonthState, sel: np.ndarray, rng: np.random.Generator) -> None:
        """Move ``sel`` to another team of the department (30 %: of the region) on a day of
        the month, kept as ``mid_day`` with the team before in ``team_before``."""
        f, org, m = self.force, self.org, mo.m
        team = f.team
        teams = org.teams()
        wide = rng.random(len(sel)) < 0.3
        dest = _other_member(rng, org.parent[team[sel]], teams, org.parent[teams], team[sel])
        dest_w = _other_member(rng, org.region[team[sel]], teams, org.region[teams], team[sel])
        dest = np.where(wide & (dest_w >= 0), dest_w, dest)
        ok = dest >= 0
        sel, dest = sel[ok], dest[ok]
        d = m.first + rng.integers(1, m.ndays, len(sel))
        mo.ev.add(
            sel,
            "06",
            d,
            np.minimum(d + rng.integers(0, 4, len(sel)), m.last),
            f.grade[sel],
            f.grade[sel],
            team[sel],
            dest,
        )
        mo.team_before[sel] = team[sel]
        mo.mid_day[sel] = d
        team[sel] = dest
        mo.evented[sel] = True

    def _recruit(self, mo: _MonthState, rng: np.random.Generator) -> None:
        """This month's intake: replace the expected leavers (seasonally) and pull the
        headcount towards the profile's size; a share of it are rejoiners."""
        n_hire = self._hires_wanted(mo)
        n_rejoin = self._rejoin(mo, n_hire, rng)
        self._hire(mo, n_hire - n_rejoin, rng)

    def _hires_wanted(self, mo: _MonthState) -> int:
        """How many joins and rejoins the month takes (no random draw)."""
        target = self.profile.agents
        return max(
            0,
            round(
                mo.expected_leaves * config.RECRUIT_SEASON[mo.m.moy - 1]
                + config.HIRE_FEEDBACK * (target - mo.headcount_start)
            ),
        )

    def _rejoin(self, mo: _MonthState, n_hire: int, rng: np.random.Generator) -> int:
        """Rejoins (08, back as A01 in their last team, a new spell) of agents out for at
        least ``REJOIN_MIN_MONTHS`` whose leave is recorded; returns how many."""
        f, m, n = self.force, mo.m, mo.n
        state, grade, team = f.state[:n], f.grade[:n], f.team[:n]
        n_rejoin = int(rng.binomial(n_hire, config.REJOIN_SHARE))
        rejoin_pool = np.flatnonzero(
            (state == OUT)
            & ~mo.pending
            & (f.pending[:n] == -1)
            & (f.out[:n] != NULL_DAY)
            & (f.out[:n] <= m.first - 30 * config.REJOIN_MIN_MONTHS)
        )
        n_rejoin = min(n_rejoin, len(rejoin_pool))
        if not n_rejoin:
            return n_rejoin
        rj = np.sort(rng.choice(rejoin_pool, n_rejoin, replace=False))
        d = m.first + rng.integers(0, m.ndays, n_rejoin)
        mo.ev.add(
            rj,
            "08",
            d,
            np.minimum(d + rng.integers(0, 4, n_rejoin), m.last),
            grade[rj],
            A01,
            team[rj],
            team[rj],
        )
        state[rj] = IN
        f.out[rj] = NULL_DAY
        f.employ[rj] = d
        grade[rj] = A01
        f.indue[rj] = NULL_DAY
        f.spell[rj] = m.abs
        f.last_prod[rj] = -10_000
        mo.evented[rj] = True
        return n_rejoin

    def _hire(self, mo: _MonthState, k: int, rng: np.random.Generator) -> None:
        """Joins (01, as A01): ``k`` into existing teams weighted by size (young outlets
        and 个险 regions favoured), plus a first staff for each new outlet's team; most
        have a recruiter from their team."""
        f, org, m = self.force, self.org, mo.m
        teams = org.teams()
        n = f.n
        alive = np.flatnonzero(f.state[:n] == IN)
        size = np.bincount(f.team[alive], minlength=org.n)[teams].astype(float)
        region = org.region[teams]
        young = (org.outlet[region] == 1) & (org.found[region] >= m.first - 365)
        w = (size + 0.5) * np.where(young, 2.5, 1.0) * np.where(org.btype[region] == 4, 0.8, 1.0)
        chosen = rng.choice(teams, size=max(k, 0), p=w / w.sum()) if k > 0 else teams[:0]
        staff = [np.full(int(rng.integers(*OUTLET_STAFF)), tm) for tm in mo.new_outlet_teams]
        hire_teams = np.concatenate([chosen, *staff]).astype(np.int64) if staff else chosen
        if not len(hire_teams):
            return
        hire_teams = np.sort(hire_teams, kind="stable")
        days = m.first + rng.integers(0, m.ndays, len(hire_teams))
        # recruiter: a random agent in service in the team at the start of the month
        pool = alive[mo.in_start[alive]]
        recruiter = _random_member(rng, hire_teams, pool, f.team[pool])
        recruiter = np.where(rng.random(len(hire_teams)) < config.NO_RECRUITER_SHARE, -1, recruiter)
        idx = f.add(rng, org, hire_teams, days, A01)
        f.intro[idx] = recruiter
        mo.ev.add(
            idx,
            "01",
            days,
            np.minimum(days + rng.integers(0, 4, len(idx)), m.last),
            -1,
            A01,
            -1,
            hire_teams,
        )

    def _extend_to_hires(self, mo: _MonthState) -> None:
        """Extend the month's per-agent arrays to the agents just hired, and take the
        still-unrecorded leavers again (now including the leaves backdated this month).
        Force arrays may have been reallocated by the hires: slice them afresh from here."""
        f = self.force
        n, n2 = mo.n, f.n
        if n2 > n:
            extra = n2 - n
            mo.mid_day = np.concatenate([mo.mid_day, np.full(extra, BIG_DAY, np.int64)])
            mo.team_before = np.concatenate([mo.team_before, f.team[n:n2]])
            mo.evented = np.concatenate([mo.evented, np.ones(extra, bool)])
            mo.notice_new = np.concatenate([mo.notice_new, np.zeros(extra, bool)])
        mo.n = n2
        mo.pending = f.pending[:n2] > mo.m.abs

    # ---- 5. production ------------------------------------------------------------------------
    def _produce(self, mo: _MonthState) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The month's POLICY and RECEIPT columns: new policies signed on the days each agent
        really was in service (in the team they sat in that day), their future queued, and
        this month's receipts and status changes booked."""
        rng = self.rng(mo.t, 50)
        pol, late = self._sign_policies(mo, rng)
        items = self._month_items(mo.m, pol, late, rng)
        codes, groups = self.force.code[: mo.n], self.org.group_ids()
        receipts = self._receipt_columns(mo, items, codes, groups)
        policies = self._policy_columns(mo.m, pol, items, codes, groups)
        return policies, receipts

    def _sign_policies(
        self, mo: _MonthState, rng: np.random.Generator
    ) -> tuple[pr.NewPolicies, np.ndarray]:
        """Who produces and how many policies, each signed on an in-service day; their
        products, premiums, delivery and cooling-off cancellation; every future item is
        queued in the book. Returns the policies and which first receipts book next month."""
        f, org, book, m, n = self.force, self.org, self.book, mo.m, mo.n
        state, grade = f.state[:n], f.grade[:n]
        a = np.maximum(f.employ[:n].astype(np.int64), m.first)
        b = np.where(state == OUT, f.out[:n].astype(np.int64) - 1, m.last)
        b = np.minimum(b, m.last)
        avail = b >= a
        frac = np.where(avail, (b - a + 1) / m.ndays, 0.0)
        season = config.NEW_BUSINESS_SHARE[m.moy - 1] * 12
        skill = f.skill[:n].astype(np.float64)
        p = pr.produce_probability(grade, skill, season) * frac**0.7
        p = p * np.where((state == NOTICE) | mo.notice_new, 0.5, 1.0)
        producer = avail & (rng.random(n) < p)
        npol = np.where(producer, 1 + rng.poisson(pr.extra_policy_rate(grade, skill, season)), 0)
        f.last_prod[:n] = np.where(producer, m.abs, f.last_prod[:n])
        agent = np.repeat(np.arange(n), npol)
        k = len(agent)
        sign = a[agent] + (rng.random(k) * (b[agent] - a[agent] + 1)).astype(np.int64)
        order = np.lexsort((agent, sign))
        agent, sign = agent[order], sign[order]
        team = np.where(sign < mo.mid_day[agent], mo.team_before[agent], f.team[agent])
        product = pr.draw_products(rng, k)
        fyp, first = pr.draw_premium_cents(rng, product, skill[agent])
        getpol = sign + rng.integers(2, 11, k)
        p_cancel = np.where(
            pr.RISK_TYPE[product] == "L", config.COOLING_OFF_L, config.COOLING_OFF_S
        )
        cancel = np.where(rng.random(k) < p_cancel, getpol + rng.integers(1, 16, k), NULL_DAY)
        pol = pr.NewPolicies(
            cont=book.next_cont + np.arange(k),
            agent=agent,
            team=team,
            county=org.county[team],
            product=product,
            sign=sign,
            cvali=sign + 1,
            getpol=getpol,
            fyp=fyp,
            first=first,
            cancel=cancel,
        )
        book.next_cont += k
        late = (
            (sign >= m.last - 1)
            & (rng.random(k) < config.LATE_FIRST_BOOKING)
            & (cancel == NULL_DAY)
        )
        first_conf = m.last + rng.integers(1, 4, k)
        pr.schedule(rng, pol, book, late, first_conf)
        return pol, late

    def _month_items(
        self, m: Month, pol: pr.NewPolicies, late: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """The items booked this month: first receipts of this month's policies (unless
        booked late), queued items, monthly-pay instalments and lapses; annual premiums paid
        now queue the next year's outcome."""
        book = self.book
        now = np.flatnonzero(~late)
        first_items = pr.policy_items(len(now), pr.FIRST, pol, now)
        first_items["date"] = pol.sign[now]
        first_items["due"] = pol.sign[now]
        first_items["amount"] = pol.first[now]
        first_items["paycount"] = 1
        queued = book.take(m.abs)
        pays, lapses = pr.monthly_due(book, m.abs)
        # annual premiums paid: queue the next year's outcome
        renew = queued[(queued["kind"] == pr.RENEW)]
        nxt = renew[renew["paycount"] < pr.PAY_YEARS[renew["product"]]]
        for pc in np.unique(nxt["paycount"]):
            book.queue(pr.renewal_outcomes(rng, nxt[nxt["paycount"] == pc], int(pc) + 1))
        return np.concatenate([first_items, queued, pays, lapses])

    def _receipt_columns(
        self, mo: _MonthState, items: np.ndarray, codes: np.ndarray, groups: np.ndarray
    ) -> dict[str, np.ndarray]:
        """RECEIPT rows of the month's money items in date order, credited to the team the
        agent sat in that day; their FYC counts towards the quarter's assessment."""
        f, book, m = self.force, self.book, mo.m
        is_receipt = np.isin(items["kind"], (pr.FIRST, pr.RENEW, pr.WT, pr.CT))
        rec = items[is_receipt]
        rec = rec[np.lexsort((rec["cont"], rec["date"]))]
        ttype, money, stand, fyc = pr.receipt_amounts(rec)
        ra = rec["agent"].astype(np.int64)
        rteam = np.where(rec["date"] < mo.mid_day[ra], mo.team_before[ra], f.team[ra])
        np.add.at(f.qfyc, ra, fyc)
        nrec = len(rec)
        receipt_no = np.strings.add(
            "66",
            np.strings.zfill(
                np.arange(book.next_receipt, book.next_receipt + nrec).astype(str), 12
            ),
        )
        book.next_receipt += nrec
        return {
            "ReceiptNo": receipt_no,
            "ContNo": _cont_no(rec["cont"]),
            "AgentCode": codes[ra],
            "AgentGroup": groups[rteam],
            "PayCount": rec["paycount"].astype(np.int64),
            "TransType": ttype,
            "DueDate": rec["due"].astype(np.int64),
            "ConfDate": rec["date"].astype(np.int64),
            "TransMoney": money,
            "TransStandMoney": stand,
            "FYC": fyc,
            "WageNo": np.full(nrec, m.label),
        }

    def _policy_columns(
        self,
        m: Month,
        pol: pr.NewPolicies,
        items: np.ndarray,
        codes: np.ndarray,
        groups: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """POLICY rows: this month's signings, then status changes; one row per contract,
        its latest."""
        org = self.org
        k = len(pol.cont)
        status = items[np.isin(items["kind"], (pr.WT, pr.CT, pr.LAPSE, pr.MATURE))]
        sign_rows = pr.policy_items(k, 0, pol, np.arange(k))
        sign_rows["date"] = pol.sign
        allp = np.concatenate([sign_rows, status])
        state_code = np.concatenate([np.full(k, "1"), pr.status_of(status["kind"])])
        # keep the last row of each contract
        rev = np.arange(len(allp))[::-1]
        _, first_rev = np.unique(allp["cont"][rev], return_index=True)
        keep = np.sort(rev[first_rev])
        allp, state_code = allp[keep], state_code[keep]
        prod = allp["product"]
        getpol_shown = np.where(allp["getpol"] <= m.last, allp["getpol"], NULL_DAY)
        return {
            "ContNo": _cont_no(allp["cont"]),
            "AgentCode": codes[allp["agent"]],
            "AgentGroup": groups[allp["team"]],
            "ManageCom": np.array(org.com.code)[allp["county"]],
            "RiskCode": pr.RISK_CODE[prod],
            "RiskType": pr.RISK_TYPE[prod],
            "PayIntv": pr.PAY_INTV[prod],
            "PayYears": pr.PAY_YEARS[prod],
            "SignDate": allp["sign"].astype(np.int64),
            "CValiDate": allp["cvali"].astype(np.int64),
            "GetPolDate": getpol_shown.astype(np.int64),
            "FirstYearPrem": allp["fyp"].astype(np.int64),
            "ContState": state_code,
            "StateDate": allp["date"].astype(np.int64),
        }

    # ---- 6. notice, erroneous events, the extract files ---------------------------------------
    def _start_notice(self, mo: _MonthState) -> None:
        """This month's leavers who serve notice are in state 03 at the month end."""
        f, n = self.force, mo.n
        f.state[:n] = np.where(mo.notice_new, NOTICE, f.state[:n])

    def _erroneous(self, mo: _MonthState) -> tuple[np.ndarray, np.ndarray]:
        """Erroneous events (voided next month) of agents with no real event, in every
        month but the first and the last: a wrong transfer (06) or a wrong leave (07).
        Returns the wrong team and wrong leave day per agent (-1 / NULL_DAY if none)."""
        f, org, m, n = self.force, self.org, mo.m, mo.n
        wrong_team = np.full(n, -1, dtype=np.int64)
        wrong_out = np.full(n, NULL_DAY, dtype=np.int64)
        if not 1 <= mo.t < self.months - 1:
            return wrong_team, wrong_out
        rng = self.rng(mo.t, 70)
        cand = np.flatnonzero(
            (f.state[:n] == IN)
            & ~mo.evented
            & (f.grade[:n] < B01)
            & ~mo.pending
            & ~mo.notice_new
            & (f.spell[:n] < m.abs)
        )
        k = int(rng.binomial(len(cand), config.WRONG_EVENT_RATE))
        if not k:
            return wrong_team, wrong_out
        sel = np.sort(rng.choice(cand, k, replace=False))
        d = m.first + rng.integers(1, m.ndays, k)
        make = np.minimum(d + rng.integers(0, 3, k), m.last)
        as_transfer = rng.random(k) < 0.5
        teams = org.teams()
        dest = _other_member(rng, org.parent[f.team[sel]], teams, org.parent[teams], f.team[sel])
        tr = as_transfer & (dest >= 0)
        a = sel[tr]
        mo.ev.add(a, "06", d[tr], make[tr], f.grade[a], f.grade[a], f.team[a], dest[tr])
        wrong_team[a] = dest[tr]
        a = sel[~tr]
        mo.ev.add(a, "07", d[~tr], make[~tr], f.grade[a], f.grade[a], f.team[a], f.team[a])
        wrong_out[a] = d[~tr]
        return wrong_team, wrong_out

    def _month_files(
        self,
        mo: _MonthState,
        policy_cols: dict[str, np.ndarray],
        receipt_cols: dict[str, np.ndarray],
        wrong_team: np.ndarray,
        wrong_out: np.ndarray,
    ) -> MonthFiles:
        """The month's extract files, in delivery order (the yearly BUDGET in the first
        month and each January)."""
        f, org, m = self.force, self.org, mo.m
        out = MonthFiles(m)
        table, event_no = self._number_events(mo, wrong_team, wrong_out)
        codes = f.code[: mo.n]
        groups = org.group_ids()
        out.files[f"COM_{m.label}.csv"] = (COM, org.com.columns())
        out.files[f"BRANCH_{m.label}.csv"] = (BRANCH, self._branch_columns(m, codes))
        agent_cols, act_cols, in_service = self._snapshot(mo, wrong_team, wrong_out, groups)
        out.in_service = in_service
        out.files[f"AGENT_{m.label}.csv"] = (AGENT, agent_cols)
        out.files[f"AGENT_EVENT_{m.label}.csv"] = (
            AGENT_EVENT,
            _event_columns(table, event_no, codes, groups),
        )
        out.files[f"POLICY_{m.label}.csv"] = (POLICY, policy_cols)
        out.files[f"RECEIPT_{m.label}.csv"] = (RECEIPT, receipt_cols)
        out.files[f"ACTIVITY_{m.label}.csv"] = (ACTIVITY, act_cols)
        if mo.t == 0 or m.moy == 1:
            self._budget(mo, out)
        return out

    def _number_events(
        self, mo: _MonthState, wrong_team: np.ndarray, wrong_out: np.ndarray
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The month's events in EffectiveDate then generation order with their EventNo;
        the erroneous ones are remembered to be voided next month."""
        table = mo.ev.table()
        nev = len(table["agent"])
        event_no = np.strings.add(
            "55",
            np.strings.zfill(np.arange(self.next_event, self.next_event + nev).astype(str), 10),
        )
        self.next_event += nev
        wrong = (table["etype"] != "99") & (
            (
                (table["etype"] == "06")
                & (wrong_team[table["agent"]] >= 0)
                & (table["new_team"] == wrong_team[table["agent"]])
            )
            | (
                (table["etype"] == "07")
                & (wrong_out[table["agent"]] != NULL_DAY)
                & (table["eff"] == wrong_out[table["agent"]])
            )
        )
        self.to_cancel = (table["agent"][wrong], event_no[wrong])
        return table, event_no

    def _branch_columns(self, m: Month, codes: np.ndarray) -> dict[str, np.ndarray]:
        """BRANCH columns, after units whose manager's leave is recorded lose the manager."""
        f, org = self.force, self.org
        mgr = org.manager[: org.n]
        gone = (
            (mgr >= 0)
            & (f.state[np.maximum(mgr, 0)] == OUT)
            & (f.pending[np.maximum(mgr, 0)] <= m.abs)
        )
        org.manager[: org.n] = np.where(gone, -1, mgr)
        mgr = org.manager[: org.n]
        return org.columns(np.where(mgr >= 0, codes[np.maximum(mgr, 0)], ""))

    def _budget(self, mo: _MonthState, out: MonthFiles) -> None:
        """The year's BUDGET, forecast from the force in service at the month end."""
        f, m = self.force, mo.m
        rb = self.rng(mo.t, 60)
        alive = np.flatnonzero(f.state[: mo.n] != OUT)
        cols = budget_columns(rb, m.year, self.org, f, alive, self.profile.budget_regions)
        out.files[f"BUDGET_{m.year}"] = (BUDGET, cols)
        out.budget_year_index = len(self.budget_years)
        self.budget_years.append(m.year)

    def _snapshot(
        self,
        mo: _MonthState,
        wrong_team: np.ndarray,
        wrong_out: np.ndarray,
        groups: np.ndarray,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int]:
        """The month-end AGENT and ACTIVITY columns as AMIS has them recorded, and how many
        agents are recorded in service."""
        state, out, team = self._recorded_state(mo, wrong_team, wrong_out)
        keep_from = int(month_first_day(mo.m.abs - 3))
        include = (state != OUT) | (out >= keep_from)
        include[mo.recorded_now] = True
        agent_cols = self._agent_columns(np.flatnonzero(include), state, out, team, groups)
        act_cols = self._activity_columns(mo, state, out, include)
        in_service = int(((state != OUT) & include).sum())
        return agent_cols, act_cols, in_service

    def _recorded_state(
        self, mo: _MonthState, wrong_team: np.ndarray, wrong_out: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """State, leave day and team per agent as recorded: still-unrecorded leavers look in
        service, erroneous events show."""
        f, n = self.force, mo.n
        state = np.where(mo.pending, IN, f.state[:n])
        out = np.where(mo.pending, NULL_DAY, f.out[:n]).astype(np.int64)
        team = np.where(wrong_team >= 0, wrong_team, f.team[:n])
        wl = wrong_out != NULL_DAY
        state = np.where(wl, OUT, state)
        out = np.where(wl, wrong_out, out)
        return state, out, team

    def _agent_columns(
        self,
        idx: np.ndarray,
        state: np.ndarray,
        out: np.ndarray,
        team: np.ndarray,
        groups: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """AGENT snapshot rows of the agents ``idx`` (in service, or left in the last three
        months, or whose leave is recorded now)."""
        f, org = self.force, self.org
        codes = f.code[: f.n]
        intro, edu = f.intro[idx], f.edu[idx]
        licensed = f.licensed[idx]
        return {
            "AgentCode": codes[idx],
            "Name": f.name[idx],
            "Sex": f.sex[idx].astype(str),
            "Birthday": f.birthday[idx].astype(np.int64),
            "IDNo": f.idno[idx].astype(str),
            "Mobile": f.mobile[idx].astype(str),
            "Degree": f.degree[idx],
            "EmployDate": f.employ[idx].astype(np.int64),
            "InDueFormDate": f.indue[idx].astype(np.int64),
            "OutWorkDate": out[idx],
            "AgentState": np.strings.zfill(state[idx].astype(str), 2),
            "AgentGrade": _GRADES[f.grade[idx] + 1],
            "AgentGroup": groups[team[idx]],
            "IntroAgency": np.where(intro >= 0, codes[np.maximum(intro, 0)], ""),
            "EduManager": np.where(edu >= 0, codes[np.maximum(edu, 0)], ""),
            "QuafNo": f.quaf_no(idx),
            "QuafEndDate": np.where(licensed, f.quaf_end[idx], NULL_DAY).astype(np.int64),
            "BranchType": org.btype[org.region[team[idx]]].astype(str),
        }

    def _activity_columns(
        self, mo: _MonthState, state: np.ndarray, out: np.ndarray, include: np.ndarray
    ) -> dict[str, np.ndarray]:
        """ACTIVITY rows of the agents recorded in service on some day of the month: duty
        days as recorded, attendance on the days they really were in service."""
        f, m, n = self.force, mo.m, mo.n
        codes = f.code[:n]
        employ = f.employ[:n].astype(np.int64)
        start = np.maximum(employ, m.first)
        rec_end = np.where(state == OUT, out - 1, m.last)
        true_end = np.where(f.state[:n] == OUT, f.out[:n].astype(np.int64) - 1, m.last)
        act = np.flatnonzero(include & (np.minimum(rec_end, m.last) >= start))
        duty = duty_days(m, start[act], np.minimum(rec_end[act], m.last))
        present = duty_days(m, start[act], np.minimum(true_end[act], m.last))
        return activity_columns(
            self.rng(mo.t, 80),
            m,
            codes[act],
            f.grade[act],
            duty,
            np.where(true_end[act] >= start[act], present, 0),
            f.skill[act],
        )


def _event_columns(
    table: dict[str, np.ndarray], event_no: np.ndarray, codes: np.ndarray, groups: np.ndarray
) -> dict[str, np.ndarray]:
    """AGENT_EVENT columns of the numbered event table."""
    return {
        "EventNo": event_no,
        "AgentCode": codes[table["agent"]],
        "EventType": table["etype"],
        "EffectiveDate": table["eff"],
        "OldGrade": _GRADES[table["old_grade"] + 1],
        "NewGrade": _GRADES[table["new_grade"] + 1],
        "OldAgentGroup": np.where(
            table["old_team"] >= 0, groups[np.maximum(table["old_team"], 0)], ""
        ),
        "NewAgentGroup": np.where(
            table["new_team"] >= 0, groups[np.maximum(table["new_team"], 0)], ""
        ),
        "AssessPeriod": table["assess"],
        "CancelEventNo": table["cancel"],
        "MakeDate": table["make"],
    }


def _cont_no(cont: np.ndarray) -> np.ndarray:
    return np.strings.add("88", np.strings.zfill(np.asarray(cont).astype(str), 12))
