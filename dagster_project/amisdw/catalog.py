"""The data catalogue: ``dbt docs generate`` as a static site (every model and column with its
description, tests and lineage), for analysts to open from disk.

:func:`build_docs` runs dbt against the **build** warehouse of a published file (the catalogue
needs the column types of every layer, which only the build file holds), in a private target
folder so it never disturbs any run's artifacts, and copies
``static_index.html`` (one self-contained page: open it with a browser, no server needed), plus
``index.html``, ``manifest.json`` and ``catalog.json`` into ``target_dir``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from amisdw.errors import AmisdwError
from amisdw.settings import DBT_PROJECT_DIR, Settings

DOCS_FILES = ("static_index.html", "index.html", "manifest.json", "catalog.json")


class DocsError(AmisdwError):
    """dbt docs generate failed or had no warehouse to read."""


@dataclass(frozen=True)
class Docs:
    folder: Path
    static_index: Path
    log: Path


def build_docs(settings: Settings, target_dir: Path | None = None, timeout: float = 900) -> Docs:
    """Generate the dbt docs site for the build warehouse of ``settings`` into ``target_dir``
    (default: the warehouse's docs folder). Call after a successful publish; the log of the
    dbt run is ``target_dir/dbt-docs.log``."""
    target_dir = target_dir or settings.docs_dir
    if not settings.build.exists():
        raise DocsError(
            f"No build warehouse at {settings.build}: the data catalogue is generated from the "
            f"build file that `amisdw run --warehouse {settings.published}` leaves next to the "
            "published one. Run `amisdw run` first."
        )
    settings.prepare_folders()
    target_dir.mkdir(parents=True, exist_ok=True)
    log = target_dir / "dbt-docs.log"
    with tempfile.TemporaryDirectory(prefix="amisdw-docs-") as tmp:
        cmd = [
            str(settings.dbt_executable),
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(settings.dbt_dir),
            "--target-path",
            tmp,
            "--log-path",
            tmp,
        ]
        try:
            with log.open("w", encoding="utf-8") as fh:
                result = subprocess.run(
                    cmd,
                    cwd=DBT_PROJECT_DIR,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
        except subprocess.TimeoutExpired as exc:
            raise DocsError(f"dbt docs generate took over {timeout:.0f} s; see {log}.") from exc
        except OSError as exc:
            raise DocsError(
                f"Cannot run {settings.dbt_executable} ({exc}); run `uv sync` to install it."
            ) from exc
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
