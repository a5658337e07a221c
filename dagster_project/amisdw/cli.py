"""``amisdw``: the command line (a thin face over the pipeline's functions)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from amisdw.errors import AmisdwError
from amisdw.settings import DEFAULT_INBOX, DEFAULT_WAREHOUSE, ENGINES, Settings

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

DEMO = {"size": "demo", "start": "202301", "months": 24, "seed": 7}


CRASH_LOG = Path(tempfile.gettempdir()) / "amisdw-crash.log"


class AmisdwGroup(click.Group):
    """Expected failures print one paragraph and exit non-zero, without a traceback; an
    unexpected one prints one paragraph too, with the traceback written to a file."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except AmisdwError as exc:
            _fail(str(exc), exc.exit_code)
        except OSError as exc:  # the machine, not the data: disk full, no permission
            from amisdw.errors import describe_os_error

            _fail(describe_os_error(exc, None), 2)
        except KeyboardInterrupt:
            _fail(
                "Interrupted. A run that was interrupted left the published warehouse as it "
                "was; run it again.",
                130,
            )
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence, logged in full
            import traceback

            CRASH_LOG.write_text(traceback.format_exc(), encoding="utf-8")
            _fail(
                f"Unexpected error: {type(exc).__name__}: {exc}. This is a bug in amisdw, not in "
                f"your data: the published warehouse was left as it was. The details are in "
                f"{CRASH_LOG}; please report them.",
                3,
            )


def _fail(message: str, code: int) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    sys.exit(code)


def _settings(**overrides: object) -> Settings:
    """The run's settings: the environment, then the command line's options."""
    return Settings.from_env(**overrides)


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
    default=DEFAULT_INBOX,
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
@click.option(
    "--defects",
    is_flag=True,
    help="then inject one defect a quality gate must catch per month, from the 2nd month on "
    "(listed in <out>/.defects.json)",
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
    defects: bool,
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
    if defects:
        from amisdw.generate.dates import parse_yyyymm, yyyymm
        from amisdw.generate.defects import inject_all

        first = parse_yyyymm(start)
        made = inject_all(out, [yyyymm(first + i) for i in range(months)])
        for d in made:
            console.print(
                f"  defect {d.kind}: {d.month}/{d.file} — check {d.check}, {d.rows} row(s)"
            )
        console.print(f"defects listed in {out / '.defects.json'}")


@main.command()
@click.option(
    "--inbox",
    type=click.Path(path_type=Path),
    default=None,
    help=f"delivery inbox [default: $AMISDW_INBOX or {DEFAULT_INBOX}]",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    default=None,
    help=f"published warehouse file [default: $AMISDW_WAREHOUSE or {DEFAULT_WAREHOUSE}]",
)
@click.option(
    "--first-month",
    default=None,
    callback=_month,
    help="ignore month folders before this YYYYMM [default: $AMISDW_FIRST_MONTH, else none]",
)
@click.option("--verbose", is_flag=True, help="show Dagster and dbt logs")
@click.option(
    "--quiet",
    is_flag=True,
    help="for schedulers (cron, systemd): no progress display and no raw-rows table",
)
@click.option(
    "--docs/--no-docs",
    default=None,
    help="build the data catalogue (dbt docs) next to the warehouse after a publish "
    "[default: $AMISDW_DOCS, else yes]",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="where dbt builds: duckdb, or spark (a local Spark session; needs `uv sync --extra "
    "spark`) [default: $AMISDW_ENGINE or duckdb]",
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="rebuild every model over the whole history instead of refreshing the incremental "
    "ones from the restatement window [default: $AMISDW_INCREMENTAL=0 does the same]",
)
def run(
    inbox: Path | None,
    warehouse: Path | None,
    first_month: str | None,
    verbose: bool,
    quiet: bool,
    docs: bool | None,
    engine: str | None,
    full_refresh: bool,
) -> None:
    """Load new deliveries, build and test every model, publish if the gates pass."""
    from amisdw.pipeline import check_not_error, run_pipeline

    settings = _settings(
        inbox=inbox,
        warehouse=warehouse,
        first_month=first_month,
        docs=docs,
        engine=engine,
        incremental=False if full_refresh else None,
    )
    if settings.engine == "spark":
        from amisdw.spark import require_spark

        require_spark(settings)  # before generating demo data: say what to install first
    if settings.inbox_path == DEFAULT_INBOX and not settings.inbox_path.exists():
        from amisdw.generate import generate as run_generate

        console.print(
            f"No inbox at {settings.inbox_path}: generating the demo deliveries first "
            f"(amisdw generate --size demo --start {DEMO['start']} "
            f"--months {DEMO['months']} --seed {DEMO['seed']}) …"
        )
        with console.status("generating demo extracts …") as status:
            run_generate(out=settings.inbox_path, progress=lambda msg: status.update(msg), **DEMO)
    t0 = time.perf_counter()
    if quiet or verbose:  # verbose: Dagster's and dbt's own log is the progress
        summary = run_pipeline(settings, log=lambda _: None, verbose=verbose, rebuild=full_refresh)
    else:
        from amisdw.terminal_progress import TerminalProgress

        with TerminalProgress() as bars:
            summary = run_pipeline(settings, log=bars.status, progress=bars, rebuild=full_refresh)
    _print_summary(summary, settings, time.perf_counter() - t0, quiet)
    check_not_error(summary)


def _print_summary(  # noqa: ANN001 - summary: RunSummary
    summary, settings: Settings, seconds: float, quiet: bool = False
) -> None:
    console.print(f"[bold]inbox[/] {summary.inbox}  →  [bold]warehouse[/] {summary.published}")
    console.print(f"months loaded: {_months_text(summary.loaded)}")
    for month, why in summary.skipped:
        if not why.startswith("already loaded"):
            console.print(f"  skipped {month}: {escape(why)}")
    current = sum(1 for _, why in summary.skipped if why.startswith("already loaded"))
    if current:
        console.print(f"  {current} month(s) already loaded (same control file)")
    for month, why in summary.failed:
        console.print(f"  [red]rejected {month}[/]: {escape(why)}")
    for warning in summary.warnings[:10]:
        console.print(f"  [yellow]warning[/]: {escape(warning)}")
    if len(summary.warnings) > 10:
        console.print(f"  … and {len(summary.warnings) - 10} more warnings")
    if summary.raw_rows and not quiet:
        table = Table(title="raw rows (build warehouse)", show_edge=False)
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, n in summary.raw_rows.items():
            table.add_row(name, f"{n:,}")
        console.print(table)
    if summary.dbt_results:
        how = (
            f"refreshed from {summary.dbt_restate_from[:7]}"
            if summary.dbt_restate_from
            else "the whole history"
        )
        console.print(
            f"dbt build ({how}): " + ", ".join(f"{k} {v}" for k, v in summary.dbt_results.items())
        )
    for failure in summary.dbt_failures[:5]:
        console.print(f"  [red]failed[/] {escape(failure)}")
    if summary.publish_skipped:
        console.print(f"[red]{escape(summary.publish_skipped)}[/]")
    elif summary.up_to_date:
        console.print(
            "the published warehouse is up to date (same deliveries, same dbt project): "
            "nothing rebuilt or published"
        )
    elif summary.published_tables:
        views = summary.published_views
        console.print(
            f"published {len(summary.published_tables)} tables "
            f"({sum(summary.published_tables.values()):,} rows)"
            + (
                f" and {len(views)} view{'s' if len(views) > 1 else ''} ({', '.join(views)})"
                if views
                else ""
            )
        )
    if summary.kpi_period:
        console.print(_kpi_table(summary))
    if summary.published_tables:
        total = sum(summary.findings.values())
        kinds = ", ".join(f"{k} {n:,}" for k, n in summary.findings.items())
        console.print(
            f"data-quality findings: {total:,}"
            + (f" ({kinds}; see marts.data_quality_findings)" if total else "")
        )
    if summary.docs_index:
        console.print(f"data catalogue: {summary.docs_index}")
    if summary.run_id:
        console.print(f"Dagster run {summary.run_id} (DAGSTER_HOME={settings.dagster_home_path})")
    if summary.log_file:
        console.print(f"Dagster and dbt log: {summary.log_file}")
    console.print(f"done in {seconds:.1f} s")


def _months_text(months: list[str]) -> str:
    if len(months) > 6:
        return f"{len(months)} ({months[0]}…{months[-1]})"
    return ", ".join(months) or "none"


def _kpi_table(summary) -> Table:  # noqa: ANN001 - RunSummary
    from amisdw.readers.catalogue import load_catalogue
    from amisdw.readers.kpi import format_value

    catalogue = load_catalogue()
    table = Table(
        title=f"head office (总公司), {summary.kpi_period}, all channels",
        show_edge=False,
        header_style="bold",
    )
    table.add_column("KPI 指标")
    table.add_column("value", justify="right")
    for code, value in summary.kpis.items():
        entry = catalogue.get(code)
        name = f"{entry.name_zh} {entry.name_en}" if entry else code
        table.add_row(f"{name} [dim]({code})[/]", format_value(value, entry.unit if entry else ""))
    return table


def _warehouse_option(f):  # noqa: ANN001, ANN202 - click decorator
    return click.option(
        "--warehouse",
        type=click.Path(path_type=Path),
        default=None,
        help=f"published warehouse file [default: $AMISDW_WAREHOUSE or {DEFAULT_WAREHOUSE}]",
    )(f)


@main.command()
@_warehouse_option
@click.option("--kpi", "codes", required=True, help="KPI code(s), comma-separated")
@click.option("--level", type=int, default=None, help="org level 1–7 (implied by --org)")
@click.option("--period", required=True, help="2024-03 (month), 2024Q1 (quarter) or 2024 (year)")
@click.option("--org", "org_id", default=None, help="one org_id (else every org of the level)")
@click.option(
    "--channel",
    type=click.Choice(["ALL", "1", "4"]),
    default="ALL",
    show_default=True,
    help="ALL, 1 个险营销 or 4 收展",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def kpi(
    warehouse: Path | None,
    codes: str,
    level: int | None,
    period: str,
    org_id: str | None,
    channel: str,
    fmt: str,
) -> None:
    """Print KPI values from the published warehouse (marts.kpi)."""
    from amisdw.readers.kpi import KpiQuery, format_value, parse_codes, query_kpis, to_csv, to_json
    from amisdw.readers.warehouse import connect

    con = connect(_settings(warehouse=warehouse).published)
    try:
        df = query_kpis(con, KpiQuery(parse_codes(codes), level, period, org_id, channel))
    finally:
        con.close()
    if fmt == "csv":
        click.echo(to_csv(df), nl=False)
        return
    if fmt == "json":
        click.echo(to_json(df))
        return
    if df.empty:
        console.print(f"no rows for level {level} and period {period}")
        return
    table = Table(
        title=f"marts.kpi · period {period} · channel {channel}",
        show_edge=False,
        header_style="bold",
    )
    table.add_column("org", no_wrap=True)
    table.add_column("KPI 指标")
    for name in ("value", "numerator", "denominator"):
        table.add_column(name, justify="right", no_wrap=True)
    previous = None
    for r in df.itertuples():
        if previous is not None and r.org_id != previous:
            table.add_section()
        previous = r.org_id
        table.add_row(
            f"{r.org_id} {r.org_name}",
            f"{r.name_zh} {r.name_en} [dim]({r.kpi_code})[/]",
            format_value(r.value, r.unit),
            format_value(r.numerator, ""),
            format_value(r.denominator, ""),
        )
    console.print(table)


@main.command()
@_warehouse_option
@click.option(
    "--format", "fmt", type=click.Choice(["parquet"]), default="parquet", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="folder to write")
@click.option(
    "--org", "org_id", default=None, help="only this org's subtree (e.g. one province's rows)"
)
def export(warehouse: Path | None, fmt: str, out: Path, org_id: str | None) -> None:
    """Write every marts table as Parquet (one file per table) for BI tools; with --org, only
    the rows of that org and the orgs below it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from amisdw.readers.export import export_parquet
    from amisdw.readers.scope import org_scope
    from amisdw.readers.warehouse import connect

    published = _settings(warehouse=warehouse).published
    con = connect(published)
    t0 = time.perf_counter()
    try:
        scope = org_scope(con, org_id) if org_id else None
        with Progress(
            TextColumn("exporting {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("marts", total=None)

            def step(table: str, done: int, total: int) -> None:
                bar.update(
                    task, description=f"marts.{table}" if table else "", completed=done, total=total
                )

            exported = export_parquet(con, out.expanduser().resolve(), progress=step, scope=scope)
    finally:
        con.close()
    rows = sum(e.rows for e in exported)
    scoped = f" of {scope.org.org_name} ({scope.org.org_id}) and below" if scope else ""
    console.print(
        f"wrote {len(exported)} Parquet files ({rows:,} rows{scoped}) into {out.resolve()} "
        f"in {time.perf_counter() - t0:.1f} s; tables and row counts in _manifest.json"
    )


REPORT_FORMATS = ("html", "xlsx")


def _report_formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    """`html`, `xlsx` or both, comma-separated (in any order; html is rendered last)."""
    parts = [p.strip().lower() for p in value.split(",")]
    bad = [p for p in parts if p not in REPORT_FORMATS]
    if bad or not parts:
        raise click.BadParameter(
            f"{value!r} is not a report format: allowed values are "
            f"{', '.join(REPORT_FORMATS)}, or both as html,xlsx."
        )
    return tuple(f for f in REPORT_FORMATS if f in parts)


@main.command()
@_warehouse_option
@click.option("--quarter", default=None, help="YYYYQn [default: the latest complete quarter]")
@click.option("--org", "org_id", default=None, help="org_id [default: head office]")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="folder to write")
@click.option(
    "--format",
    "formats",
    default="html",
    show_default=True,
    callback=_report_formats,
    help="html (executed notebook + HTML), xlsx (Excel workbook, no notebook run) or html,xlsx",
)
def report(
    warehouse: Path | None,
    quarter: str | None,
    org_id: str | None,
    out: Path,
    formats: tuple[str, ...],
) -> None:
    """Render the quarterly review pack (executed notebook and self-contained HTML, and/or an
    Excel workbook)."""
    published = _settings(warehouse=warehouse).published
    folder = out.expanduser().resolve()
    if "xlsx" in formats:
        from amisdw.report.workbook import write_workbook

        t0 = time.perf_counter()
        written = write_workbook(published, folder, quarter, org_id)
        console.print(
            f"{written.org_name} ({written.org_id}) {written.quarter}: "
            f"wrote {written.path} in {time.perf_counter() - t0:.1f} s"
        )
    if "html" in formats:
        _report_html(published, folder, quarter, org_id)


def _report_html(published: Path, out: Path, quarter: str | None, org_id: str | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from amisdw.report.render import render_report

    t0 = time.perf_counter()
    with Progress(
        TextColumn("[bold]report[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting the kernel …", total=None)

        def step(done: int, total: int, section: str) -> None:
            bar.update(task, completed=done, total=total, description=section)

        rendered = render_report(published, out, quarter, org_id, progress=step)
    console.print(
        f"{rendered.org_name} ({rendered.org_id}) {rendered.quarter}: "
        f"wrote {rendered.html} and {rendered.notebook.name} "
        f"in {time.perf_counter() - t0:.1f} s"
    )


@main.command()
@_warehouse_option
@click.option(
    "--org",
    "org_id",
    default=None,
    help="start at this org; nothing above or beside it can be seen [default: head office]",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="port")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="address to listen on (keep 127.0.0.1 behind a reverse proxy with the company login)",
)
def app(warehouse: Path | None, org_id: str | None, port: int, host: str) -> None:
    """Serve the drill-down page (Streamlit) over the published warehouse, read-only."""
    from amisdw.app.launch import check, check_port, serve, streamlit_command

    start = check(_settings(warehouse=warehouse).published, org_id)
    check_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"drill-down page of {start.warehouse} (published {start.published_at or '—'}, latest "
        f"month {start.latest_month}), starting at {start.org_name} ({start.org_id}, "
        f"{start.level_name_zh}): http://{shown}:{port}  (Ctrl+C stops it)"
    )
    serve(streamlit_command(start, host, port, org_id))


@main.command()
@_warehouse_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="folder for the site [default: docs/ next to the warehouse file]",
)
def docs(warehouse: Path | None, out: Path | None) -> None:
    """Build the data catalogue (dbt docs: models, columns, lineage) as a static site."""
    from amisdw.catalog import build_docs

    settings = _settings(warehouse=warehouse)
    target = out.expanduser().absolute() if out else settings.docs_dir
    t0 = time.perf_counter()
    with console.status("dbt docs generate …"):
        built = build_docs(settings, target)
    console.print(
        f"data catalogue: open {built.static_index} in a browser "
        f"(built in {time.perf_counter() - t0:.1f} s; dbt log {built.log})"
    )


@main.command()
@_warehouse_option
@click.option("--to", "to", default=None, help="version to restore (see --list)")
@click.option("--list", "list_only", is_flag=True, help="list the kept versions and stop")
def rollback(warehouse: Path | None, to: str | None, list_only: bool) -> None:
    """Restore a previously published version of the warehouse (atomically)."""
    from amisdw.publish import current_version, list_versions, version_label
    from amisdw.publish import rollback as do_rollback

    published = _settings(warehouse=warehouse).published
    if list_only:
        current = current_version(published)
        versions = list_versions(published)
        if not versions:
            console.print(f"no versions of {published} are kept")
        for v in versions:
            label = version_label(v, published)
            console.print(f"{label}{'  (current)' if label == current else ''}")
        return
    restored = do_rollback(published, to)
    console.print(f"restored version {restored} as {published}")


@main.group()
def quality() -> None:
    """The quality gates' suites (expectations/)."""


@quality.command("write-suites")
def write_suites_command() -> None:
    """Rewrite expectations/<family>.json from the extract contract (review the diff)."""
    from amisdw.quality.suites import write_suites

    for path in write_suites():
        console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
