"""Starting the drill-down page: check the arguments, then hand over to ``streamlit run``.

Everything that can be wrong with the arguments (no warehouse, not a DuckDB file, an unknown
``--org``, a port in use) is found here, before the server starts, and raised as one paragraph
like the other commands. Streamlit is started with the interpreter that runs amisdw
(``sys.executable -m streamlit``), so nothing is looked up on ``PATH`` (schedulers, systemd and
``env -i`` call the console script by its full path).
"""

from __future__ import annotations

import errno
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from amisdw.app.data import periods, published_at, reading, start_scope
from amisdw.errors import AmisdwError
from amisdw.readers.warehouse import WarehouseError

PAGE = Path(__file__).with_name("page.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


@dataclass(frozen=True)
class Start:
    """What the page will open with."""

    warehouse: Path
    org_id: str
    org_name: str
    level_name_zh: str
    latest_month: str
    published_at: str | None


def check(warehouse: Path, org_id: str | None) -> Start:
    """Open the published file once, read-only: it must be an amisdw warehouse with a loaded
    month, and ``org_id`` (if given) one of its orgs."""
    path = warehouse.expanduser().resolve()
    with reading(path) as con:
        scope = start_scope(con, org_id)
        months = periods(con)["M"]
        if not months:
            raise WarehouseError(
                f"{path} holds no loaded month yet, so the page has nothing to show. Load "
                "deliveries with `amisdw run` first."
            )
        return Start(
            warehouse=path,
            org_id=scope.org.org_id,
            org_name=scope.org.org_name,
            level_name_zh=scope.org.level_name_zh,
            latest_month=months[-1],
            published_at=published_at(con),
        )


def check_port(host: str, port: int) -> None:
    """Fail now, in one paragraph, if the server could not listen on host:port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AmisdwError(
            f"Cannot listen on --host {host}: {exc.strerror or exc}. Pass an address of this "
            f"machine (default {DEFAULT_HOST}; 0.0.0.0 for every interface)."
        ) from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AmisdwError(
                    f"Port {port} on {host} is already in use (another `amisdw app`, or another "
                    "program). Stop it, or pass --port with a free port."
                ) from exc
            raise AmisdwError(
                f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Pass an address of "
                f"this machine with --host (default {DEFAULT_HOST}) and a port above 1023 "
                "with --port."
            ) from exc


def streamlit_command(start: Start, host: str, port: int, org_id: str | None) -> list[str]:
    """``python -m streamlit run page.py …`` with the interpreter running amisdw."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PAGE),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--client.toolbarMode",
        "viewer",
        "--",
        "--warehouse",
        str(start.warehouse),
    ]
    if org_id:
        command += ["--org", start.org_id]
    return command


def streamlit_env() -> dict[str, str]:
    env = dict(os.environ)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    return env


def serve(command: list[str]) -> None:
    """Replace this process by the Streamlit server (Ctrl+C and signals reach it directly)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, streamlit_env())
