"""``amisdw``: the command line (a thin face over the pipeline's functions)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from amisdw import settings
from amisdw.errors import AmisdwError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DEMO = {"size": "demo", "start": "202301", "months": 24, "seed": 7}


class AmisdwGroup(click.Group):
    """Expected failures print one paragraph and exit non-zero, without a traceback."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except AmisdwError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
            sys.exit(exc.exit_code)


@click.group(cls=AmisdwGroup)
@click.version_option(package_name="amisdw")
def main() -> None:
    """amisdw: the analytics warehouse for AMIS agency-force extracts."""


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from amisdw.extracts.control import MONTH_RE

    if value is not None and not MONTH_RE.match(value):
        raise click.BadParameter(f"{value!r} is not a month as YYYYMM (e.g. 202401)")
    return value


@main.command()
@click.option(
    "--size",
    type=click.Choice(["tiny", "demo", "national"]),
    default=DEMO["size"],
    show_default=True,
    help="tiny ≈ 250 agents; demo ≈ 20,000; national ≈ 1,000,000",
)
@click.option(
    "--start",
    default=DEMO["start"],
    show_default=True,
    callback=_month,
    help="first delivery month, YYYYMM",
)
@click.option("--months", type=click.IntRange(1, 240), default=DEMO["months"], show_default=True)
@click.option("--seed", type=int, default=DEMO["seed"], show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=settings.DEFAULT_INBOX,
    show_default=True,
    help="inbox folder to write month folders into",
)
@click.option(
    "--encoding",
    type=click.Choice(["mixed", "gb18030", "utf-8", "utf-8-sig"]),
    default="mixed",
    show_default=True,
    help="mixed = mostly GB18030 with some UTF-8 files, so both paths are exercised",
)
@click.option(
    "--headers",
    type=click.Choice(["mixed", "captions", "codes"]),
    default="mixed",
    show_default=True,
    help="header row: Chinese captions, field codes, or a mix",
)
@click.option(
    "--redeliver",
    default=None,
    callback=_month,
    help="rewrite only this month's folder as a corrected re-delivery",
)
def generate(
    size: str,
    start: str,
    months: int,
    seed: int,
    out: Path,
    encoding: str,
    headers: str,
    redeliver: str | None,
) -> None:
    """Write synthetic AMIS-style extracts (same arguments give byte-identical files)."""
    from amisdw.generate import generate as run_generate

    t0 = time.perf_counter()
    with console.status(f"generating {size} extracts into {out} …") as status:
        summary = run_generate(
            out=out,
            size=size,
            start=start,
            months=months,
            seed=seed,
            encoding=encoding,
            headers=headers,
            redeliver=redeliver,
            progress=lambda msg: status.update(msg),
        )
    console.print(f"wrote {summary} in {time.perf_counter() - t0:.1f} s")


@main.command()
@click.option(
    "--inbox",
    type=click.Path(path_type=Path),
    default=None,
    help=f"delivery inbox [default: $AMISDW_INBOX or {settings.DEFAULT_INBOX}]",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    default=None,
    help=f"published warehouse file [default: $AMISDW_WAREHOUSE or {settings.DEFAULT_WAREHOUSE}]",
)
@click.option("--verbose", is_flag=True, help="show Dagster and dbt logs")
def run(inbox: Path | None, warehouse: Path | None, verbose: bool) -> None:
    """Load new deliveries, build and test every model, publish if the gates pass."""
    from amisdw.pipeline import check_not_error, run_pipeline

    inbox_dir = settings.inbox_path(inbox)
    published = settings.published_path(warehouse)
    if inbox is None and not inbox_dir.exists():
        from amisdw.generate import generate as run_generate

        console.print(
            f"No inbox at {inbox_dir}: generating the demo deliveries first "
            f"(amisdw generate --size demo --start {DEMO['start']} "
            f"--months {DEMO['months']} --seed {DEMO['seed']}) …"
        )
        with console.status("generating demo extracts …") as status:
            run_generate(out=inbox_dir, progress=lambda msg: status.update(msg), **DEMO)
    elif not inbox_dir.is_dir():
        raise AmisdwError(
            f"Inbox {inbox_dir} does not exist. Pass --inbox DIR (a folder of "
            "YYYYMM month folders), or run `amisdw generate --out DIR` first."
        )
    t0 = time.perf_counter()
    with console.status("running …") as status:
        summary = run_pipeline(
            inbox_dir, published, log=lambda m: status.update(m), verbose=verbose
        )
    _print_summary(summary, time.perf_counter() - t0)
    check_not_error(summary)


def _print_summary(summary, seconds: float) -> None:  # noqa: ANN001 - RunSummary
    console.print(f"[bold]inbox[/] {summary.inbox}  →  [bold]warehouse[/] {summary.published}")
    console.print(f"months loaded: {', '.join(summary.loaded) or 'none'}")
    for month, why in summary.skipped:
        console.print(f"  skipped {month}: {why}")
    for month, why in summary.failed:
        console.print(f"  [red]rejected {month}[/]: {why}")
    for warning in summary.warnings[:10]:
        console.print(f"  [yellow]warning[/]: {warning}")
    if len(summary.warnings) > 10:
        console.print(f"  … and {len(summary.warnings) - 10} more warnings")
    table = Table(title="raw rows (build warehouse)", show_edge=False)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in summary.raw_rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if summary.dbt_results:
        console.print("dbt build: " + ", ".join(f"{k} {v}" for k, v in summary.dbt_results.items()))
    for failure in summary.dbt_failures[:5]:
        console.print(f"  [red]failed[/] {failure}")
    if summary.publish_skipped:
        console.print(f"[red]{summary.publish_skipped}[/]")
    elif summary.published_tables:
        console.print(
            f"published {len(summary.published_tables)} tables "
            f"({sum(summary.published_tables.values()):,} rows)"
        )
    if summary.log_file:
        console.print(f"Dagster and dbt log: {summary.log_file}")
    console.print(f"done in {seconds:.1f} s")


if __name__ == "__main__":
    main()
