"""The KPI catalogue (dbt_project/seeds/kpi_catalogue.csv) says where each KPI is computed
(computed_in: a dbt model) and which dbt unit tests pin its definition (pinned_by: unit tests of
that model). Both are checked against the dbt manifest: the model exists, every named unit test
exists and tests that model, and no KPI is left unpinned unless its row says why
(`none: <reason>`).

The manifest is dbt_project/target/manifest.json when it is newer than every project file
(a `dbt parse` or build has just written it), else a fresh `dbt parse` into a temporary folder."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from amisdw import settings
from amisdw.orchestration.dbt_assets import manifest_is_stale

DBT = str(Path(sys.executable).with_name("dbt"))
CATALOGUE = settings.DBT_PROJECT_DIR / "seeds" / "kpi_catalogue.csv"
PROJECT_MANIFEST = settings.DBT_PROJECT_DIR / "target" / "manifest.json"
UNPINNED = "none:"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = PROJECT_MANIFEST
    if manifest_is_stale(settings.DBT_PROJECT_DIR, path):
        tmp = tmp_path_factory.mktemp("dbt_parse")
        (tmp / "profiles.yml").write_text(
            "amisdw:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
            f"      path: '{tmp / 'parse.duckdb'}'\n",
            encoding="utf-8",
        )
        subprocess.run(
            [DBT, "parse", "--quiet", "--profiles-dir", str(tmp), "--target-path", str(tmp)],
            cwd=settings.DBT_PROJECT_DIR,
            check=True,
        )
        path = tmp / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))


def catalogue() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def catalogue_problems(rows: list[dict[str, str]], manifest: dict) -> list[str]:
    """Every way a catalogue row fails to name its model and its pinning unit tests."""
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    unit_tests: dict[str, set[str]] = {}
    for t in manifest["unit_tests"].values():
        unit_tests.setdefault(t["name"], set()).add(t["model"])
    problems = []
    for r in rows:
        code, model = r["kpi_code"], (r.get("computed_in") or "").strip()
        pinned = (r.get("pinned_by") or "").strip()
        if not model:
            problems.append(f"{code}: computed_in is empty")
        elif model not in models:
            problems.append(f"{code}: computed_in {model!r} is not a model of the dbt project")
        if pinned.startswith(UNPINNED):
            if not pinned[len(UNPINNED) :].strip():
                problems.append(f"{code}: pinned_by says none but gives no reason")
            continue
        names = [n.strip() for n in pinned.split(";") if n.strip()]
        if not names:
            problems.append(f"{code}: pinned_by names no unit test (nor `none: <reason>`)")
        for name in names:
            if name not in unit_tests:
                problems.append(f"{code}: pinned_by {name!r} is not a unit test of the project")
            elif model not in unit_tests[name]:
                tested = ", ".join(sorted(unit_tests[name]))
                problems.append(f"{code}: unit test {name!r} tests {tested}, not {model}")
    return problems


def test_every_kpi_is_computed_in_a_model_and_pinned_by_its_unit_tests(manifest):
    rows = catalogue()
    assert rows
    problems = catalogue_problems(rows, manifest)
    assert not problems, "kpi_catalogue.csv:\n" + "\n".join(problems)


def test_every_catalogue_column_is_documented(manifest):
    """The seed's YAML describes every column of the CSV (computed_in and pinned_by included)."""
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    seed = manifest["nodes"]["seed.amisdw.kpi_catalogue"]
    undocumented = [c for c in header if not seed["columns"].get(c, {}).get("description")]
    assert not undocumented, f"kpi_catalogue columns without a description: {undocumented}"


def test_the_check_names_each_kind_of_problem():
    """The checker itself, on a hand-made manifest: an unknown model (its unit test then tests
    another model), an unknown unit test, a unit test of another model, an empty pinned_by and
    a `none:` without reason are each reported; a `none: <reason>` row and a correct row are
    not."""
    manifest = {
        "nodes": {
            "model.p.m1": {"name": "m1", "resource_type": "model"},
            "model.p.m2": {"name": "m2", "resource_type": "model"},
            "test.p.t": {"name": "t", "resource_type": "test"},
        },
        "unit_tests": {
            "unit_test.p.m1.u1": {"name": "u1", "model": "m1"},
            "unit_test.p.m2.u2": {"name": "u2", "model": "m2"},
        },
    }
    rows = [
        {"kpi_code": "ok", "computed_in": "m1", "pinned_by": "u1"},
        {"kpi_code": "no_model", "computed_in": "t", "pinned_by": "u1"},
        {"kpi_code": "no_test", "computed_in": "m1", "pinned_by": "u1;u9"},
        {"kpi_code": "other_model", "computed_in": "m1", "pinned_by": "u2"},
        {"kpi_code": "empty", "computed_in": "m2", "pinned_by": ""},
        {"kpi_code": "reason", "computed_in": "m2", "pinned_by": "none: needs a full build"},
        {"kpi_code": "no_reason", "computed_in": "m2", "pinned_by": "none:"},
    ]
    assert catalogue_problems(rows, manifest) == [
        "no_model: computed_in 't' is not a model of the dbt project",
        "no_model: unit test 'u1' tests m1, not t",
        "no_test: pinned_by 'u9' is not a unit test of the project",
        "other_model: unit test 'u2' tests m2, not m1",
        "empty: pinned_by names no unit test (nor `none: <reason>`)",
        "no_reason: pinned_by says none but gives no reason",
    ]
