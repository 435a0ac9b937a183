"""ReceiptPrinter: previews, prints and files receipts by number; the entry point pages use.

Receipts are rendered on the database worker (never a widget there), a few per `Op` so other work
gets its turn; the GUI thread then paints each on the printer or writes it to the folder, one per
event-loop turn, so the window keeps answering during a run of hundreds. Cancel stops it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from collector_app.i18n import _, ngettext
from collector_app.receipts.render import Layout, receipt_file_name, render_receipt
from collector_app.services.changes import NOTHING, Change, Changes, changes_of
from collector_app.services.receipts import original_printed, receipt_document
from collector_app.store.db import Store
from collector_app.store.users import User
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.operations import Op
from collector_app.ui.printing import (
    PdfPrintJob,
    PrintPreferences,
    choose_folder,
    choose_printer,
    new_printer,
    proposed_paper,
    write_pdf,
)
from collector_app.ui.tasks import TaskRunner

T = TypeVar("T")
R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)

CHUNK_SIZE = 10  # receipts per Op: small enough that a search waits at most a few dozen ms behind a run
# A progress window for a run that ends within this time would only flicker.
PROGRESS_DELAY_MS = 500


# Work done on the database worker (plain data in and out)


@dataclass(frozen=True)
class RenderedReceipt:
    receipt_number: str
    file_name: str  # BD01M1-26-0000123.pdf, …-copy2.pdf for a reprint
    pdf: bytes
    counted_copy: bool = False  # a reprint was counted (a new record for the server)

    @property
    def changes(self) -> Changes:
        return frozenset({Change.RECEIPTS, Change.OUTBOX}) if self.counted_copy else NOTHING


def render_stored_receipt(
    store: Store, receipt_number: str, *, layout: str, copy: bool, actor: User | None = None
) -> RenderedReceipt:
    """The receipt as a PDF; `copy=True` counts a reprint (by `actor`) and prints the receipt as a copy.

    The collector printed on it is always the user who recorded the payment, whoever prints the copy."""
    document = receipt_document(store, receipt_number, copy=copy, actor=actor)
    return RenderedReceipt(
        receipt_number, receipt_file_name(document), render_receipt(document, Layout(layout)), counted_copy=copy
    )


@dataclass(frozen=True)
class _ChunkDone:
    """What a chunk of a run changed (reprints counted): the runner tells the pages."""

    changes: Changes


# A run


@dataclass(frozen=True)
class PrintOutcome:
    total: int
    done: int  # items printed or written
    cancelled: bool
    error: Exception | None
    results: tuple[Any, ...]  # what the sink kept: paths written, for a folder


class PrintSink(Protocol[R_contra]):
    """Where a run's results go, on the GUI thread: the printer, or a list of files written."""

    def accept(self, result: R_contra) -> None: ...

    def close(self) -> tuple[Any, ...]: ...


class PrintRun(QObject, Generic[T, R]):
    """`step(store, item)` for every item on the database worker; each result goes to `sink` on the GUI
    thread, one per event-loop turn. Cancel stops it between two items; what was done stays done."""

    progressed = Signal(int, int)  # items finished, total
    finished = Signal(object)  # PrintOutcome

    def __init__(
        self,
        parent: QWidget,
        runner: TaskRunner,
        items: Sequence[T],
        step: Callable[[Store, T], R],
        sink: PrintSink[R],
        *,
        label: str,
    ) -> None:
        super().__init__(parent)
        self._widget = parent
        self._runner = runner
        self._items = tuple(items)
        self._step = step
        self._sink = sink
        self._label = label
        self._cancel = threading.Event()
        # Filled by the worker, emptied by the GUI thread; deque's append and popleft are thread-safe.
        self._ready: deque[R] = deque()
        self._submitted = 0
        self._in_flight = False
        self._done = 0
        self._error: Exception | None = None
        self._pump_due = False
        self._outcome: PrintOutcome | None = None

    @property
    def total(self) -> int:
        return len(self._items)

    @property
    def outcome(self) -> PrintOutcome | None:
        """Set once the run has finished."""
        return self._outcome

    def start(self) -> None:
        self._continue()

    @Slot()
    def cancel(self) -> None:
        self._cancel.set()
        self._continue()

    def _continue(self) -> None:
        """Render ahead while the sink keeps up, at most one chunk in flight; finish when all is done."""
        if self._outcome is not None:
            return
        if self._cancel.is_set():
            self._ready.clear()  # rendered after the cancel, or not yet printed: nothing more goes out
        stopped = self._cancel.is_set() or self._error is not None
        more = self._submitted < len(self._items)
        if not stopped and more and not self._in_flight and len(self._ready) < CHUNK_SIZE:
            self._submit_chunk()
        elif not self._in_flight and not self._ready and (stopped or not more):
            self._finish()

    def _submit_chunk(self) -> None:
        start = self._submitted
        chunk = self._items[start : start + CHUNK_SIZE]
        self._submitted += len(chunk)
        self._in_flight = True
        step, ready, cancel, total = self._step, self._ready, self._cancel, len(self._items)

        def work(store: Store, progress: Callable[[int, int], None]) -> _ChunkDone:
            # Worker thread: plain data only.
            changes: set[Change] = set()
            for offset, item in enumerate(chunk):
                if cancel.is_set():
                    break
                result = step(store, item)
                changes |= changes_of(result)
                ready.append(result)
                progress(start + offset + 1, total)
            return _ChunkDone(frozenset(changes))

        (
            Op(self._widget, work, runner=self._runner)
            .progress(self._on_rendered)
            .success(self._on_chunk_done)
            .failure(self._on_chunk_failed)
            .run(label=self._label)
        )

    def _on_rendered(self, rendered: int, total: int) -> None:
        self._schedule_pump()

    def _on_chunk_done(self, _result: _ChunkDone) -> None:
        self._in_flight = False
        self._continue()

    def _on_chunk_failed(self, error: Exception) -> None:
        self._in_flight = False
        self._error = error
        self._continue()

    def _schedule_pump(self) -> None:
        if not self._pump_due:
            self._pump_due = True
            # One result per turn of the event loop: input and painting get their turn in between.
            QTimer.singleShot(0, self._pump)

    @Slot()
    def _pump(self) -> None:
        self._pump_due = False
        if self._outcome is not None or not self._ready or self._cancel.is_set():
            self._continue()
            return
        result = self._ready.popleft()
        try:
            self._sink.accept(result)
        except Exception as error:  # noqa: BLE001 - a printer error ends the run, reported in the outcome
            self._error = error
            self._ready.clear()
        else:
            self._done += 1
            self.progressed.emit(self._done, len(self._items))
        if self._ready:
            self._schedule_pump()
        self._continue()

    def _finish(self) -> None:
        try:
            results = self._sink.close()
        except Exception as error:  # noqa: BLE001 - same as above: the outcome says what went wrong
            results = ()
            self._error = self._error or error
        self._outcome = PrintOutcome(
            total=len(self._items),
            done=self._done,
            cancelled=self._cancel.is_set(),
            error=self._error,
            results=results,
        )
        self.finished.emit(self._outcome)


class FolderSink:
    """Writes each receipt into a folder, never replacing a different file of the same name."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._paths: list[Path] = []

    def accept(self, result: RenderedReceipt) -> None:
        self._paths.append(write_pdf(result.pdf, self._folder, result.file_name))

    def close(self) -> tuple[Any, ...]:
        return tuple(self._paths)


class PrinterSink:
    """Paints each receipt's pages on one print job; closing the job sends it to the spooler."""

    def __init__(self, printer: QPrinter, *, paper_follows_pages: bool) -> None:
        self._job = PdfPrintJob(printer, paper_follows_pages=paper_follows_pages)

    def accept(self, result: RenderedReceipt) -> None:
        self._job.add(result.pdf)

    def close(self) -> tuple[Any, ...]:
        self._job.finish()
        return ()


# The entry point


class ReceiptPrinter(QObject):
    """Preview, print and "print to folder" for receipts by number, with the settings they remember."""

    preview_opened = Signal(object)  # PdfPreviewDialog
    run_started = Signal(object)  # PrintRun

    def __init__(
        self,
        runner: TaskRunner,
        preferences: PrintPreferences,
        parent: QObject | None = None,
        *,
        actor: Callable[[], User] | None = None,
    ) -> None:
        """`actor()`, read on the GUI thread when a run starts: the signed-in user, who is counted as
        printing the copies (None: the device's default user)."""
        super().__init__(parent)
        self._runner = runner
        self._actor = actor
        self.preferences = preferences

    @property
    def layout(self) -> str:
        return self.preferences.settings.layout

    def preview(self, parent: QWidget, receipt_number: str, *, reprint: bool = True) -> None:
        """Render the receipt as issued off the GUI thread, then show it.

        With `reprint` (a receipt looked up later), Ctrl+P prints a counted copy marked as such;
        without (the receipt of a payment just recorded), it prints the original shown.
        """
        layout = self.layout
        (
            Op(
                parent,
                lambda store, _p: render_stored_receipt(store, receipt_number, layout=layout, copy=False),
                runner=self._runner,
            )
            .success(partial(self._show_preview, parent, reprint=reprint))
            .failure(lambda error: _warn(parent, _("The receipt could not be shown"), error))
            .run(label=_("Preparing receipt {number}…").format(number=receipt_number))
        )

    def print_receipts(
        self, parent: QWidget, receipt_numbers: Sequence[str], *, copy: bool = True
    ) -> PrintRun[str, RenderedReceipt] | None:
        """Ask for a printer, then print the receipts as one job in the background (counted copies by
        default: a receipt printed again is a reprint). None if the user cancelled the print dialog."""
        if not receipt_numbers:
            return None
        printer = new_printer(self.preferences.settings.printer_name)
        proposed = proposed_paper(self.layout)
        printer.setPageSize(proposed)
        printer.setFullPage(True)
        printer.setDocName(_("Receipts"))
        if not choose_printer(parent, printer, page_count=0):
            return None
        self._remember_printer(printer)
        sink = PrinterSink(
            printer, paper_follows_pages=printer.pageLayout().pageSize().isEquivalentTo(proposed)
        )
        layout = self.layout
        actor = self._actor() if self._actor is not None else None
        run: PrintRun[str, RenderedReceipt] = PrintRun(
            parent,
            self._runner,
            receipt_numbers,
            lambda store, number: render_stored_receipt(store, number, layout=layout, copy=copy, actor=actor),
            sink,
            label=_("Printing receipts…"),
        )
        self._start(parent, run, _("Printing {n} receipts…").format(n=len(receipt_numbers)))
        return run

    def save_receipts(
        self, parent: QWidget, receipt_numbers: Sequence[str], *, folder: Path | None = None
    ) -> PrintRun[str, RenderedReceipt] | None:
        """Write the receipts into the print folder (asked for the first time); None if not chosen."""
        if not receipt_numbers:
            return None
        target = folder or self.preferences.settings.folder_path or choose_folder(parent, self.preferences)
        if target is None:
            return None
        layout = self.layout
        # Files keep the receipt as issued: no reprint is counted for an archive copy.
        run: PrintRun[str, RenderedReceipt] = PrintRun(
            parent,
            self._runner,
            receipt_numbers,
            lambda store, number: render_stored_receipt(store, number, layout=layout, copy=False),
            FolderSink(target),
            label=_("Writing receipts to a folder…"),
        )
        self._start(
            parent,
            run,
            _("Writing {n} receipts to {folder}…").format(n=len(receipt_numbers), folder=target),
        )
        return run

    def _start(self, parent: QWidget, run: PrintRun[Any, Any], text: str) -> None:
        dialog = QProgressDialog(text, _("Stop"), 0, run.total, parent)
        dialog.setWindowTitle(_("Receipts"))
        # Not modal: the collector can go on working while hundreds of receipts print.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        run.progressed.connect(dialog.setValue)
        dialog.canceled.connect(run.cancel)
        run.finished.connect(partial(self._on_run_finished, parent, dialog))
        self.run_started.emit(run)
        run.start()

    def _on_run_finished(self, parent: QWidget, dialog: QProgressDialog, outcome: PrintOutcome) -> None:
        dialog.close()  # emits canceled, which a finished run ignores
        dialog.deleteLater()
        if outcome.error is not None:
            _warn(parent, _("The receipts could not all be done"), outcome.error)

    def _show_preview(self, parent: QWidget, rendered: RenderedReceipt, *, reprint: bool) -> None:
        number = rendered.receipt_number
        dialog = PdfPreviewDialog(
            rendered.pdf,
            title=_("Receipt {number}").format(number=number),
            file_name=rendered.file_name,
            preferences=self.preferences,
            print_copy=partial(self._print_copy, number) if reprint else None,
            parent=parent,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if not reprint:  # the original went out: from now on a print of it is a counted copy
            dialog.printed.connect(partial(self._on_original_printed, parent, number))
        dialog.open()
        self.preview_opened.emit(dialog)

    def _on_original_printed(self, parent: QWidget, receipt_number: str, _pages: int) -> None:
        actor = self._actor() if self._actor is not None else None
        Op(parent, lambda store, _p: original_printed(store, receipt_number, actor=actor),
           runner=self._runner).run()

    def _print_copy(self, receipt_number: str, preview: QWidget) -> None:
        # The print job belongs to the page under the preview: closing the preview must not end it.
        self.print_receipts(preview.parentWidget() or preview, [receipt_number], copy=True)

    def _remember_printer(self, printer: QPrinter) -> None:
        if printer.outputFormat() == QPrinter.OutputFormat.NativeFormat and printer.printerName():
            self.preferences.update(printer_name=printer.printerName())


def _warn(parent: QWidget, title: str, error: Exception) -> None:
    QMessageBox.warning(parent, title, str(error))


def describe_outcome(outcome: PrintOutcome) -> str:
    """One line for the status bar: what a finished run did."""
    if outcome.cancelled:
        return _("Stopped: {done} of {total} receipts done.").format(done=outcome.done, total=outcome.total)
    return ngettext("{n} receipt done.", "{n} receipts done.", outcome.done).format(n=outcome.done)
