"""Printing PDFs through Qt: QtPdf renders each page at the printer's resolution and QPainter puts it on
the printer, on paper that follows the PDF's pages (A5, or an 80 mm roll as long as the receipt).
Also the "print to folder" mode and the print settings (layout, folder, last printer) kept between runs.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QObject, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QFileDialog, QWidget

from collector_app.i18n import _
from collector_app.paths import config_dir
from collector_app.receipts.render import Layout

log = logging.getLogger(__name__)

PdfSource = bytes | Path
Progress = Callable[[int, int], None]

POINTS_PER_INCH = 72.0
MM_PER_INCH = 25.4
# Pages are painted as images, at the printer's resolution up to this cap; the painter scales them
# to the device. A PDF "printer" reports 1200 dpi, where one A5 page is a 280 MB image. Thermal heads
# print 203 dpi; at 300 dpi receipt text and QR codes are sharp on a laser too, and one A5 page
# takes ~0.1 s to paint here against ~0.5 s at 600 dpi: the GUI thread paints, so this is its pause.
MAX_RENDER_DPI = 300
ROLL_WIDTH_MM = 80.0
PROPOSED_ROLL_LENGTH_MM = 200.0  # shown in the print dialog only; a receipt's own length wins
# reportlab writes A5 as 419.53 x 595.28 pt; a tolerance of one point absorbs any rounding.
SAME_SIZE_POINTS = 1.0

PRINT_SETTINGS_FILE = "printing.json"


class PdfError(Exception):
    """A PDF that QtPdf cannot read."""


class PrintError(Exception):
    """The printer could not be started (no driver, file not writable...)."""


# Reading PDFs


def open_pdf(pdf: PdfSource, parent: QObject | None = None) -> QPdfDocument:
    """A loaded QPdfDocument for PDF bytes or a file; raises PdfError if QtPdf cannot read it.

    Bytes are read from a QBuffer owned by the document: pdfium reads pages lazily, so the bytes
    must live as long as the document does.
    """
    document = QPdfDocument() if parent is None else QPdfDocument(parent)
    if isinstance(pdf, Path):
        error = document.load(str(pdf))
    else:
        buffer = QBuffer(document)
        buffer.setData(pdf)  # copies the bytes into the buffer's own QByteArray
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document.load(buffer)
        error = document.error()
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
        document.deleteLater()
        raise PdfError(_("The PDF could not be read ({reason}).").format(reason=error.name))
    return document


def render_page(document: QPdfDocument, page: int, size: QSize) -> QImage:
    """Page `page` (from 0) as an opaque image of `size` pixels: black on white, as on paper.

    QtPdf renders onto a transparent image; painted as is, its transparent pixels would turn black
    wherever an image loses its alpha channel (some printer drivers, RGB conversions).
    """
    rendered = document.render(page, size)
    image = QImage(rendered.size(), QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return image


def page_size_in_pixels(page_points: QSizeF, dpi: float) -> QSize:
    scale = dpi / POINTS_PER_INCH
    return QSize(round(page_points.width() * scale), round(page_points.height() * scale))


# Paper


def paper_size_for(page_points: QSizeF) -> QPageSize:
    """The paper for a PDF page: A5 for the A5 layout, an 80 mm roll as long as the page for the roll
    layout, and the page's own size for anything else."""
    a5 = QPageSize(QPageSize.PageSizeId.A5).size(QPageSize.Unit.Point)
    if _same_size(page_points, a5):
        return QPageSize(QPageSize.PageSizeId.A5)
    width_mm = page_points.width() / POINTS_PER_INCH * MM_PER_INCH
    height_mm = page_points.height() / POINTS_PER_INCH * MM_PER_INCH
    if abs(width_mm - ROLL_WIDTH_MM) * POINTS_PER_INCH / MM_PER_INCH < SAME_SIZE_POINTS:
        # Exactly 80 mm wide: a roll printer driver offers 80 mm paper; the length is the receipt's.
        return QPageSize(
            QSizeF(ROLL_WIDTH_MM, height_mm),
            QPageSize.Unit.Millimeter,
            _("80 mm roll"),
            QPageSize.SizeMatchPolicy.ExactMatch,
        )
    return QPageSize(page_points, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)


def proposed_paper(layout: str) -> QPageSize:
    """The paper to propose before any receipt is rendered: A5, or the 80 mm roll (each receipt then
    gets its own length, as long as the user keeps this paper)."""
    if layout == Layout.ROLL80:
        return QPageSize(
            QSizeF(ROLL_WIDTH_MM, PROPOSED_ROLL_LENGTH_MM),
            QPageSize.Unit.Millimeter,
            _("80 mm roll"),
            QPageSize.SizeMatchPolicy.ExactMatch,
        )
    return QPageSize(QPageSize.PageSizeId.A5)


def page_layout_for(page_points: QSizeF) -> QPageLayout:
    """Portrait paper of the page's size with no margins: the PDF already has its own."""
    return QPageLayout(paper_size_for(page_points), QPageLayout.Orientation.Portrait, QMarginsF())


def prepare_printer(printer: QPrinter, document: QPdfDocument, *, title: str) -> None:
    """Set the paper from the document's first page, so the print dialog proposes the right one."""
    printer.setPageLayout(page_layout_for(document.pagePointSize(0)))
    # Draw from the paper's corner: the PDF's margins already keep clear of what printers cannot reach.
    printer.setFullPage(True)
    printer.setDocName(title)


def _same_size(a: QSizeF, b: QSizeF) -> bool:
    return abs(a.width() - b.width()) < SAME_SIZE_POINTS and abs(a.height() - b.height()) < SAME_SIZE_POINTS


# Which pages, how many times


def selected_pages(printer: QPrinter, page_count: int, *, current_page: int | None = None) -> list[int]:
    """The pages (from 0) the print dialog asked for: all, a range ("1-2, 4") or the current one."""
    print_range = printer.printRange()
    if print_range == QPrinter.PrintRange.CurrentPage and current_page is not None:
        return [current_page]
    if print_range == QPrinter.PrintRange.PageRange and not printer.pageRanges().isEmpty():
        ranges = printer.pageRanges()
        return [page for page in range(page_count) if ranges.contains(page + 1)]
    return list(range(page_count))


def page_order(pages: Sequence[int], copies: int, *, collate: bool) -> list[int]:
    """Pages in printing order for copies the application makes itself: 1 2 1 2 collated, else 1 1 2 2."""
    if collate:
        return [page for _copy in range(copies) for page in pages]
    return [page for page in pages for _copy in range(copies)]


def _copies_to_make(printer: QPrinter) -> tuple[int, bool]:
    """How many copies we must paint ourselves, and whether collated.

    A printer that supports multiple copies (most drivers) makes them itself from one painted copy;
    the PDF writer does not, so for it every copy is painted.
    """
    if printer.supportsMultipleCopies():
        return 1, True
    return max(1, printer.copyCount()), printer.collateCopies()


# Printing


class PdfPrintJob:
    """One print run over one or more PDFs: each page rendered at the printer's resolution and painted.

    With `paper_follows_pages`, each page gets paper of its own size (roll receipts differ in length);
    otherwise every page is fitted on the paper the user chose in the print dialog.
    """

    def __init__(self, printer: QPrinter, *, paper_follows_pages: bool = True) -> None:
        self._printer = printer
        self._paper_follows_pages = paper_follows_pages
        self._painter: QPainter | None = None

    def add(
        self,
        pdf: PdfSource | QPdfDocument,
        *,
        current_page: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Print the document's pages the dialog selected, with copies; returns the pages painted."""
        document = pdf if isinstance(pdf, QPdfDocument) else open_pdf(pdf)
        try:
            copies, collate = _copies_to_make(self._printer)
            pages = selected_pages(self._printer, document.pageCount(), current_page=current_page)
            order = page_order(pages, copies, collate=collate)
            for done, page in enumerate(order, start=1):
                self._print_page(document, page)
                if progress is not None:
                    progress(done, len(order))
            return len(order)
        finally:
            if document is not pdf:
                document.deleteLater()

    def finish(self) -> None:
        """End the run: the spooler (or the PDF file) gets what was painted."""
        if self._painter is not None and self._painter.isActive():
            self._painter.end()
        self._painter = None

    def _print_page(self, document: QPdfDocument, page: int) -> None:
        page_points = document.pagePointSize(page)
        if self._painter is None:
            if self._paper_follows_pages:
                self._printer.setPageLayout(page_layout_for(page_points))
            self._begin()
        else:
            self._next_sheet(page_points)
        assert self._painter is not None
        target = self._target_rect(page_points)
        dpi = min(self._printer.resolution(), MAX_RENDER_DPI)
        image = render_page(document, page, page_size_in_pixels(page_points, dpi))
        self._painter.drawImage(target, image)

    def _begin(self) -> None:
        self._printer.setFullPage(True)
        painter = QPainter()
        if not painter.begin(self._printer):
            raise PrintError(_("The printer could not be started."))
        self._painter = painter

    def _next_sheet(self, page_points: QSizeF) -> None:
        assert self._painter is not None
        layout = page_layout_for(page_points)
        new_paper = self._paper_follows_pages and not layout.isEquivalentTo(self._printer.pageLayout())
        if new_paper and not self._printer.setPageLayout(layout):
            # Native Windows printing refuses a new paper size in the middle of a job (the PDF and
            # CUPS engines accept it): give this page a job of its own.
            self._painter.end()
            self._printer.setPageLayout(layout)
            self._begin()
            return
        if not self._printer.newPage():
            raise PrintError(_("The printer refused a new page."))

    def _target_rect(self, page_points: QSizeF) -> QRectF:
        """Where the page goes, in device pixels: actual size, shrunk only if the paper is smaller;
        centred across the paper and from its top (an A5 receipt on A4 paper sits at the top)."""
        paper = self._printer.paperRect(QPrinter.Unit.DevicePixel)
        natural = QSizeF(page_size_in_pixels(page_points, self._printer.resolution()))
        scale = min(1.0, paper.width() / natural.width(), paper.height() / natural.height())
        width, height = natural.width() * scale, natural.height() * scale
        return QRectF(paper.left() + (paper.width() - width) / 2, paper.top(), width, height)


def print_pdf(
    pdf: PdfSource | QPdfDocument,
    printer: QPrinter,
    *,
    progress: Progress | None = None,
    current_page: int | None = None,
    paper_follows_pages: bool = True,
) -> int:
    """Print one PDF on `printer` as the print dialog set it up (pages, copies); returns pages painted.

    Call it on the GUI thread. Each page gets paper of its own size (A5, an 80 mm roll); with
    `paper_follows_pages=False`, pages are fitted on the paper already set (the user's choice).
    """
    job = PdfPrintJob(printer, paper_follows_pages=paper_follows_pages)
    try:
        return job.add(pdf, current_page=current_page, progress=progress)
    finally:
        job.finish()


def new_printer(printer_name: str = "") -> QPrinter:
    """A high-resolution printer: the one named if it is still installed, else the system default."""
    if printer_name and printer_name in QPrinterInfo.availablePrinterNames():
        return QPrinter(QPrinterInfo.printerInfo(printer_name), QPrinter.PrinterMode.HighResolution)
    return QPrinter(QPrinter.PrinterMode.HighResolution)


def choose_printer(
    parent: QWidget | None, printer: QPrinter, *, page_count: int, current_page: int | None = None
) -> bool:
    """Show the system's print dialog for `printer`; True if the user chose to print.

    Page ranges and "current page" are offered only for a single document (`page_count` > 0).
    """
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print"))
    options = (
        QAbstractPrintDialog.PrintDialogOption.PrintToFile
        | QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies
        | QAbstractPrintDialog.PrintDialogOption.PrintShowPageSize
    )
    if page_count > 0:
        options |= QAbstractPrintDialog.PrintDialogOption.PrintPageRange
        dialog.setMinMax(1, page_count)
        if current_page is not None:
            options |= QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage
    dialog.setOptions(options)
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


# Print to folder


def write_pdf(pdf: bytes, folder: Path, file_name: str, *, overwrite: bool = False) -> Path:
    """Write `pdf` as `folder/file_name`, whole or not at all (a half-written receipt is worse than none).

    The same bytes already there are left alone; a different file of that name raises
    FileExistsError unless `overwrite`: a receipt's file is never replaced silently.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name
    if target.exists() and not overwrite:
        if target.read_bytes() == pdf:
            return target
        raise FileExistsError(_("{path} already exists and is a different file.").format(path=target))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(pdf)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


# Settings


@dataclass(frozen=True)
class PrintSettings:
    """What printing remembers between runs: receipt layout, the folder for "print to folder", printer."""

    layout: str = Layout.A5.value  # a `receipts.render.Layout` value: "a5" or "roll80"
    folder: str = ""  # empty: ask the first time
    printer_name: str = ""  # empty: the system's default printer

    @property
    def folder_path(self) -> Path | None:
        return Path(self.folder) if self.folder else None


class PrintPreferences:
    """PrintSettings kept as JSON in the config folder (until the app has one settings file for all)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self.settings = self._load()

    def update(self, **changes: str) -> PrintSettings:
        self.settings = replace(self.settings, **changes)
        if self._path is not None:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                self._path.write_text(json.dumps(asdict(self.settings), indent=2), encoding="utf-8")
            except OSError:
                log.warning("print settings could not be saved to %s", self._path, exc_info=True)
        return self.settings

    def _load(self) -> PrintSettings:
        if self._path is None or not self._path.exists():
            return PrintSettings()
        try:
            stored = json.loads(self._path.read_text(encoding="utf-8"))
            settings = PrintSettings(
                **{k: str(v) for k, v in stored.items() if k in PrintSettings.__annotations__}
            )
        except (OSError, ValueError, TypeError):
            log.warning("print settings in %s are unreadable; using defaults", self._path, exc_info=True)
            return PrintSettings()
        known = settings.layout in {layout.value for layout in Layout}
        return settings if known else replace(settings, layout=Layout.A5.value)


def default_print_preferences() -> PrintPreferences:
    """The print settings of this user, in the config folder (`COLLECTOR_APP_DATA_DIR` moves it)."""
    return PrintPreferences(config_dir() / PRINT_SETTINGS_FILE)


def choose_folder(parent: QWidget | None, preferences: PrintPreferences) -> Path | None:
    """Ask where "print to folder" writes PDFs, and remember it; None if the user cancelled."""
    start = preferences.settings.folder or str(Path.home())
    chosen = QFileDialog.getExistingDirectory(parent, _("Folder for printed receipts"), start)
    if not chosen:
        return None
    preferences.update(folder=chosen)
    return Path(chosen)
