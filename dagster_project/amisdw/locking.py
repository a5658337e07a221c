"""One writer at a time on a warehouse: an exclusive ``flock`` on ``<folder>/.<name>.lock``.

``amisdw run`` takes it for the whole run and refuses to start while another process holds
it (a second `amisdw run`, or a Dagster run launched by the daemon); the Dagster assets that
write the build file take it too, waiting for their turn. Within one process the lock is
re-entrant, so the assets of an in-process run (``amisdw run``) find it already held.
The operating system releases it when the holder exits, even after kill -9.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from amisdw.errors import AmisdwError

_held: dict[Path, tuple[int, int]] = {}  # lock file -> (fd, depth) held by this process
_guard = threading.Lock()


class WarehouseBusy(AmisdwError):
    """Another process is writing the warehouse."""


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "another process"
    return text or "another process"


@contextlib.contextmanager
def warehouse_lock(path: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the writer lock ``path``; wait up to ``wait_seconds`` for it, then raise
    WarehouseBusy naming the holder."""
    path = path.absolute()
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                fd, depth = _held[path]
                _held[path] = (fd, depth - 1)
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise WarehouseBusy(
                    f"The warehouse is being written by {_holder(path)} (lock {path}). "
                    "Two runs never build one warehouse at the same time: wait until that run "
                    "has finished, then run again."
                ) from None
            time.sleep(0.5)
    os.ftruncate(fd, 0)
    stamp = dt.datetime.now().replace(microsecond=0).isoformat()
    os.write(fd, f"process {os.getpid()} (since {stamp})".encode())
    with _guard:
        _held[path] = (fd, 1)
    try:
        yield
    finally:
        with _guard:
            _, depth = _held[path]
            if depth > 1:
                _held[path] = (fd, depth - 1)
            else:
                del _held[path]
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
