"""PdfPreviewDialog: a PDF (a receipt) on screen, page by page, with print and "print to folder".

Keyboard only: PgUp/PgDn (Home/End) move between pages, Ctrl++ / Ctrl+- zoom, Ctrl+0 shows the
whole page, Ctrl+1 the page's width, Ctrl+P prints through the system's dialog, Ctrl+S writes the
PDF into the print folder, Esc closes. It opens showing the whole page when that is readable, else
(a short screen: 1366 x 768 at 125 %) the page's width, the dialog made wide enough for 100 %.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QMargins, QObject, QPointF, QSize, QSizeF, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.i18n import _, ngettext
from collector_app.ui.printing import (
    PdfSource,
    PrintError,
    PrintPreferences,
    choose_folder,
    choose_printer,
    new_printer,
    open_pdf,
    prepare_printer,
    print_pdf,
    write_pdf,
)

ZOOM_STEP = 1.25
PAGE_MARGIN_PX = 8
MIN_ZOOM = 0.25
MAX_ZOOM = 4.0
# Share of the screen's height the dialog takes: an A5 page is tall; leave room for the taskbar.
SCREEN_HEIGHT_SHARE = 0.9
PAGE_ASPECT_WIDTH_SHARE = 0.8  # width as a share of height, enough for an A5 page and the buttons
SCREEN_WIDTH_SHARE = 0.95
# Below this, the whole page is too small to read (61 % for an A5 page at 1366 x 768 and 125 %):
# the preview opens fitted to the page's width instead, and scrolls.
READABLE_ZOOM = 0.85
# Room the dialog takes besides the page: its buttons, its status line, margins, a scroll bar.
CHROME_PX = QSize(48, 96)


def opening_layout(
    available: QSize, page_points: QSizeF, dpi: float, minimum: QSize
) -> tuple[QSize, QPdfView.ZoomMode, float]:
    """The dialog's size, zoom mode and zoom (for the custom mode) at opening on a screen with
    `available` room: the whole page when it shows at a readable zoom; else the page at its width or
    100 % (the smaller), in a dialog wide enough for 100 %, scrolling down the page."""
    pixels_per_point = dpi / 72.0
    page = QSizeF(page_points.width() * pixels_per_point, page_points.height() * pixels_per_point)
    height = round(available.height() * SCREEN_HEIGHT_SHARE)
    width = min(available.width(), max(minimum.width(), round(height * PAGE_ASPECT_WIDTH_SHARE)))
    whole = min((width - CHROME_PX.width()) / page.width(), (height - CHROME_PX.height()) / page.height())
    if whole >= READABLE_ZOOM:
        return QSize(width, height), QPdfView.ZoomMode.FitInView, whole
    wide = round(page.width()) + CHROME_PX.width()
    width = min(round(available.width() * SCREEN_WIDTH_SHARE), max(width, wide))
    # A dialog wider than the page (its buttons need the room) would blow a narrow page up: 100 % at most.
    return QSize(width, height), QPdfView.ZoomMode.Custom, min(1.0, (width - CHROME_PX.width()) / page.width())


class PdfPreviewDialog(QDialog):
    printed = Signal(int)  # pages painted on the printer
    saved = Signal(object)  # Path of the PDF written by "print to folder"

    def __init__(
        self,
        pdf: PdfSource,
        *,
        title: str,
        file_name: str,
        preferences: PrintPreferences,
        print_copy: Callable[[QWidget], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`print_copy(dialog)`, if given, is what Ctrl+P does instead of printing the PDF shown: a
        receipt shown as issued is printed again as a counted copy, marked as one."""
        super().__init__(parent)
        self._pdf = pdf.read_bytes() if isinstance(pdf, Path) else pdf
        self._title = title
        self._file_name = file_name
        self._preferences = preferences
        self._print_copy = print_copy
        self.setWindowTitle(title)

        self.document = open_pdf(self._pdf, self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        # QtPdf 6.11 fits a single page to the viewport's full height and then adds the top and
        # bottom margins: the page overflows and a scroll bar appears. Margins at the sides only.
        self.view.setDocumentMargins(QMargins(PAGE_MARGIN_PX, 0, PAGE_MARGIN_PX, 0))
        self.view.setAccessibleName(_("Page preview"))
        # Grey around the page, as on every viewer: the white page must stand out from its background.
        self.view.setStyleSheet("QPdfView { background: palette(mid); }")

        self.previous_action = self._action(_("Previous page"), "PgUp", self._on_previous_triggered)
        self.next_action = self._action(_("Next page"), "PgDown", self._on_next_triggered)
        self.first_action = self._action(_("First page"), "Home", self._on_first_triggered)
        self.last_action = self._action(_("Last page"), "End", self._on_last_triggered)
        self.zoom_out_action = self._action(_("Zoom out"), "Ctrl+-", self._on_zoom_out_triggered)
        self.zoom_in_action = self._action(_("Zoom in"), "Ctrl++", self._on_zoom_in_triggered)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.fit_action = self._action(_("Whole page"), "Ctrl+0", self._on_fit_triggered)
        self.fit_width_action = self._action(_("Page width"), "Ctrl+1", self._on_fit_width_triggered)
        print_text = _("Print a copy…") if print_copy is not None else _("Print…")
        self.print_action = self._action(print_text, "Ctrl+P", self._on_print_triggered)
        self.save_action = self._action(_("Print to folder"), "Ctrl+S", self._on_save_triggered)
        self.close_action = self._action(_("Close"), "Esc", self.reject)

        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_label = QLabel()
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status_label = QLabel()
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        bar = QHBoxLayout()
        bar.addWidget(self._button(self.previous_action))
        bar.addWidget(self.page_label)
        bar.addWidget(self._button(self.next_action))
        bar.addSpacing(12)
        bar.addWidget(self._button(self.zoom_out_action))
        bar.addWidget(self.zoom_label)
        bar.addWidget(self._button(self.zoom_in_action))
        bar.addWidget(self._button(self.fit_action))
        bar.addWidget(self._button(self.fit_width_action))
        bar.addStretch(1)
        bar.addWidget(self._button(self.print_action))
        bar.addWidget(self._button(self.save_action))
        bar.addWidget(self._button(self.close_action))

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)

        self.view.pageNavigator().currentPageChanged.connect(self._on_current_page_changed)
        self.view.zoomModeChanged.connect(self._on_zoom_changed)
        self.view.zoomFactorChanged.connect(self._on_zoom_changed)
        self.view.viewport().installEventFilter(self)

        self._size_to_screen()
        self._show_page_state()
        self._on_zoom_changed()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    # State shown

    def page_count(self) -> int:
        return self.document.pageCount()

    def current_page(self) -> int:
        """The page shown, from 0."""
        return self.view.pageNavigator().currentPage()

    def go_to_page(self, page: int) -> None:
        page = max(0, min(page, self.page_count() - 1))
        self.view.pageNavigator().jump(page, QPointF(), self.view.pageNavigator().currentZoom())

    # Actions

    @Slot()
    def _on_previous_triggered(self) -> None:
        self.go_to_page(self.current_page() - 1)

    @Slot()
    def _on_next_triggered(self) -> None:
        self.go_to_page(self.current_page() + 1)

    @Slot()
    def _on_first_triggered(self) -> None:
        self.go_to_page(0)

    @Slot()
    def _on_last_triggered(self) -> None:
        self.go_to_page(self.page_count() - 1)

    @Slot()
    def _on_zoom_in_triggered(self) -> None:
        self._zoom_to(self._effective_zoom() * ZOOM_STEP)

    @Slot()
    def _on_zoom_out_triggered(self) -> None:
        self._zoom_to(self._effective_zoom() / ZOOM_STEP)

    @Slot()
    def _on_fit_triggered(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)

    @Slot()
    def _on_fit_width_triggered(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    @Slot()
    def _on_print_triggered(self) -> None:
        if self._print_copy is not None:
            self._print_copy(self)
            return
        printer = new_printer(self._preferences.settings.printer_name)
        prepare_printer(printer, self.document, title=self._title)
        proposed = printer.pageLayout().pageSize()
        if not choose_printer(self, printer, page_count=self.page_count(), current_page=self.current_page()):
            return
        # The paper we proposed follows each page (A5, the roll's length); paper the user picked
        # instead (A4 in the only tray) gets every page fitted on it.
        follows = printer.pageLayout().pageSize().isEquivalentTo(proposed)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            pages = print_pdf(
                self.document, printer, current_page=self.current_page(), paper_follows_pages=follows
            )
        except PrintError as error:
            QMessageBox.warning(self, _("Printing failed"), str(error))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        if printer.outputFormat() == QPrinter.OutputFormat.NativeFormat and printer.printerName():
            self._preferences.update(printer_name=printer.printerName())
        self.status_label.setText(
            ngettext("{n} page sent to the printer.", "{n} pages sent to the printer.", pages).format(n=pages)
        )
        self.printed.emit(pages)

    @Slot()
    def _on_save_triggered(self) -> None:
        folder = self._preferences.settings.folder_path or choose_folder(self, self._preferences)
        if folder is None:
            return
        try:
            try:
                path = write_pdf(self._pdf, folder, self._file_name)
            except FileExistsError as exists:
                if not self._confirm_replace(exists):
                    return
                path = write_pdf(self._pdf, folder, self._file_name, overwrite=True)
        except OSError as error:
            QMessageBox.warning(self, _("The PDF could not be saved"), str(error))
            return
        self.status_label.setText(_("Saved as {path}").format(path=path))
        self.saved.emit(path)

    def _confirm_replace(self, exists: FileExistsError) -> bool:
        answer = QMessageBox.question(
            self,
            _("Replace the file?"),
            _("{problem} Replace it with this one?").format(problem=exists),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # Display

    @Slot(int)
    def _on_current_page_changed(self, page: int) -> None:
        self._show_page_state()

    @Slot()
    def _on_zoom_changed(self) -> None:
        self.zoom_label.setText(f"{round(self._effective_zoom() * 100)} %")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # "Whole page" zoom changes with the window's size; keep the percentage shown true.
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._on_zoom_changed()
        return super().eventFilter(watched, event)

    def _show_page_state(self) -> None:
        page, count = self.current_page(), self.page_count()
        self.page_label.setText(_("Page {page} of {count}").format(page=page + 1, count=count))
        self.previous_action.setEnabled(page > 0)
        self.first_action.setEnabled(page > 0)
        self.next_action.setEnabled(page < count - 1)
        self.last_action.setEnabled(page < count - 1)

    def _zoom_to(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(MIN_ZOOM, min(MAX_ZOOM, factor)))

    def effective_zoom(self) -> float:
        """The zoom factor now on screen; in the fitted modes QPdfView computes it without telling."""
        mode = self.view.zoomMode()
        if mode == QPdfView.ZoomMode.Custom:
            return self.view.zoomFactor()
        page = self.document.pagePointSize(self.current_page())
        pixels_per_point = self.view.logicalDpiX() / 72.0
        margins = self.view.documentMargins()
        viewport = self.view.viewport().size()
        width = viewport.width() - margins.left() - margins.right()
        height = viewport.height() - margins.top() - margins.bottom()
        across = width / (page.width() * pixels_per_point)
        if mode == QPdfView.ZoomMode.FitToWidth:
            return across
        return min(across, height / (page.height() * pixels_per_point))

    _effective_zoom = effective_zoom

    def _size_to_screen(self) -> None:
        available = self.screen().availableGeometry().size()
        page = self.document.pagePointSize(0) if self.page_count() else QSizeF(420, 595)
        size, mode, zoom = opening_layout(available, page, self.view.logicalDpiX(), self.minimumSizeHint())
        self.resize(size)
        self.view.setZoomMode(mode)
        if mode == QPdfView.ZoomMode.Custom:
            self.view.setZoomFactor(zoom)

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{text} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # The keyboard has the shortcuts; Tab should not stop on a dozen buttons before the page.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button
