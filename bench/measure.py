"""Measure one command: wall time, peak resident memory of its whole process tree, and the peak
disk use of a folder it writes (sampled while it runs)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.25
DISK_EVERY = 4  # samples between two walks of the watched folder


@dataclass(frozen=True)
class Measured:
    wall_s: float
    peak_rss_mb: float
    peak_disk_mb: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            "wall_s": round(self.wall_s, 2),
            "peak_rss_mb": round(self.peak_rss_mb),
            "peak_disk_mb": None if self.peak_disk_mb is None else round(self.peak_disk_mb, 1),
        }


class CommandFailed(RuntimeError):
    pass


def folder_bytes(folder: Path) -> int:
    """Bytes allocated under ``folder`` (files that vanish while walking count 0)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of ``proc`` and every descendant (the dbt and kernel subprocesses)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def measure(
    cmd: list[str],
    watch: Path | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run ``cmd`` (in ``env``; default: this process's environment); raise
    :class:`CommandFailed` (with the log's tail) on a non-zero exit."""
    out = log.open("w") if log else subprocess.DEVNULL
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    proc = psutil.Process(child.pid)
    peak_rss, peak_disk, n = 0, 0, 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_disk, n
        while not done.is_set():
            peak_rss = max(peak_rss, tree_rss(proc))
            if watch is not None and n % DISK_EVERY == 0 and watch.exists():
                peak_disk = max(peak_disk, folder_bytes(watch))
            n += 1
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = child.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if log:
        out.close()  # type: ignore[union-attr]
    if watch is not None and watch.exists():
        peak_disk = max(peak_disk, folder_bytes(watch))
    if rc != 0:
        tail = log.read_text(errors="replace")[-2000:] if log else ""
        raise CommandFailed(f"{' '.join(cmd)} exited {rc}\n{tail}")
    return Measured(wall, peak_rss / 2**20, peak_disk / 2**20 if watch is not None else None)
