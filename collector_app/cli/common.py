"""Helpers every `collector-app` sub-command shares: exit codes, the one-line usage error,
argument types (each value bounded where it enters), JSON and receipt-style output, text made safe
for a terminal, the store, the acting user and the progress bar.
"""

from __future__ import annotations

import argparse
import errno
import io
import json
import math
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from collector_app.domain.dates import check_date
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS
from collector_app.domain.problems import Problem, ProblemCode
from collector_app.domain.server_address import MAX_URL_LENGTH as SERVER_URL_MAX_LENGTH
from collector_app.domain.text import (
    describe_characters,
    escape_unsafe,
    fold_digits,
    foreign_digits,
    unsafe_characters,
)
from collector_app.i18n import N_, _
from collector_app.messages import message

if TYPE_CHECKING:  # for annotations only: the sub-commands that need these import them lazily
    from collector_app.store.db import Connector, Store
    from collector_app.store.users import User

_GROUPED_NUMBER = re.compile(r"[0-9]{1,3}([.,_ ][0-9]{3})+")
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_FAILURE = 0, 1, 2, 3
PROG = "collector-app"

# Bounds of what the command line takes. Each says why; limits of text the wire carries come from
# `collector_app.wire.TextLimits` (imported where used, so that `--help` stays fast).
MAX_DIGITS = 18
"""A whole number has at most 18 digits: below 2**63, what SQLite stores. No amount, count or seed
needs more (the policy's income ceiling has 8), and Python's int() of a long text is slow."""
MAX_SEARCH_LIMIT = 1000  # one screen's worth many times over; the store reads `limit` rows at most
MAX_DEMO_PEOPLE = 1_000_000  # the largest store benchmarks/search.py measures
MAX_ATTEMPTS = 10  # tries per call: with pauses doubling up to 30 s, ten take about five minutes
MAX_TIMEOUT_SECONDS = 600.0  # ten minutes for one answer: longer is a hung connection
MAX_SHORT_TEXT = 64
"""Codes and ids typed on the command line: an enrolment code is 16 characters, a record id 36, a
point or device code 12; 64 leaves room for spaces and dashes between groups."""
MAX_URL_LENGTH = SERVER_URL_MAX_LENGTH  # domain.server_address: the one limit
_SHOWN_VALUE = 60  # how much of a refused value an error message repeats


class UsageError(Exception):
    """Arguments that parse but make no sense; one line for the user."""


# argparse's own messages are English; these are the ones a user can meet, in the current language.
_ARGPARSE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"argument (?P<argument>[^:]+): (?P<message>.*)", re.DOTALL),
     N_("argument {argument}: {message}")),
    (re.compile(r"the following arguments are required: (?P<arguments>.*)", re.DOTALL),
     N_("these arguments are required: {arguments}")),
    (re.compile(r"unrecognized arguments: (?P<arguments>.*)", re.DOTALL),
     N_("unknown arguments: {arguments}")),
    (re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.DOTALL),
     N_("invalid choice: {value} (choose from {choices})")),
    (re.compile(r"expected one argument"), N_("a value is expected after it")),
    (re.compile(r"ambiguous option: (?P<option>\S+) could match (?P<matches>.*)", re.DOTALL),
     N_("ambiguous option: {option} could mean {matches}")),
    (re.compile(r"ignored explicit argument (?P<value>.*)", re.DOTALL), N_("takes no value, not {value}")),
    (re.compile(r"invalid \S+ value: (?P<value>.*)", re.DOTALL), N_("invalid value: {value}")),
)


def _argparse_message(text: str) -> str:
    """One of argparse's English messages in the current language (the inner part too); others unchanged."""
    for pattern, template in _ARGPARSE_MESSAGES:
        if match := pattern.fullmatch(text):
            parts = match.groupdict()
            if "message" in parts:
                parts["message"] = _argparse_message(parts["message"])
            return _(template).format(**parts)
    return text


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump), in the current language, and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, _error_line(f"{self.prog}: {_argparse_message(message)}") + "\n")


# ---- text made safe for a terminal ---------------------------------------------------------------


def _printable(text: str, *, keep: str = "") -> str:
    """`text` with every unsafe character (but those in `keep`) written as an escape (domain.text.escape_unsafe).

    Nothing typed or stored reaches a terminal as an ESC sequence, a right-to-left override or a
    raw byte: ESC becomes "\\x1b", U+202E "\\u202e", an undecodable byte 0xFF "\\xff".
    """
    return escape_unsafe(text, keep=keep)


def _shown(text: str) -> str:
    """A value the user gave, as an error message repeats it: escaped, and cut after 60 characters."""
    clipped = text if len(text) <= _SHOWN_VALUE else text[:_SHOWN_VALUE] + "…"
    return _printable(clipped)


def _error_line(text: str) -> str:
    """An error as one line: escaped (line breaks too), and each very long word cut short."""
    return re.sub(r"\S{120,}", lambda m: m.group(0)[:100] + "…", _printable(text))


class _SafeOutput(io.TextIOBase):
    """A text stream that writes through `_printable`, keeping line breaks: what the sub-commands print
    for people (names, addresses, reasons read from the store or typed) never drives the terminal."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(_printable(text, keep="\n"))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", "utf-8"))


# ---- argument types: they raise argparse errors with a clear line ------------------------------


def _refuse(template: str, text: str, **values: object) -> NoReturn:
    raise argparse.ArgumentTypeError(_(template).format(value=_shown(text), **values))


def _numeric(text: str) -> str:
    """`text` stripped, full-width digits read as 0-9; other scripts' digits refused (FOREIGN_DIGITS)."""
    _refuse_not_utf8(text)
    folded = fold_digits(text.strip())
    if found := foreign_digits(folded):
        raise argparse.ArgumentTypeError(
            message(Problem(ProblemCode.FOREIGN_DIGITS, {"characters": describe_characters(found)})))
    return folded


def _refuse_not_utf8(text: str) -> None:
    """Refuse an argument whose bytes were not UTF-8 (Python keeps each such byte as a lone surrogate)."""
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in text):
        _refuse(N_("'{value}' is not valid UTF-8 text; set the terminal to UTF-8 and type it again"), text)


def _iso_date(text: str) -> date:
    """A date as YYYY-MM-DD, within the dates the app works with (`domain.dates`)."""
    try:
        value = date.fromisoformat(_numeric(text))
    except ValueError:
        _refuse(N_("'{value}' is not a date in YYYY-MM-DD form"), text)
    if problems := check_date(value):
        raise argparse.ArgumentTypeError(message(problems[0]))
    return value


def _month(text: str) -> date:
    """A month as YYYY-MM (its first day), within the dates the app works with (`domain.dates`)."""
    cleaned = _numeric(text)
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", cleaned):
            raise ValueError(cleaned)
        value = date.fromisoformat(cleaned + "-01")
    except ValueError:
        _refuse(N_("'{value}' is not a month in YYYY-MM form"), text)
    if problems := check_date(value):
        raise argparse.ArgumentTypeError(message(problems[0]))
    return value


def _whole_number(text: str) -> int:
    """A whole number, also written with thousands separators as people do: 1.500.000 or 1,500,000.

    Full-width digits are read as 0-9; at most MAX_DIGITS digits.
    """
    cleaned = _numeric(text)
    if _GROUPED_NUMBER.fullmatch(cleaned):
        cleaned = re.sub(r"[.,_ ]", "", cleaned)
    if not (cleaned.isascii() and cleaned.isdigit()):
        _refuse(N_("'{value}' is not a whole number"), text)
    if len(cleaned.lstrip("0")) > MAX_DIGITS:
        _refuse(N_("'{value}' is too large: at most {digits} digits"), text, digits=MAX_DIGITS)
    return int(cleaned)


def _positive(text: str) -> int:
    value = _whole_number(text)
    if value <= 0:
        _refuse(N_("'{value}' must be greater than zero"), text)
    return value


def _between(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        value = _whole_number(text)
        if not low <= value <= high:
            _refuse(N_("'{value}' must be between {low} and {high}"), text, low=low, high=high)
        return value

    return parse


_members = _between(1, MAX_HOUSEHOLD_MEMBERS)
_search_limit = _between(1, MAX_SEARCH_LIMIT)
_demo_people = _between(1, MAX_DEMO_PEOPLE)
_attempts = _between(1, MAX_ATTEMPTS)


def _seconds(text: str) -> float:
    """A number of seconds: more than 0, at most MAX_TIMEOUT_SECONDS (never nan or inf)."""
    try:
        value = float(_numeric(text))
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # false for nan
        _refuse(N_("'{value}' is not a number of seconds from 0 to {most}"), text,
                most=int(MAX_TIMEOUT_SECONDS))
    return value


def _text(limit: int | None) -> Callable[[str], str]:
    """An argument type: text of at most `limit` characters, without control, format or invisible ones."""

    def parse(text: str) -> str:
        _refuse_not_utf8(text)
        if bad := unsafe_characters(text):
            _refuse(N_("'{value}' holds invisible or control characters ({characters}); "
                       "type it again without them"), text, characters=describe_characters(bad))
        if limit is not None and len(text) > limit:
            _refuse(N_("'{value}' is {length} characters long; at most {limit} are allowed"), text,
                    length=len(text), limit=limit)
        return text

    return parse


def _numeric_text(limit: int) -> Callable[[str], str]:
    """An argument type: a number kept as text (a citizen ID, a province code); full-width digits read."""
    checked = _text(limit)

    def parse(text: str) -> str:
        return checked(_numeric(text))

    return parse


_short_text = _text(MAX_SHORT_TEXT)


def _path(text: str) -> Path:
    """A file or folder name: any bytes the system allows (shown escaped in messages)."""
    if not text:
        raise argparse.ArgumentTypeError(_("the file or folder name is empty"))
    return Path(text)


NOT_REGULAR_FILE = N_("{path} is not a regular file (it is a pipe or a device); give a file.")


def _input_file(path: Path) -> Path:
    """`path` if it is a regular file this user may read, else UsageError saying what it is instead."""
    try:
        status = path.stat()
    except OSError as exc:
        raise UsageError(_file_error(path, exc)) from None
    if stat.S_ISDIR(status.st_mode):
        raise UsageError(_("{path} is a folder; give a file.").format(path=path))
    if not stat.S_ISREG(status.st_mode):  # reading a pipe waits for a writer; a device may never end
        raise UsageError(_(NOT_REGULAR_FILE).format(path=path))
    if not os.access(path, os.R_OK):
        raise UsageError(_file_error(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES))))
    return path


_OS_REASONS = {
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("it is a folder"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.ENAMETOOLONG: N_("the name is too long"),
    errno.EROFS: N_("the disk is read-only"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EEXIST: N_("a file of that name is in the way"),
    errno.ELOOP: N_("too many symbolic links"),
}


def _file_error(path: Path | str, exc: OSError) -> str:
    """One line, in the current language, for a file or folder that could not be used."""
    if exc.errno == errno.ENOENT:
        return _("File not found: {path}").format(path=path)
    template = _OS_REASONS.get(exc.errno or 0)
    reason = _(template) if template else (exc.strerror or str(exc))
    return _("Cannot use {path}: {reason}").format(path=path, reason=reason)


# ---- output helpers --------------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(_json_text(value))


def _json_text(value: Any, *, indent: int | None = 2) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    # A path holding bytes that are not UTF-8 carries lone surrogates; "\\udcff" is their JSON escape.
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _print_json_streaming(value: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """`_print_json(value | {key: list(items)})`, each item printed as it comes, on a line of its own:
    a long list (the due list's 184,000 renewals at a million people) starts at once and is never all
    held, and its items are written by json's C encoder (an indented one is five times slower).
    `value[key]` is an empty list, standing for where the items go."""
    before, after = _json_text(value).split(f'"{key}": []', 1)
    sys.stdout.write(before + f'"{key}": [')
    separator = "\n    "
    for item in items:
        sys.stdout.write(separator + _json_text(item, indent=None))
        separator = ",\n    "
    sys.stdout.write(("]" if separator == "\n    " else "\n  ]") + after + "\n")
    sys.stdout.flush()


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {**problem.as_dict(), "message": message(problem)}


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    """Label/value lines with the values lined up on the right, as on a receipt."""
    label_width = max(len(label) for label, _value in pairs) + 1
    value_width = max(len(value) for _label, value in pairs)
    return "\n".join(f"{label + ':':<{label_width}}  {value:>{value_width}}" for label, value in pairs)


def _today() -> date:
    return date.today()


# ---- the store, the acting user, progress --------------------------------------------------------


_SESSION: dict[str, bytes] = {}
"""The data key this command unlocked (`_sign_in`, `init`): every `_open_store()` opens the store with it."""


def _use_key(key: bytes) -> None:
    _SESSION["key"] = key


def forget_key() -> None:
    _SESSION.clear()


def session_connector() -> Connector:
    """How this command opens the store's files: with the data key its sign-in unlocked, if any."""
    from collector_app.store.cipher import cipher_connector
    from collector_app.store.db import connect_sqlite3

    key = _SESSION.get("key")
    return connect_sqlite3 if key is None else cipher_connector(key)


def _open_store() -> Store:
    from collector_app.store.db import open_store

    return open_store(key=_SESSION.get("key"))


def _actor(args: argparse.Namespace) -> User:
    """The user acting: the one who signed in for this command (`_sign_in`, run before every
    command that reads or records personal data)."""
    user: User = args.signed_in
    return user


USER_VARIABLE = "COLLECTOR_APP_USER"
PASSWORD_VARIABLE = "COLLECTOR_APP_PASSWORD"


def _sign_in(args: argparse.Namespace) -> User:
    """Sign in the user named by `--user` or COLLECTOR_APP_USER (else asked on a terminal), with the
    password from `--password-stdin`, COLLECTOR_APP_PASSWORD or a prompt. Nothing is written but the
    count of wrong passwords; a device without a store or users says how to make the first one.

    The password unlocks the store's data key (`services.unlocking`) before the store is opened with
    it. A store from before encryption is checked the old way, then encrypted in place (`_encrypt`)."""
    from collector_app import paths
    from collector_app.services import unlocking
    from collector_app.services.users import open_unlocked, unlock_store

    username = _username(args)
    password = _password(args, for_actor=True)
    path = paths.store_path()
    if not path.exists() and not unlocking.is_encrypted(path):  # no store yet: make none, say how
        _no_users()
    unlocking.check_not_orphaned(path)
    key, code = unlock_store(path, username, password)
    _use_key(key)  # before the store opens: a store that fails to open still has its backups named
    opened = open_unlocked(path, key, username, recovery_code=code)
    try:
        # The first sign-in of a new day backs up the day before, if it recorded anything (never failing).
        from collector_app.services.backups import back_up_if_due

        back_up_if_due(opened.store)
    finally:
        opened.store.close()
    if opened.recovery_code is not None:  # the store was encrypted just now
        _encrypted_now(opened.recovery_code)
    return opened.user


def _is_plain(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except FileNotFoundError:
        return False


def _encrypt(path: Path, key: bytes | None) -> None:
    """Encrypt the plain store in place (`services.encrypting`); say so, and show the recovery code once."""
    from collector_app.services.encrypting import encrypt_store

    done = encrypt_store(path, key=key)
    _use_key(done.key)
    if done.recovery_code is not None:
        _encrypted_now(done.recovery_code)


def _encrypted_now(code: str) -> None:
    print(_("The data file is now encrypted; only this device's users can open it with their passwords."),
          file=sys.stderr)
    _show_recovery_code(code)


def _show_recovery_code(code: str) -> None:
    """The recovery code, shown this once (on stderr, so that --json output stays JSON)."""
    print(_("Recovery code (write it down and keep it in the office safe; it is shown only now): {code}").format(
        code=code), file=sys.stderr)


def _no_users() -> NoReturn:
    from collector_app.domain.problems import DomainError

    raise DomainError(Problem(ProblemCode.SIGN_IN_NO_USERS, {}))


def _username(args: argparse.Namespace) -> str:
    username = getattr(args, "user", None) or os.environ.get(USER_VARIABLE)
    if not username and _interactive():
        username = input(_("User name: ")).strip()
    if not username:
        raise UsageError(_("sign in first: give --user NAME (or set {variable})").format(variable=USER_VARIABLE))
    return str(username)


def _password(args: argparse.Namespace, *, for_actor: bool, prompt: str | None = None, confirm: bool = False) -> str:
    """A password from standard input (`--password-stdin`, its first line), else for the acting user
    COLLECTOR_APP_PASSWORD, else asked on a terminal (twice when `confirm`)."""
    if getattr(args, "password_stdin", False) and (not for_actor or getattr(args, "stdin_is_actor", True)):
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
        if not password:
            raise UsageError(_("--password-stdin: standard input holds no password"))
        return password
    if for_actor and os.environ.get(PASSWORD_VARIABLE):
        return os.environ[PASSWORD_VARIABLE]
    if _interactive():
        import getpass

        password = getpass.getpass(prompt or _("Password: "))
        if confirm and getpass.getpass(_("The same password again: ")) != password:
            raise UsageError(_("the two passwords differ; nothing was changed"))
        return password
    if for_actor:
        raise UsageError(_("no password: use --password-stdin or set {variable}").format(variable=PASSWORD_VARIABLE))
    raise UsageError(_("no new password: use --password-stdin"))


def _interactive() -> bool:
    return sys.stdin.isatty()


def _progress_bar(total_label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr (silent when stderr is not a terminal) as a (done, total) callback."""
    from tqdm import tqdm

    bar = tqdm(desc=total_label, unit="", file=sys.stderr, disable=None, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close
