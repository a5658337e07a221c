"""Suite-wide settings: skip the data catalogue (dbt docs, ~15 s) and dbt's unit tests (~6 s)
in every `amisdw run` of the suite, except where a test asks for them (test_run_tiny checks
the run builds the catalogue; the tiny15 build and the runs called by path in a bare
environment run every unit test, as `amisdw run` does by default)."""

from __future__ import annotations

import os

os.environ.setdefault("AMISDW_DOCS", "0")
os.environ.setdefault("AMISDW_UNIT_TESTS", "0")
