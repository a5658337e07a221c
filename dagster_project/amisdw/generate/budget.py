"""Yearly targets (BUDGET): a forecast of the year from the force in service when the
budget is issued, lifted by 5-15 % per unit and indicator.

The forecast runs the production model once per month of the year on the agents in
service (a shadow draw from its own random stream, so it never disturbs the simulation)
and sums producing, effective and ten-thousand agents, first-year standard premium and
licensed agents up every level: ComCodes of levels 1-4, and sales regions where the size
profile says so.
"""

from __future__ import annotations

import numpy as np

from amisdw.extracts.contract import BUDGET_INDICATORS
from amisdw.generate import config, production
from amisdw.generate.dates import NULL_DAY, day
from amisdw.generate.force import Force
from amisdw.generate.org import Org

EFFECTIVE_FYC_CENTS = 1_000 * 100


def _ancestors(org: Org) -> np.ndarray:
    """(county Com index) -> Com indices of county, city, province, head office."""
    pos = {c: i for i, c in enumerate(org.com.code)}
    out = np.zeros((len(org.com.code), 4), dtype=np.int64)
    for i in range(len(org.com.code)):
        chain = [i]
        while org.com.up[chain[-1]]:
            chain.append(pos[org.com.up[chain[-1]]])
        chain += [chain[-1]] * (4 - len(chain))
        out[i] = chain[:4]
    return out


class _RollUp:
    """Sums per-agent values up every budgeted org: the ComCodes of levels 1-4 (the head
    office once per agent), then the sales regions when the profile budgets them."""

    def __init__(self, org: Org, team: np.ndarray, regions: bool) -> None:
        self.anc = _ancestors(org)[org.county[team]]  # (k, 4) Com indices
        self.region = org.region[team]
        self.ncom = len(org.com.code)
        units = np.flatnonzero(org.level[: org.n] == 3) if regions else np.zeros(0, int)
        self.region_units = units
        self.region_pos = np.full(org.n, -1, dtype=np.int64)
        self.region_pos[units] = np.arange(len(units))
        self.norg = self.ncom + len(units)
        self.org_codes = np.concatenate([np.array(org.com.code), org.group_ids(units)])

    def __call__(self, values: np.ndarray) -> np.ndarray:
        anc = self.anc
        total = np.zeros(self.norg)
        for level in range(4):
            # head office appears several times in short chains: count it once per agent
            first = (
                np.ones(len(values), dtype=bool)
                if level == 0
                else (anc[:, level] != anc[:, level - 1])
            )
            np.add.at(total, anc[first, level], values[first])
        if len(self.region_units):
            total[self.ncom :] = np.bincount(
                self.region_pos[self.region], weights=values, minlength=len(self.region_units)
            )
        return total


def budget_columns(
    rng: np.random.Generator, year: int, org: Org, force: Force, agents: np.ndarray, regions: bool
) -> dict[str, np.ndarray]:
    """BUDGET rows of ``year``: per org, month and indicator, the forecast of the agents in
    service lifted by a per-org, per-indicator uplift; ordered by org, month, indicator."""
    agents = np.asarray(agents)
    roll_up = _RollUp(org, force.team[agents], regions)
    norg = roll_up.norg
    months, inds, orgs, targets = [], [], [], []
    uplift = rng.uniform(*config.BUDGET_UPLIFT, size=(norg, len(BUDGET_INDICATORS)))
    for moy in range(1, 13):
        values = _month_forecast(rng, year, moy, force, agents, roll_up)
        for j, ind in enumerate(BUDGET_INDICATORS):
            v = values[ind] * uplift[:, j]
            whole = np.rint(v) if ind != "first_year_standard_premium" else np.rint(v / 100) * 100
            orgs.append(roll_up.org_codes)
            months.append(np.full(norg, f"{year}{moy:02d}"))
            inds.append(np.full(norg, ind))
            targets.append((whole * 100).astype(np.int64))
    org_col = np.concatenate(orgs)
    month_col = np.concatenate(months)
    ind_col = np.concatenate(inds)
    target_col = np.concatenate(targets)
    order = np.lexsort((ind_col, month_col, np.tile(np.arange(norg), 12 * len(BUDGET_INDICATORS))))
    return {
        "OrgCode": org_col[order],
        "Month": month_col[order],
        "Indicator": ind_col[order],
        "Target": target_col[order],
    }


def _month_forecast(
    rng: np.random.Generator,
    year: int,
    moy: int,
    force: Force,
    agents: np.ndarray,
    roll_up: _RollUp,
) -> dict[str, np.ndarray]:
    """One month of the shadow forecast, rolled up per org: producing and effective agents,
    licensed agents (a licence expiring in the year is renewed by chance) and first-year
    standard premium, each scaled by its net factor where the config has one."""
    grade = force.grade[agents]
    skill = force.skill[agents]
    season = config.NEW_BUSINESS_SHARE[moy - 1] * 12
    p = production.produce_probability(grade, skill, season)
    producing = rng.random(len(agents)) < p
    npol = 1 + rng.poisson(production.extra_policy_rate(grade, skill, season))
    npol = np.where(producing, npol, 0)
    pol_agent = np.repeat(np.arange(len(agents)), npol)
    prod = production.draw_products(rng, len(pol_agent))
    fyp, _ = production.draw_premium_cents(rng, prod, skill[pol_agent])
    fyc = np.bincount(pol_agent, weights=fyp * production.FYC_RATE[prod], minlength=len(agents))
    std = np.bincount(pol_agent, weights=fyp * production.STD_FACTOR[prod], minlength=len(agents))
    month_end = day(year + moy // 12, moy % 12 + 1, 1) - 1
    licensed = (
        force.licensed[agents]
        & (force.quaf_end[agents] != NULL_DAY)
        & (
            (force.quaf_end[agents] >= month_end)
            | (rng.random(len(agents)) < config.LICENCE_RENEWAL)
        )
    )
    return {
        "effective_manpower": roll_up(
            (producing & (fyc >= EFFECTIVE_FYC_CENTS)) * config.BUDGET_EFFECTIVE_NET
        ),
        "producing_manpower": roll_up(producing * 1.0),
        "licensed_manpower": roll_up(licensed * 1.0),
        "first_year_standard_premium": roll_up(std / 100.0 * config.BUDGET_STD_PREMIUM_NET),
    }
