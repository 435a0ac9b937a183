"""A small disk a test can fill: a tmpfs, else a loop-mounted ext2 image (both need root, as in CI), else a
limit on the size of the files a child process may write (RLIMIT_FSIZE), which any user may set.

Shared by the command line's disk-full tests and the fault suite (`tests/faults/`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

DISK_BYTES = 4 * 1024 * 1024
TMPFS, LOOP, FILE_SIZE_LIMIT = "tmpfs", "loop", "file-size limit"

PreExec = Callable[[], None]


def limit_file_size(limit: int) -> PreExec:
    """For a child process: writing past `limit` bytes of any file fails with EFBIG (SIGXFSZ ignored)."""

    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@dataclass
class SmallDisk:
    folder: Path
    kind: str
    limit: int | None = None

    @property
    def filler(self) -> Path:
        return self.folder / "filler"

    def fill(self, leave: int) -> None:
        """Leave `leave` bytes free (with a file-size limit: let no file grow by more than that)."""
        if self.kind == FILE_SIZE_LIMIT:
            self.limit = leave
            return
        free = shutil.disk_usage(self.folder).free
        with self.filler.open("wb") as handle:
            try:
                handle.write(b"\0" * max(free - leave, 0))
                handle.flush()
                os.fsync(handle.fileno())
            except OSError:  # the last blocks: as full as it gets
                pass

    def make_room(self) -> None:
        self.filler.unlink(missing_ok=True)
        self.limit = None

    def pre_exec(self) -> PreExec | None:
        return None if self.limit is None else limit_file_size(self.limit)


def _run_quietly(*command: str) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=60, check=False).returncode == 0
    except OSError:
        return False


def _mount_small_disk(folder: Path, image: Path, size: int, *, tmpfs_or_loop_only: bool) -> str:
    if sys.platform == "linux" and os.geteuid() == 0:
        if _run_quietly("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
            return TMPFS
        with image.open("wb") as handle:
            handle.truncate(size)
        if _run_quietly("mkfs.ext2", "-q", "-F", "-m", "0", str(image)) and _run_quietly(
            "mount", "-o", "loop", str(image), str(folder)
        ):
            return LOOP
    if tmpfs_or_loop_only:
        pytest.skip("no small disk to fill here: mounting a tmpfs or a loop device needs root on Linux")
    try:
        import resource
        import signal

        assert resource.RLIMIT_FSIZE is not None and signal.SIGXFSZ is not None
    except (ImportError, AttributeError):
        pytest.skip("no way to fill a disk here: not root on Linux (tmpfs, loop device) and no RLIMIT_FSIZE")
    return FILE_SIZE_LIMIT


@contextmanager
def small_disk_in(folder: Path, size: int = DISK_BYTES, *,
                  tmpfs_or_loop_only: bool = False) -> Iterator[SmallDisk]:
    """A disk of `size` bytes mounted on `folder` (made here), unmounted at the end; skips where impossible.

    `tmpfs_or_loop_only`: skip rather than fall back to a file-size limit (which limits every file
    of a child, not the room left on a disk).
    """
    folder.mkdir(parents=True, exist_ok=True)
    kind = _mount_small_disk(folder, folder.with_name(folder.name + ".img"), size,
                             tmpfs_or_loop_only=tmpfs_or_loop_only)
    try:
        yield SmallDisk(folder, kind)
    finally:
        if kind in (TMPFS, LOOP) and not _run_quietly("umount", str(folder)):
            _run_quietly("umount", "-l", str(folder))
