"""``amisdw report``: execute the quarterly-review notebook headless and write the executed
notebook plus a self-contained HTML file (charts embedded as data URIs, code hidden)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from amisdw import settings
from amisdw.errors import AmisdwError
from amisdw.readers.warehouse import connect, find_org, head_office
from amisdw.report.params import inject_parameters
from amisdw.report.review import check_quarter, default_quarter

NOTEBOOK = settings.PROJECT_ROOT / "notebooks" / "quarterly_review.ipynb"
CELL_TIMEOUT_SECONDS = 600
_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
# the lab template's loader of mermaid.js from a CDN (the report has no mermaid diagrams)
_MERMAID_LOADER = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>", re.S
)


class ReportError(AmisdwError):
    """The review notebook failed to run or render."""


@dataclass(frozen=True)
class Rendered:
    html: Path
    notebook: Path
    quarter: str
    org_id: str
    org_name: str


def report_stem(org_id: str, quarter: str) -> str:
    """The file name (without suffix) of the review of an org and quarter, HTML or workbook."""
    return f"quarterly_review_{org_id}_{quarter}"


def resolve(warehouse: Path, quarter: str | None, org_id: str | None) -> tuple[str, str, str]:
    """Check the parameters against the warehouse before starting a kernel.

    Returns (quarter, org_id, org_name); a quarter without data lists the loaded quarters.
    """
    con = connect(warehouse)
    try:
        chosen = quarter or default_quarter(con)
        check_quarter(con, chosen)
        org = find_org(con, org_id) if org_id else head_office(con)
        return chosen, org.org_id, org.org_name
    finally:
        con.close()


def _section_names(nb: nbformat.NotebookNode) -> list[str]:
    """For each cell, the heading of the markdown section it sits in (for progress)."""
    names, current = [], "准备"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    current = line.lstrip("#").strip()
                    break
        names.append(current)
    return names


def execute(
    nb: nbformat.NotebookNode,
    cwd: Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> nbformat.NotebookNode:
    """Run every cell in a fresh python3 kernel; progress(done, total, section) per code cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    names = _section_names(nb)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    total = len(code_cells)
    done = 0

    def on_cell_executed(**kwargs: Any) -> None:
        nonlocal done
        done += 1
        index = kwargs.get("cell_index", 0)
        if progress:
            progress(done, total, names[index] if index < len(names) else "")

    with tempfile.TemporaryDirectory(prefix="amisdw-kernel-") as sockets:
        # IPC sockets in a private folder: no TCP ports, no "unencrypted TCP" warning.
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(sockets) / "kernel")
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT_SECONDS,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
            on_cell_executed=on_cell_executed,
            config=config,
        )
        try:
            client.execute()
        except CellExecutionError as exc:
            raise ReportError(_cell_error(exc)) from exc
    return nb


def _cell_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"the review notebook stopped with {ename}: {evalue}".strip()


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Self-contained HTML: code cells hidden, images inline, no external scripts."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return _MERMAID_LOADER.sub("", _EXTERNAL_SCRIPT.sub("", body))


def render_report(
    warehouse: Path,
    out: Path,
    quarter: str | None = None,
    org_id: str | None = None,
    notebook: Path = NOTEBOOK,
    progress: Callable[[int, int, str], None] | None = None,
) -> Rendered:
    """Execute the review for (quarter, org) and write ``<out>/<name>.ipynb`` and ``.html``."""
    chosen, org, org_name = resolve(warehouse, quarter, org_id)
    if not notebook.exists():
        raise ReportError(f"The review notebook {notebook} is missing from the repository.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"Cannot create the output folder {out}: {exc}") from exc
    nb = inject_parameters(
        nbformat.read(notebook, as_version=4),
        {"warehouse": str(warehouse), "quarter": chosen, "org_id": org},
    )
    stem = report_stem(org, chosen)
    nb_path, html_path = out / f"{stem}.ipynb", out / f"{stem}.html"
    try:
        execute(nb, cwd=notebook.parent, progress=progress)
    except ReportError as exc:
        nbformat.write(nb, nb_path)
        raise ReportError(f"{exc} (the partly executed notebook is {nb_path})") from exc
    nbformat.write(nb, nb_path)
    html_path.write_text(to_html(nb, f"{org_name} {chosen} 季度经营回顾"), encoding="utf-8")
    return Rendered(html_path, nb_path, chosen, org, org_name)
