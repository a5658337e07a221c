"""Where an incremental refresh starts (build_state.restatement): the earliest new or
re-delivered month less the restatement window, or a full build. Months worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import duckdb

from amisdw.build_state import BuildInputs, restatement
from amisdw.sequencing import month_range

# 2009-11 .. 2011-02: 16 months, from an odd start
HISTORY = {month: f"fp-{month}" for month in month_range("200911", "201102")}
BUILT = BuildInputs(HISTORY, "code-1", '{"replay_max_disagreement_share": 0.005}', "duckdb")


def test_one_new_month_refreshes_from_six_months_before_it():
    now = replace(BUILT, deliveries={**HISTORY, "201103": "fp-201103"})
    plan = restatement(BUILT, now, 6)
    assert plan.restate_from == "2010-09-01"  # 2011-03 less 6 months
    assert "201103" in plan.reason


def test_a_redelivered_month_moves_the_start_back_across_a_year_end():
    now = replace(BUILT, deliveries={**HISTORY, "201006": "fp-201006-corrected"})
    assert restatement(BUILT, now, 6).restate_from == "2009-12-01"
    assert restatement(BUILT, now, 3).restate_from == "2010-03-01"


def test_a_window_that_reaches_the_first_month_is_a_full_build():
    now = replace(BUILT, deliveries={**HISTORY, "201005": "fp-201005-corrected"})
    plan = restatement(BUILT, now, 6)  # 2010-05 less 6 = 2009-11, the first loaded month
    assert plan.restate_from is None and "200911" in plan.reason


def test_nothing_new_recomputes_only_the_window_before_the_latest_month():
    assert restatement(BUILT, BUILT, 6).restate_from == "2010-08-01"
    assert restatement(BUILT, BUILT, 0).restate_from == "2011-02-01"


def test_anything_the_tables_depend_on_besides_deliveries_forces_a_full_build():
    assert restatement(None, BUILT, 6).restate_from is None
    for changed in (
        replace(BUILT, code_version="code-2"),
        replace(BUILT, dbt_vars='{"replay_max_disagreement_share": 0.01}'),
        replace(BUILT, engine="spark"),
    ):
        plan = restatement(BUILT, changed, 6)
        assert plan.restate_from is None and plan.reason.startswith("full build")
    spark = replace(BUILT, engine="spark")
    assert restatement(spark, spark, 6).restate_from is None


def test_a_month_no_longer_loaded_forces_a_full_build():
    fewer = dict(HISTORY)
    del fewer["201012"]
    plan = restatement(BUILT, replace(BUILT, deliveries=fewer), 6)
    assert plan.restate_from is None and "201012" in plan.reason


def test_the_build_record_round_trips_and_a_build_under_way_has_none(tmp_path):
    from amisdw.build_state import last_build, record_build

    build = tmp_path / "w.build.duckdb"
    assert last_build(build) is None  # no file yet
    with duckdb.connect(str(build)) as con:
        con.execute("CREATE SCHEMA raw")
    record_build(build, BUILT)
    assert last_build(build) == BUILT
    record_build(build, None)  # a build starts: until it succeeds, nothing is recorded
    assert last_build(build) is None


def _one_month_published(tmp_path, published_columns: str):
    """A build file holding one delivery and a published file recording the same delivery,
    this dbt project's version and ``published_columns`` (SQL select items) in meta.published."""
    from amisdw.build_state import dbt_code_version

    build, published = tmp_path / "w.build.duckdb", tmp_path / "w.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw._deliveries AS SELECT '201003' AS delivery_month, "
            "'fp-1' AS fingerprint, now()::TIMESTAMP AS loaded_at"
        )
    with duckdb.connect(str(published)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute(
            "CREATE TABLE meta.deliveries AS SELECT '201003' AS delivery_month, "
            "'fp-1' AS fingerprint"
        )
        con.execute(
            f"CREATE TABLE meta.published AS SELECT ? AS dbt_code_version, {published_columns}",
            [dbt_code_version()],
        )
    return build, published


def test_a_warehouse_published_by_the_other_engine_or_other_vars_is_not_up_to_date(tmp_path):
    from amisdw.build_state import is_up_to_date

    build, published = _one_month_published(
        tmp_path,
        """'duckdb' AS engine, '{"replay_max_disagreement_share": 0.2}' AS dbt_vars""",
    )
    built_with = {"replay_max_disagreement_share": 0.2}
    assert is_up_to_date(build, published, "duckdb", built_with)
    assert not is_up_to_date(build, published, "spark", built_with)
    # a stricter disagreement threshold must re-run the gate, not keep the old publish
    assert not is_up_to_date(build, published, "duckdb", {"replay_max_disagreement_share": 0.005})


def test_a_warehouse_published_before_the_vars_were_recorded_is_rebuilt_once(tmp_path):
    from amisdw.build_state import is_up_to_date

    build, published = _one_month_published(tmp_path, "'duckdb' AS engine")
    assert not is_up_to_date(build, published, "duckdb", {"replay_max_disagreement_share": 0.005})
