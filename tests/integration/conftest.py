"""Shared end-to-end fixtures: generated inboxes built into published warehouses, once per
session (each costs a full `amisdw generate` + `amisdw run`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from amisdw.cli import main


@dataclass(frozen=True)
class Built:
    inbox: Path
    warehouse: Path  # the published file
    output: str

    @property
    def build(self) -> Path:
        return self.warehouse.with_name(self.warehouse.name.replace(".duckdb", ".build.duckdb"))

    def copy_to(self, dest: Path) -> tuple[Path, Path]:
        """A private copy of the inbox and the warehouse folder under ``dest``, to change
        without disturbing the other tests: (inbox, published file)."""
        inbox, wh = dest / "inbox", dest / "wh"
        shutil.copytree(self.inbox, inbox)
        shutil.copytree(self.warehouse.parent, wh)
        return inbox, wh / self.warehouse.name


def generate_and_run(
    root: Path, size: str, months: int, seed: int, unit_tests: bool = False
) -> Built:
    inbox, warehouse = root / "inbox", root / "wh" / "warehouse.duckdb"
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--size",
            size,
            "--start",
            "202301",
            "--months",
            str(months),
            "--seed",
            str(seed),
            "--out",
            str(inbox),
        ],
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        main,
        ["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--no-docs"],
        env={"AMISDW_UNIT_TESTS": "1" if unit_tests else "0"},
    )
    assert result.exit_code == 0, result.output
    return Built(inbox, warehouse, result.output)


@pytest.fixture(scope="session")
def tiny15(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`tiny` over 15 months: long enough for 13-month retention and persistency. Its build
    runs every dbt unit test too."""
    return generate_and_run(tmp_path_factory.mktemp("tiny15"), "tiny", 15, 11, unit_tests=True)


@pytest.fixture(scope="session")
def demo8(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`demo` (~20,000 agents, 3 provinces) over 8 months: long enough for 3- and 7-month
    cohorts (13-month ones are checked on tiny15), short enough for CI."""
    return generate_and_run(tmp_path_factory.mktemp("demo8"), "demo", 8, 7)
