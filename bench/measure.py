"""Measure one command: wall time, peak resident memory of its whole process tree, and the peak
disk use of a folder it writes (sampled while it runs)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.25
DISK_EVERY = 4  # samples between two walks of the watched folder


@dataclass(frozen=True)
class Measured:
    wall_s: float
    peak_rss_mb: float
    peak_disk_mb: float | None
    # at the moment of the peak: MB per process of the tree, and seconds since the start
    peak_by_process_mb: dict[str, float] = field(default_factory=dict)
    peak_at_s: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "wall_s": round(self.wall_s, 2),
            "peak_rss_mb": round(self.peak_rss_mb),
            "peak_disk_mb": None if self.peak_disk_mb is None else round(self.peak_disk_mb, 1),
            "peak_at_s": round(self.peak_at_s, 1),
            "peak_by_process_mb": {k: round(v) for k, v in self.peak_by_process_mb.items()},
        }


class CommandFailed(RuntimeError):
    """The command exited non-zero; ``measured`` holds its figures up to then."""

    def __init__(self, message: str, measured: Measured) -> None:
        super().__init__(message)
        self.measured = measured


def folder_bytes(folder: Path) -> int:
    """Bytes allocated under ``folder`` (files that vanish while walking count 0)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def process_label(p: psutil.Process) -> str:
    """A short name for a process of the tree: the program, or the script Python runs."""
    with contextlib.suppress(psutil.Error):
        cmd = p.cmdline()
        if cmd:
            names = [os.path.basename(c) for c in cmd[:2]]
            if names[0].startswith("python") and len(names) > 1:
                return names[1]
            return names[0]
    return "?"


def tree_rss_by_process(proc: psutil.Process) -> dict[str, int]:
    """Resident bytes of ``proc`` and every descendant (the dbt and kernel subprocesses),
    summed per process label (amisdw, dbt, java, ...)."""
    out: dict[str, int] = {}
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            label = process_label(p)
            out[label] = out.get(label, 0) + p.memory_info().rss
    return out


def tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of ``proc`` and every descendant."""
    return sum(tree_rss_by_process(proc).values())


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
    peak_by: dict[str, int] = {}
    peak_at = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_disk, n, peak_by, peak_at
        while not done.is_set():
            by = tree_rss_by_process(proc)
            if sum(by.values()) > peak_rss:
                peak_rss, peak_by, peak_at = sum(by.values()), by, time.perf_counter() - start
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
    measured = Measured(
        wall,
        peak_rss / 2**20,
        peak_disk / 2**20 if watch is not None else None,
        {k: v / 2**20 for k, v in peak_by.items()},
        peak_at,
    )
    if rc != 0:
        tail = log.read_text(errors="replace")[-2000:] if log else ""
        raise CommandFailed(f"{' '.join(cmd)} exited {rc}\n{tail}", measured)
    return measured
