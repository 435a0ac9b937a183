"""Helpers every `collector-app` sub-command shares: exit codes, the one-line usage error,
argument types, JSON and receipt-style output, the store, the acting user and the progress bar.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

from collector_app.domain.problems import Problem
from collector_app.i18n import _
from collector_app.messages import message

if TYPE_CHECKING:  # for annotations only: the sub-commands that need these import them lazily
    from collector_app.store.db import Store
    from collector_app.store.users import User

_GROUPED_NUMBER = re.compile(r"[0-9]{1,3}([.,_ ][0-9]{3})+")
EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_FAILURE = 0, 1, 2, 3
PROG = "collector-app"


class UsageError(Exception):
    """Arguments that parse but make no sense; one line for the user."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


# ---- argument types: they raise argparse errors with a clear line ------------------------------


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a date in YYYY-MM-DD form").format(value=text)) from None


def _month(text: str) -> date:
    try:
        return date.fromisoformat(text + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a month in YYYY-MM form").format(value=text)) from None


def _whole_number(text: str) -> int:
    """A whole number, also written with thousands separators as people do: 1.500.000 or 1,500,000."""
    cleaned = text.strip()
    if _GROUPED_NUMBER.fullmatch(cleaned):
        cleaned = re.sub(r"[.,_ ]", "", cleaned)
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise argparse.ArgumentTypeError(_("'{value}' is not a whole number").format(value=text))
    return int(cleaned)


def _positive(text: str) -> int:
    value = _whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(_("'{value}' must be greater than zero").format(value=text))
    return value


# ---- output helpers --------------------------------------------------------------------------------


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


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


def _open_store() -> Store:
    from collector_app.store.db import open_store

    return open_store()


def _actor(store: Store, args: argparse.Namespace) -> User:
    """The user acting: `--user`, else COLLECTOR_APP_USER, else the device's default user."""
    from collector_app.services.device import acting_user

    return acting_user(store, args.user or os.environ.get("COLLECTOR_APP_USER") or None)


def _progress_bar(total_label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar on stderr (silent when stderr is not a terminal) as a (done, total) callback."""
    from tqdm import tqdm

    bar = tqdm(desc=total_label, unit="", file=sys.stderr, disable=None, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close
