"""Give memory a finished phase freed back to the operating system.

Ingestion parses a batch of months into Arrow and pandas frames. Once they are loaded the
memory is free inside the process but still resident (Arrow's pool and glibc's malloc keep
it for reuse), and it would stay resident while the dbt build runs in its own process, so the
two peaks would add up: :func:`release_unused_memory` hands it back before the build."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys

import pyarrow


def release_unused_memory() -> None:
    """Collect garbage, then ask Arrow's pool and glibc's malloc to return free pages."""
    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl): nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)
