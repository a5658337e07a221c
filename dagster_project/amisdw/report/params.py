"""Quarters and notebook parameters: pure functions, no warehouse access."""

from __future__ import annotations

import re
from typing import Any

import nbformat

QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def parse_quarter(quarter: str) -> tuple[int, int]:
    m = QUARTER_RE.match(quarter)
    if not m:
        raise ValueError(f"{quarter!r} is not a quarter as YYYYQn (e.g. 2024Q1)")
    return int(m.group(1)), int(m.group(2))


def shift_quarter(quarter: str, by: int) -> str:
    """`2024Q1` shifted by -1 → `2023Q4`; by -4 → `2023Q1`."""
    year, q = parse_quarter(quarter)
    index = year * 4 + (q - 1) + by
    return f"{index // 4}Q{index % 4 + 1}"


def quarter_months(quarter: str) -> list[str]:
    """The month labels (as marts.kpi periods) of a quarter: 2024Q1 → 2024-01 … 2024-03."""
    year, q = parse_quarter(quarter)
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def quarter_label_zh(quarter: str) -> str:
    year, q = parse_quarter(quarter)
    return f"{year}年第{q}季度"


def parameters_source(values: dict[str, Any]) -> str:
    """Python source assigning each parameter (repr of str / int / None / bool values)."""
    lines = ["# Parameters injected by `amisdw report`"]
    for name, value in values.items():
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a parameter name")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise TypeError(f"parameter {name} must be str, number, bool or None")
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines) + "\n"


def inject_parameters(nb: nbformat.NotebookNode, values: dict[str, Any]) -> nbformat.NotebookNode:
    """A copy of ``nb`` with a cell tagged ``injected-parameters`` right after the cell tagged
    ``parameters`` (papermill's convention), replacing an earlier injected cell."""
    out = nbformat.from_dict(nb)
    cells = [c for c in out.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    position = next(
        (
            i + 1
            for i, c in enumerate(cells)
            if c.cell_type == "code" and PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])
        ),
        0,
    )
    cell = nbformat.v4.new_code_cell(parameters_source(values))
    cell.metadata["tags"] = [INJECTED_TAG]
    cells.insert(position, cell)
    out.cells = cells
    return out
