"""Suite-wide settings: skip the data catalogue (dbt docs, ~15 s) in every `amisdw run` of
the suite, except where a test asks for it (test_run_tiny checks the run builds it)."""

from __future__ import annotations

import os

os.environ.setdefault("AMISDW_DOCS", "0")
