"""Printing through the operating system's queue when it cannot: no print system, a scheduler that
does not run, a queue that does not exist. One problem each, and nothing counted as printed.

(A real queue is tested in tests/printing/test_cups.py.)
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.receipts.render import Layout, render_receipt
from collector_app.receipts.samples import family_hi_receipt
from collector_app.services.device import acting_user
from collector_app.services.os_printing import media_for, print_receipts, printer_queues
from collector_app.services.receipts import receipt_numbers
from collector_app.store.db import Store
from collector_app.store.payments import next_print
from signing import open_test_store


class FakeCups:
    """Answers `lp` and `lpstat` as CUPS would, recording the commands."""

    def __init__(self, *, running: bool = True, queues: Sequence[str] = ("Quay-1",), installed: bool = True) -> None:
        self.running, self.queues, self.installed = running, list(queues), installed
        self.commands: list[list[str]] = []
        self.jobs: list[bytes] = []

    def __call__(self, command: list[str], *, input: bytes | None = None, **_options: object):
        self.commands.append(command)
        if not self.installed:
            raise FileNotFoundError(command[0])
        if command[:2] == ["lpstat", "-r"]:
            said = b"scheduler is running\n" if self.running else b"scheduler is not running\n"
            return subprocess.CompletedProcess(command, 0, said, b"")
        if command[:2] == ["lpstat", "-e"]:
            if not self.running:
                return subprocess.CompletedProcess(command, 1, b"", b"lpstat: Bad file descriptor\n")
            return subprocess.CompletedProcess(command, 0, "".join(f"{q}\n" for q in self.queues).encode(), b"")
        assert command[0] == "lp"
        printer = command[command.index("-d") + 1]
        if not self.running or printer not in self.queues:
            return subprocess.CompletedProcess(command, 1, b"", b"lp: Error - The printer or class does not exist.\n")
        self.jobs.append(input or b"")
        return subprocess.CompletedProcess(command, 0, f"request id is {printer}-{len(self.jobs)} (0 file(s))\n"
                                           .encode(), b"")


@pytest.fixture
def store(tmp_path: Path):
    from collector_app.demo import fill_demo

    with open_test_store(tmp_path / "store.sqlite3") as opened:
        fill_demo(opened, people=30, seed=2026, on=date.today())
        yield opened


def _counted(store: Store, number: str) -> int:
    return next_print(store, parse_receipt_number(number))


def test_lp_is_given_the_queue_copies_media_and_title_and_the_first_print_is_the_original(store: Store) -> None:
    cups = FakeCups()
    number = receipt_numbers(store)[0]

    first = print_receipts(store, [number], actor=acting_user(store), printer="Quay-1", layout="a5", copies=2,
                           run=cups)
    again = print_receipts(store, [number], actor=acting_user(store), printer="Quay-1", layout="a5", run=cups)

    assert cups.commands[0] == ["lp", "-d", "Quay-1", "-n", "2", "-o", "media=A5", "-t", number]
    assert cups.commands[1][-1] == f"{number}-copy1"
    assert [first.printed[0].copy_number, again.printed[0].copy_number] == [0, 1]
    assert first.changes == frozenset() and again.changes  # a reprint is a record for the server
    assert cups.jobs[0].startswith(b"%PDF")


def test_the_roll_media_is_the_rendered_page_80_mm_wide_and_as_long_as_the_receipt() -> None:
    pdf = render_receipt(family_hi_receipt(), Layout.ROLL80)

    media = media_for(pdf, Layout.ROLL80)

    width, height = media.removeprefix("Custom.").removesuffix("mm").split("x")
    assert width == "80" and 150 < int(height) < 400
    assert media_for(render_receipt(family_hi_receipt(), Layout.A5), "a5") == "A5"


@pytest.mark.parametrize(
    ("cups", "code"),
    [
        (FakeCups(installed=False), ProblemCode.PRINT_SPOOLER_MISSING),
        (FakeCups(running=False), ProblemCode.PRINT_SPOOLER_DOWN),
        (FakeCups(queues=["Quay-2"]), ProblemCode.PRINT_PRINTER_UNKNOWN),
    ],
    ids=["no-cups", "cups-not-running", "unknown-queue"],
)
def test_a_print_that_cannot_go_out_says_why_and_counts_nothing(store: Store, cups: FakeCups,
                                                                code: ProblemCode) -> None:
    numbers = receipt_numbers(store)[:2]

    with pytest.raises(DomainError) as refused:
        print_receipts(store, numbers, actor=acting_user(store), printer="Quay-1", layout="roll80", run=cups)

    assert [problem.code for problem in refused.value.problems] == [code]
    assert [_counted(store, number) for number in numbers] == [0, 0]


def test_an_unknown_receipt_among_many_prints_none_of_them(store: Store) -> None:
    cups = FakeCups()
    numbers = [receipt_numbers(store)[0], "BD01M1-26-0999999"]

    with pytest.raises(DomainError):
        print_receipts(store, numbers, actor=acting_user(store), printer="Quay-1", layout="a5", run=cups)

    assert cups.jobs == [] and _counted(store, numbers[0]) == 0


def test_the_queues_are_listed_sorted_and_none_without_a_print_system() -> None:
    assert printer_queues(FakeCups(queues=["quay-2", "Quay-1"])) == ["Quay-1", "quay-2"]
    assert printer_queues(FakeCups(installed=False)) == []
    assert printer_queues(FakeCups(running=False)) == []


def test_after_the_window_printed_the_original_the_command_line_prints_a_counted_copy(store: Store) -> None:
    from collector_app.services.receipts import original_printed

    number = receipt_numbers(store)[0]

    assert original_printed(store, number) is True
    assert original_printed(store, number) is False  # printed twice from the preview: still one original
    again = print_receipts(store, [number], actor=acting_user(store), printer="Quay-1", layout="a5", run=FakeCups())

    assert again.printed[0].copy_number == 1
    assert original_printed(store, number) is False
