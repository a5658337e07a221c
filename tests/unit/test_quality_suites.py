"""The GX suites under expectations/ are the contract's: every code set, required field and
business key of amis-extracts.md has its expectation, and the files are what the contract
gives (regenerate with `amisdw quality write-suites` after a contract change)."""

from __future__ import annotations

import great_expectations as gx
import pytest

from amisdw.extracts.contract import FAMILIES, FieldType
from amisdw.quality.suites import contract_suite, load_suite


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_suite_file_matches_the_contract(family):
    assert load_suite(family) == contract_suite(family)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_every_code_set_required_field_and_key_is_expected(family):
    exps = load_suite(family)["expectations"]
    by_check = {e["meta"]["check"]: e for e in exps}
    for f in family.fields:
        if f.allowed is not None:
            values = by_check[f"code_set:{f.column}"]["kwargs"]["value_set"]
            expected = (
                [int(v) for v in f.allowed] if f.type is FieldType.INTEGER else list(f.allowed)
            )
            assert values == expected
        if f.required:
            assert f"required:{f.column}" in by_check
    assert "unique_key" in by_check
    # the suite is valid GX 1.x
    suite = gx.ExpectationSuite(**load_suite(family))
    assert len(suite.expectations) == len(exps)


def test_activity_checks_attendance_against_duty_days():
    exps = load_suite(next(f for f in FAMILIES if f.name == "ACTIVITY"))["expectations"]
    pair = [e for e in exps if e["meta"]["check"] == "attend_le_duty"][0]
    assert pair["kwargs"]["column_A"] == "duty_days" and pair["kwargs"]["column_B"] == "attend_days"
    assert pair["kwargs"]["or_equal"] is True


def test_a_validated_frame_is_not_kept_by_gx(tmp_path):
    """GX's pandas engine caches each batch it validates and its context stays reachable
    after ingestion; GxSuites drops the batch, so the frame is freed once the caller lets go
    (a 36-month backlog's frames are 0.9 GB)."""
    import gc
    import weakref

    import pandas as pd

    from amisdw.quality.gates import MONTH_COLUMN, GxSuites

    family = next(f for f in FAMILIES if f.name == "ACTIVITY")
    df = pd.DataFrame({fld.column: ["1"] * 50 for fld in family.fields})
    df[MONTH_COLUMN] = "202401"
    suites = GxSuites(tmp_path / "gx")
    suites.validate(family, df, "202401")
    frame = weakref.ref(df)
    del df
    gc.collect()
    assert frame() is None
    assert suites.ctx is not None  # the context itself lives on, for the next batch


def test_dates_outside_the_range_fail_with_their_own_values_even_beyond_pandas_range(tmp_path):
    """The gates hand GX dates as nanosecond timestamps (compared in one step); a year 9999 or
    year 1 does not fit in one, is clamped, and must still fail the range check with its own
    value in the example, as must 1900 (inside pandas' range, before 1950). A null date is
    not out of range (its not-null check is another expectation)."""
    import datetime as dt

    import pyarrow as pa

    from amisdw.extracts.read import arrow_schema
    from amisdw.quality.gates import GateResult, GxSuites, _run_suites

    family = next(f for f in FAMILIES if f.name == "AGENT_EVENT")
    dates = [dt.date(2024, 1, 15), dt.date(1900, 5, 1), None, dt.date(9999, 12, 31)]
    dates.append(dt.date(1, 1, 1))
    n = len(dates)
    columns = {
        "event_no": [f"E{i}" for i in range(n)],
        "agent_code": ["1000000001"] * n,
        "event_type": ["01"] * n,
        "effective_date": dates,
        "make_date": [dt.date(2024, 1, 20)] * n,
        "_source_line": list(range(2, n + 2)),
    }
    schema = arrow_schema(family)
    table = pa.table(
        {f.name: pa.array(columns.get(f.name, [None] * n), f.type) for f in schema}
    ).append_column("_file", pa.array(["AGENT_EVENT_202401.csv"] * n))
    results = {"202401": GateResult("202401", "fp")}
    _run_suites(["202401"], {"202401": {"AGENT_EVENT": table}}, GxSuites(tmp_path), results)
    (finding,) = [f for f in results["202401"].findings if f.check == "date_range:effective_date"]
    assert finding.rows == 3
    assert finding.file == "AGENT_EVENT_202401.csv"
    assert finding.message == "effective_date outside [1950-01-01, 2099-12-31]"
    assert finding.examples == [
        {"_source_line": 3, "effective_date": "1900-05-01"},
        {"_source_line": 5, "effective_date": "9999-12-31"},
        {"_source_line": 6, "effective_date": "0001-01-01"},
    ]
    assert not [f for f in results["202401"].findings if f.check == "date_range:make_date"]


def test_validations_draw_no_progress_bars(tmp_path, capfd):
    """GX draws a tqdm bar on stderr for every validation unless told not to; ingestion
    validates a dozen families a month, and its own progress lines and schedulers' logs were
    drowned in "Calculating Metrics" bars."""
    import pandas as pd

    from amisdw.quality.gates import MONTH_COLUMN, GxSuites

    family = next(f for f in FAMILIES if f.name == "ACTIVITY")
    df = pd.DataFrame({fld.column: ["1"] * 50 for fld in family.fields})
    df[MONTH_COLUMN] = "202401"
    suites = GxSuites(tmp_path / "gx")
    capfd.readouterr()
    suites.validate(family, df, "202401")
    err = capfd.readouterr().err
    assert "Calculating Metrics" not in err and "it/s" not in err
