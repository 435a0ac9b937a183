"""Guards for tests of hostile files: a regression must fail the test, never hang it or fill the machine's memory.

A pipe read by mistake waits for a writer for ever, and /dev/zero read by mistake never ends.
"""

from __future__ import annotations

import contextlib
import os
import resource
import threading
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def pipes_never_block(*pipes: Path) -> Iterator[None]:
    """While inside, a reader waiting on one of `pipes` gets end-of-file at once (a writer opens and closes it)."""
    stop = threading.Event()

    def unblock() -> None:
        while not stop.wait(0.05):
            for pipe in pipes:
                with contextlib.suppress(OSError):  # ENXIO: nobody reads it, as it should be
                    os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def memory_limited(extra: int = 1024**3) -> Iterator[None]:
    """While inside, this process may map at most `extra` bytes more: reading /dev/zero raises MemoryError."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm", encoding="ascii") as handle:
        mapped = int(handle.read().split()[0]) * resource.getpagesize()
    limit = mapped + extra if hard == resource.RLIM_INFINITY else min(hard, mapped + extra)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
