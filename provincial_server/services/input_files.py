"""Reading a file an administrator hands the server: a regular file only, within a size limit, links as asked.

A FIFO would block the reader for ever, a device such as /dev/zero never ends, and a link on a USB
stick may point anywhere on the server; each is refused with a `FileRefused` saying what the file
is, before a byte is read. The file is opened without blocking and checked again once open, so
that it cannot be swapped for something else in between.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


class FileRefused(Exception):
    """Not read: `code` names why (`file.missing`, `file.link`, `file.not_regular`, `file.too_large`,
    `file.unreadable`), `message` says it in a clause that follows the file's name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_regular_file(path: Path, *, max_bytes: int, follow_links: bool) -> bytes:
    """The bytes of `path`, a regular file of at most `max_bytes`; FileRefused otherwise.

    With `follow_links`, a link to a regular file is read (a path an administrator typed); without,
    any link is refused (a file found in a folder from elsewhere).
    """
    try:
        found = path.stat() if follow_links else path.lstat()
    except FileNotFoundError:
        raise FileRefused("file.missing", "does not exist") from None
    except (OSError, ValueError) as error:
        raise _unreadable(error) from None
    if stat.S_ISLNK(found.st_mode):
        raise FileRefused("file.link", "is a link to another file, which is not read: copy the file itself here")
    if not stat.S_ISREG(found.st_mode):
        kind = next((name for test, name in _KINDS if test(found.st_mode)), "not a regular file")
        raise FileRefused("file.not_regular", f"is {kind}, not a file")
    _check_size(found.st_size, max_bytes)
    flags = _OPEN_FLAGS | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise _unreadable(error) from None
    with os.fdopen(descriptor, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (found.st_dev, found.st_ino):
            raise FileRefused("file.unreadable", "changed while it was being opened: try again")
        try:
            data = handle.read(max_bytes + 1)  # it may have grown since
        except OSError as error:
            raise _unreadable(error) from None
    _check_size(len(data), max_bytes)
    return data


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileRefused("file.too_large", f"is larger than the limit of {max_bytes:,} bytes")


def _unreadable(error: OSError | ValueError) -> FileRefused:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return FileRefused("file.unreadable", f"cannot be read ({reason})")
