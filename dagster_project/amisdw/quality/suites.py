"""The Great Expectations suites of the extract families, as files under ``expectations/``.

``expectations/<family>.json`` is the reviewed source the gates run: one GX 1.x
ExpectationSuite per extract family. ``contract_suite`` derives the contract's part of it
(required fields, code sets, key uniqueness, plausible dates, AttendDays <= DutyDays, …)
from contract.py, and ``amisdw quality write-suites`` rewrites the files from it; a test
keeps files and contract in step, so a contract change shows up as a suite change in review.
Every expectation carries ``meta.check``, the short name a quarantine report uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from amisdw import settings
from amisdw.extracts.contract import FAMILIES, Family, FieldType

SUITES_DIR = settings.PROJECT_ROOT / "expectations"
# date bounds as midnight timestamps: the gates hand GX dates as pandas timestamps, which it
# compares with a datetime in one vectorised step (a bare date it cannot compare with them)
EARLIEST_DATE = "1950-01-01T00:00:00"  # no AMIS business date is older (birthdays excepted)
EARLIEST_BIRTHDAY = "1930-01-01T00:00:00"
LATEST_DATE = "2099-12-31T00:00:00"


def _exp(kind: str, check: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"check": check}}


def contract_suite(family: Family) -> dict[str, Any]:
    """The suite of one family as a plain dict (GX ExpectationSuite JSON)."""
    exps: list[dict[str, Any]] = [
        _exp(
            "expect_table_columns_to_match_set",
            "columns",
            column_set=family.columns,
            exact_match=False,
        )
    ]
    for f in family.fields:
        if f.required:
            exps.append(
                _exp("expect_column_values_to_not_be_null", f"required:{f.column}", column=f.column)
            )
        if f.allowed is not None:
            value_set = (
                [int(v) for v in f.allowed] if f.type is FieldType.INTEGER else list(f.allowed)
            )
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    f"code_set:{f.column}",
                    column=f.column,
                    value_set=value_set,
                )
            )
        if f.type is FieldType.DATE:
            earliest = EARLIEST_BIRTHDAY if f.code == "Birthday" else EARLIEST_DATE
            exps.append(
                _exp(
                    "expect_column_values_to_be_between",
                    f"date_range:{f.column}",
                    column=f.column,
                    min_value=earliest,
                    max_value=LATEST_DATE,
                )
            )
    if family.key:
        # within a delivery: the gates validate several months at once, each row tagged with
        # its delivery month (amisdw.quality.gates.MONTH_COLUMN)
        exps.append(
            _exp(
                "expect_compound_columns_to_be_unique",
                "unique_key",
                column_list=[*family.key, "_delivery_month"],
            )
        )
    exps.extend(_domain_expectations(family))
    return {"name": family.name.lower(), "expectations": exps, "meta": {"family": family.name}}


def _domain_expectations(family: Family) -> list[dict[str, Any]]:
    """Rules of amis-extracts.md beyond types and code sets."""
    if family.name == "ACTIVITY":
        return [
            _exp(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "attend_le_duty",
                column_A="duty_days",
                column_B="attend_days",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            _exp(
                "expect_column_values_to_be_between",
                "non_negative:visits",
                column="visits",
                min_value=0,
            ),
            _exp(
                "expect_column_values_to_be_between",
                "duty_days_range",
                column="duty_days",
                min_value=0,
                max_value=31,
            ),
        ]
    if family.name == "AGENT":
        return [
            _exp(
                "expect_column_value_lengths_to_equal",
                "agent_code_10_digits",
                column="agent_code",
                value=10,
            ),
        ]
    if family.name == "BRANCH":
        return [
            _exp(
                "expect_column_value_lengths_to_equal",
                "agent_group_10_chars",
                column="agent_group",
                value=10,
            ),
        ]
    if family.name == "POLICY":
        return [
            _exp(
                "expect_column_values_to_be_between",
                "positive:first_year_prem",
                column="first_year_prem",
                min_value=0,
                strict_min=True,
            ),
            _exp(
                "expect_column_values_to_be_between",
                "pay_years_range",
                column="pay_years",
                min_value=1,
                max_value=100,
            ),
        ]
    if family.name == "RECEIPT":
        return [
            _exp(
                "expect_column_values_to_be_between",
                "pay_count_range",
                column="pay_count",
                min_value=1,
                max_value=100,
            ),
            _exp(
                "expect_column_values_to_match_regex",
                "wage_no_month",
                column="wage_no",
                regex=r"^\d{4}(0[1-9]|1[0-2])$",
            ),
        ]
    return []


def suite_path(family: Family, directory: Path = SUITES_DIR) -> Path:
    return directory / f"{family.name.lower()}.json"


def write_suites(directory: Path = SUITES_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for family in FAMILIES:
        path = suite_path(family, directory)
        path.write_text(
            json.dumps(contract_suite(family), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def load_suite(family: Family, directory: Path = SUITES_DIR) -> dict[str, Any]:
    path = suite_path(family, directory)
    if not path.is_file():
        from amisdw.errors import AmisdwError

        raise AmisdwError(
            f"The quality suite {path} is missing. Restore it from git (or regenerate it with "
            "`amisdw quality write-suites`) before loading deliveries."
        )
    return json.loads(path.read_text(encoding="utf-8"))
