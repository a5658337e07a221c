"""The code sets of the extract contract (amisdw.extracts.contract) and the dbt seeds that
repeat them for SQL (amis_code_values.csv, org_levels.csv) agree, both ways: every coded field
of the contract has exactly its codes in the seed, with the same captions, and the seed has no
field or code the contract does not know. A failure names the differing codes."""

from __future__ import annotations

import csv
from collections import defaultdict

from amisdw import settings
from amisdw.extracts import contract

SEEDS = settings.DBT_PROJECT_DIR / "seeds"

# The seed's code_set names, with the contract's caption table of each (the contract names its
# tables, not the sets). A code set the seed uses and this map lacks fails the caption test.
CONTRACT_CAPTIONS: dict[str, dict[str, str]] = {
    "com_grade": contract.COM_GRADES,
    "branch_level": contract.BRANCH_LEVELS,
    "channel": contract.CHANNELS,
    "outlet_type": contract.OUTLET_TYPES,
    "sex": contract.SEXES,
    "agent_state": contract.AGENT_STATES,
    "event_type": contract.EVENT_TYPES,
    "risk_type": contract.RISK_TYPES,
    "pay_interval": contract.PAY_INTERVALS,
    "contract_state": contract.CONT_STATES,
    "transaction_type": contract.TRANS_TYPES,
    "grade": {g.code: g.caption for g in contract.GRADES},
}


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def compare(contract_side: dict, seed_side: dict, what: str = "") -> list[str]:
    """Differences between two {key: set of codes} maps, both ways, naming keys and codes."""
    problems = []

    def label(key: object) -> str:
        return f"{what} {key}" if what else str(key)

    for key in sorted(contract_side.keys() - seed_side.keys()):
        problems.append(f"{label(key)}: in the contract, not in the seed")
    for key in sorted(seed_side.keys() - contract_side.keys()):
        problems.append(f"{label(key)}: in the seed, not in the contract")
    for key in sorted(contract_side.keys() & seed_side.keys()):
        only_contract = sorted(contract_side[key] - seed_side[key])
        only_seed = sorted(seed_side[key] - contract_side[key])
        if only_contract or only_seed:
            problems.append(
                f"{label(key)}: codes only in the contract {only_contract}, "
                f"only in the seed {only_seed}"
            )
    return problems


def contract_code_sets() -> dict[str, set[str]]:
    """Every coded field of the contract (a field with allowed values): family.column -> codes."""
    return {
        f"{family.name}.{f.column}": set(f.allowed)
        for family in contract.FAMILIES
        for f in family.fields
        if f.allowed is not None
    }


def seed_code_sets(rows: list[dict[str, str]]) -> dict[str, set[str]]:
    sets: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        sets[f"{r['family']}.{r['field']}"].add(r["code"])
    return dict(sets)


def test_every_coded_field_has_the_contract_codes_in_the_seed_both_ways():
    problems = compare(contract_code_sets(), seed_code_sets(read_seed("amis_code_values.csv")))
    assert not problems, "amis_code_values.csv differs from the contract:\n" + "\n".join(problems)


def test_seed_captions_are_the_contract_captions():
    problems = []
    for r in read_seed("amis_code_values.csv"):
        where = f"{r['family']}.{r['field']} code {r['code']}"
        captions = CONTRACT_CAPTIONS.get(r["code_set"])
        if captions is None:
            problems.append(f"{where}: code set {r['code_set']!r} has no contract caption table")
        elif captions.get(r["code"]) != r["caption_zh"]:
            problems.append(
                f"{where}: seed caption {r['caption_zh']!r}, contract {captions.get(r['code'])!r}"
            )
    assert not problems, "\n".join(problems)


def test_seed_grade_ladder_is_the_contract_ladder():
    grades = {g.code: g for g in contract.GRADES}
    problems = []
    for r in read_seed("amis_code_values.csv"):
        if r["code_set"] != "grade":
            continue
        g = grades.get(r["code"])
        if g is None:  # reported by the code-set test; nothing to compare here
            continue
        seed = (r["caption_en"], int(r["rank"]), r["series"])
        if seed != (g.english, g.rank, g.series):
            problems.append(
                f"{r['family']}.{r['field']} grade {g.code}: seed (english, rank, series) "
                f"{seed}, contract {(g.english, g.rank, g.series)}"
            )
    assert not problems, "\n".join(problems)


def test_org_levels_seed_is_the_contract_levels_both_ways():
    seed = {
        int(r["level"]): (
            r["level_name_zh"],
            r["level_name_en"],
            r["source_family"],
            r["source_code"],
        )
        for r in read_seed("org_levels.csv")
    }
    wanted = {
        lv.level: (lv.name_zh, lv.name_en, lv.source, lv.source_code) for lv in contract.LEVELS
    }
    problems = compare(
        {k: {v} for k, v in wanted.items()}, {k: {v} for k, v in seed.items()}, "level"
    )
    assert not problems, "org_levels.csv differs from contract.LEVELS:\n" + "\n".join(problems)


def test_a_difference_is_reported_both_ways_by_code():
    """The comparison itself: a code missing from the seed, one the contract does not know and a
    field the seed lacks are each named."""
    contract_side = {"AGENT.agent_state": {"01", "02", "03"}, "POLICY.risk_type": {"L", "S"}}
    seed_side = {"AGENT.agent_state": {"01", "02", "09"}}
    assert compare(contract_side, seed_side) == [
        "POLICY.risk_type: in the contract, not in the seed",
        "AGENT.agent_state: codes only in the contract ['03'], only in the seed ['09']",
    ]
