"""Printing receipts through the operating system's queue (CUPS `lp`), with no display and no Qt.

`print_receipts` renders each receipt as its next print would be (the original the first time,
then counted copies), hands the PDF to `lp -d QUEUE -n COPIES -o media=… -t TITLE` (no shell), and
counts the print only once the queue took it: a print that failed counts nothing. `printer_queues`
lists the queues (`lpstat -e`) for the Settings page.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from collector_app.domain.payments import Action, check_allowed
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.receipts.render import Layout, receipt_file_name, render_receipt
from collector_app.services.changes import NOTHING, Change, Changes
from collector_app.services.receipts import count_print, document_to_print
from collector_app.store.db import Store
from collector_app.store.users import User

LP_TIMEOUT_SECONDS = 60.0  # `lp` only spools the file; a minute without an answer is a hung scheduler
MAX_COPIES = 10  # the payer's and the collector's copy, with room to spare; more is a typing slip
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]")
_POINTS_PER_MM = 72 / 25.4
_JOB = re.compile(r"request id is (\S+)")

Runner = Callable[..., "subprocess.CompletedProcess[bytes]"]
"""`subprocess.run`, or a stand-in in tests."""


def media_for(pdf: bytes, layout: Layout | str) -> str:
    """The `lp -o media=` value for a rendered receipt: "A5", or the roll's custom size from the
    rendered page ("Custom.80x218mm", the height rounded up to a whole millimetre)."""
    if Layout(layout) is Layout.A5:
        return "A5"
    found = _MEDIA_BOX.search(pdf)
    if found is None:
        raise ValueError("the receipt PDF has no page size")
    width, height = (float(value) / _POINTS_PER_MM for value in found.groups())
    return f"Custom.{round(width)}x{math.ceil(height - 0.01)}mm"


def _environment() -> dict[str, str]:
    # CUPS's messages in English whatever the user's language: they are read here, never shown raw.
    return {**os.environ, "LC_ALL": "C", "LANG": "C"}


def send_to_queue(
    pdf: bytes, *, printer: str, media: str, copies: int, title: str, run: Runner = subprocess.run
) -> str:
    """Hand one PDF to the queue `printer`; the job id CUPS gave it. Refusals raise a DomainError
    with one problem: no print system, the scheduler not running, no such queue, or what CUPS said."""
    # No file named: lp reads the PDF from its input, so nothing is left in a temporary file.
    command = ["lp", "-d", printer, "-n", str(copies), "-o", f"media={media}", "-t", title]
    try:
        done = run(command, input=pdf, capture_output=True, timeout=LP_TIMEOUT_SECONDS, env=_environment(),
                   check=False)
    except FileNotFoundError:
        raise DomainError(Problem(ProblemCode.PRINT_SPOOLER_MISSING)) from None
    except subprocess.TimeoutExpired:
        raise DomainError(Problem(ProblemCode.PRINT_SPOOLER_DOWN)) from None
    said = (done.stderr or b"").decode("utf-8", "replace").strip()
    if done.returncode == 0:
        job = _JOB.search((done.stdout or b"").decode("utf-8", "replace"))
        return job.group(1) if job else ""
    if not scheduler_running(run):
        raise DomainError(Problem(ProblemCode.PRINT_SPOOLER_DOWN))
    if "does not exist" in said or "Unknown destination" in said:
        known = printer_queues(run)
        raise DomainError(Problem(ProblemCode.PRINT_PRINTER_UNKNOWN,
                                  {"printer": printer, "printers": ", ".join(known) or "—"}))
    detail = said.splitlines()[0] if said else f"lp exit status {done.returncode}"
    raise DomainError(Problem(ProblemCode.PRINT_FAILED, {"printer": printer, "detail": detail.removeprefix("lp: ")}))


def scheduler_running(run: Runner = subprocess.run) -> bool:
    """Whether the CUPS scheduler answers (`lpstat -r`); False when CUPS is not installed."""
    try:
        done = run(["lpstat", "-r"], capture_output=True, timeout=10, env=_environment(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"is running" in (done.stdout or b"")


def printer_queues(run: Runner = subprocess.run) -> list[str]:
    """The print queues of this computer (`lpstat -e`), sorted; [] when there is no print system or
    it does not answer."""
    try:
        done = run(["lpstat", "-e"], capture_output=True, timeout=10, env=_environment(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    names = (line.strip() for line in (done.stdout or b"").decode("utf-8", "replace").splitlines())
    return sorted({name for name in names if name}, key=str.casefold)


class PrintStopped(DomainError):
    """The queue refused a receipt after others had gone out: `printed` were printed and counted."""

    def __init__(self, problems: list[Problem], printed: tuple[PrintedReceipt, ...], total: int) -> None:
        self.printed = printed
        self.total = total
        super().__init__(problems)


@dataclass(frozen=True)
class PrintedReceipt:
    receipt_number: str
    copy_number: int  # 0: the original
    job: str  # the queue's job id, e.g. "Receipts-12"


@dataclass(frozen=True)
class PrintedReceipts:
    printer: str
    layout: str
    copies: int
    printed: tuple[PrintedReceipt, ...]

    @property
    def changes(self) -> Changes:
        # A reprint is a record for the server; an original's first print is only remembered here.
        counted = any(item.copy_number for item in self.printed)
        return frozenset({Change.RECEIPTS, Change.OUTBOX}) if counted else NOTHING


def print_receipts(
    store: Store,
    receipt_numbers: Sequence[str],
    *,
    actor: User,
    printer: str,
    layout: Layout | str,
    copies: int = 1,
    progress: Callable[[int, int], None] | None = None,
    run: Runner = subprocess.run,
) -> PrintedReceipts:
    """Print receipts on the queue `printer`, `copies` of each (one print counted per receipt).

    Every receipt is checked and rendered before the first goes out, so an unknown or damaged one
    prints nothing. If the queue refuses one, those before it stay printed and counted, and the
    DomainError says why; `progress(done, total)` counts receipts rendered, then printed.
    """
    if refusal := check_allowed(actor.role, Action.PRINT_RECEIPT, user=actor.username):
        raise DomainError(refusal)
    layout = Layout(layout)
    total = 2 * len(receipt_numbers)
    jobs: list[tuple[str, bytes, int, str]] = []
    for index, number in enumerate(receipt_numbers, 1):
        document = document_to_print(store, number)
        pdf = render_receipt(document, layout)
        jobs.append((document.receipt_number, pdf, document.copy_number, receipt_file_name(document)[:-4]))
        if progress is not None:
            progress(index, total)
    printed: list[PrintedReceipt] = []
    for index, (number, pdf, _planned, title) in enumerate(jobs, len(jobs) + 1):
        try:
            job = send_to_queue(pdf, printer=printer, media=media_for(pdf, layout), copies=copies, title=title,
                                run=run)
        except DomainError as error:
            if not printed:
                raise
            raise PrintStopped(error.problems, tuple(printed), len(jobs)) from None
        printed.append(PrintedReceipt(number, count_print(store, number, actor=actor), job))
        if progress is not None:
            progress(index, total)
    return PrintedReceipts(printer=printer, layout=layout.value, copies=copies, printed=tuple(printed))
