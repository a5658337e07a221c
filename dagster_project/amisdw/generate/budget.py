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


def budget_columns(
    rng: np.random.Generator, year: int, org: Org, force: Force, agents: np.ndarray, regions: bool
) -> dict[str, np.ndarray]:
    agents = np.asarray(agents)
    grade = force.grade[agents]
    skill = force.skill[agents]
    team = force.team[agents]
    county = org.county[team]
    anc = _ancestors(org)[county]  # (k, 4) Com indices
    region = org.region[team]
    ncom = len(org.com.code)
    region_units = np.flatnonzero(org.level[: org.n] == 3) if regions else np.zeros(0, int)
    region_pos = np.full(org.n, -1, dtype=np.int64)
    region_pos[region_units] = np.arange(len(region_units))
    norg = ncom + len(region_units)

    def roll_up(values: np.ndarray) -> np.ndarray:
        total = np.zeros(norg)
        for level in range(4):
            # head office appears several times in short chains: count it once per agent
            first = (
                np.ones(len(values), dtype=bool)
                if level == 0
                else (anc[:, level] != anc[:, level - 1])
            )
            np.add.at(total, anc[first, level], values[first])
        if len(region_units):
            total[ncom:] = np.bincount(
                region_pos[region], weights=values, minlength=len(region_units)
            )
        return total

    months, inds, orgs, targets = [], [], [], []
    org_codes = np.concatenate([np.array(org.com.code), org.group_ids(region_units)])
    uplift = rng.uniform(*config.BUDGET_UPLIFT, size=(norg, len(BUDGET_INDICATORS)))
    for moy in range(1, 13):
        season = config.NEW_BUSINESS_SHARE[moy - 1] * 12
        p = production.produce_probability(grade, skill, season)
        producing = rng.random(len(agents)) < p
        npol = 1 + rng.poisson(production.extra_policy_rate(grade, skill, season))
        npol = np.where(producing, npol, 0)
        pol_agent = np.repeat(np.arange(len(agents)), npol)
        prod = production.draw_products(rng, len(pol_agent))
        fyp, _ = production.draw_premium_cents(rng, prod, skill[pol_agent])
        fyc = np.bincount(pol_agent, weights=fyp * production.FYC_RATE[prod], minlength=len(agents))
        std = np.bincount(
            pol_agent, weights=fyp * production.STD_FACTOR[prod], minlength=len(agents)
        )
        month_end = day(year + moy // 12, moy % 12 + 1, 1) - 1
        licensed = (
            force.licensed[agents]
            & (force.quaf_end[agents] != NULL_DAY)
            & (
                (force.quaf_end[agents] >= month_end)
                | (rng.random(len(agents)) < config.LICENCE_RENEWAL)
            )
        )
        values = {
            "effective_manpower": roll_up(
                (producing & (fyc >= EFFECTIVE_FYC_CENTS)) * config.BUDGET_EFFECTIVE_NET
            ),
            "producing_manpower": roll_up(producing * 1.0),
            "licensed_manpower": roll_up(licensed * 1.0),
            "first_year_standard_premium": roll_up(std / 100.0 * config.BUDGET_STD_PREMIUM_NET),
        }
        for j, ind in enumerate(BUDGET_INDICATORS):
            v = values[ind] * uplift[:, j]
            whole = np.rint(v) if ind != "first_year_standard_premium" else np.rint(v / 100) * 100
            orgs.append(org_codes)
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
