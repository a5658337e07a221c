"""The data catalogue: ``dbt docs generate`` as a static site (every model and column with its
description, tests and lineage), for analysts to open from disk.

:func:`build_docs` runs dbt against the **build** warehouse of a published file (the catalogue
needs the column types of every layer, which only the build file holds), in a private target
folder so it never disturbs the pipeline's ``dbt_project/target``, and copies
``static_index.html`` (one self-contained page: open it with a browser, no server needed), plus
``index.html``, ``manifest.json`` and ``catalog.json`` into ``target_dir``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from amisdw import settings
from amisdw.errors import AmisdwError

DOCS_FILES = ("static_index.html", "index.html", "manifest.json", "catalog.json")


class DocsError(AmisdwError):
    """dbt docs generate failed or had no warehouse to read."""


@dataclass(frozen=True)
class Docs:
    folder: Path
    static_index: Path
    log: Path


def _dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def build_docs(target_dir: Path, warehouse: Path | None = None, timeout: float = 900) -> Docs:
    """Generate the dbt docs site for the build warehouse of ``warehouse`` into ``target_dir``.

    ``warehouse`` is the published file (default: $AMISDW_WAREHOUSE or data/warehouse.duckdb);
    dbt reads its build file, ``<name>.build.duckdb`` next to it. Call after a successful
    publish; the log of the dbt run is ``target_dir/dbt-docs.log``.
    """
    published = settings.published_path(warehouse)
    build = settings.build_path(published)
    if not build.exists():
        raise DocsError(
            f"No build warehouse at {build}: the data catalogue is generated from the build file "
            f"that `amisdw run --warehouse {published}` leaves next to the published one. "
            "Run `amisdw run` first."
        )
    target_dir.mkdir(parents=True, exist_ok=True)
    log = target_dir / "dbt-docs.log"
    env = {**os.environ, settings.WAREHOUSE_ENV: str(published)}
    with tempfile.TemporaryDirectory(prefix="amisdw-docs-") as tmp:
        cmd = [
            _dbt_executable(),
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(settings.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            "--target-path",
            tmp,
            "--log-path",
            tmp,
        ]
        try:
            with log.open("w", encoding="utf-8") as fh:
                result = subprocess.run(
                    cmd,
                    cwd=settings.DBT_PROJECT_DIR,
                    env=env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
        except subprocess.TimeoutExpired as exc:
            raise DocsError(f"dbt docs generate took over {timeout:.0f} s; see {log}.") from exc
        except OSError as exc:
            raise DocsError(f"Cannot run dbt ({exc}); run `uv sync` to install it.") from exc
        missing = [name for name in DOCS_FILES if not (Path(tmp) / name).exists()]
        if result.returncode != 0 or missing:
            tail = " ".join(log.read_text(encoding="utf-8").strip().splitlines()[-3:])
            raise DocsError(
                f"dbt docs generate failed (exit {result.returncode}): {tail} — full log {log}. "
                "If another `amisdw run` is writing the build warehouse, retry when it is done."
            )
        for name in DOCS_FILES:
            shutil.copy2(Path(tmp) / name, target_dir / name)
    return Docs(target_dir, target_dir / "static_index.html", log)
