"""ExportDialog (File › Export data…, Ctrl+E): people, households, payments or receipts of a date range
written to a CSV or XLSX file in the background, with its progress shown.

From the keyboard: Tab moves through what to export, the two dates (typed as dd/mm/yyyy, Alt+Down opens
a calendar), the format and the file; Enter exports; Esc closes. The file name follows the choices until
the user picks one with Choose… (Ctrl+O).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.problems import DomainError
from collector_app.formatting import format_count
from collector_app.i18n import N_, _, ngettext
from collector_app.messages import message
from collector_app.paths import data_dir
from collector_app.services.exports import Exported, export
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style

KINDS = (("people", N_("People")), ("households", N_("Households")), ("payments", N_("Payments")),
         ("receipts", N_("Receipts")))
FORMATS = ((".xlsx", N_("Excel workbook (.xlsx)")), (".csv", N_("CSV, UTF-8 (.csv)")))
CHOOSE_KEY = QKeySequence("Ctrl+O")


def today() -> date:
    """The day the range ends on by default (tests set it)."""
    return date.today()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError):
        return " ".join(message(problem) for problem in error.problems)
    if isinstance(error, OSError) and error.filename:
        return _("Cannot write {path}: {reason}").format(path=error.filename, reason=error.strerror or error)
    return str(error)


class ExportDialog(QDialog):
    exported = Signal(object)  # Exported

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._chosen_path = False  # the user picked a file: the name no longer follows the choices
        self.setWindowTitle(_("Export data"))

        self.kind_box = QComboBox()
        for kind, label in KINDS:
            self.kind_box.addItem(_(label), kind)
        end = today()
        self.from_edit = self._date_edit(end.replace(day=1))
        self.to_edit = self._date_edit(end)
        self.format_box = QComboBox()
        for suffix, label in FORMATS:
            self.format_box.addItem(_(label), suffix)
        self.path_edit = QLineEdit()
        self.path_edit.setMinimumWidth(420)
        self.choose_button = QPushButton(_("Choose… ({key})").format(
            key=CHOOSE_KEY.toString(QKeySequence.SequenceFormat.NativeText)))
        self.choose_button.setAutoDefault(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)
        self.progress_bar.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton(_("Export"))
        self.export_button.setDefault(True)
        self.close_button = QPushButton(_("Close"))
        self.close_button.setAutoDefault(False)

        form = QFormLayout()
        form.addRow(_("&What:"), self.kind_box)
        form.addRow(_("&From:"), self.from_edit)
        form.addRow(_("&To:"), self.to_edit)
        form.addRow(_("F&ormat:"), self.format_box)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.choose_button)
        file_label = QLabel(_("F&ile:"))
        file_label.setBuddy(self.path_edit)  # a row of two widgets: the label needs its buddy named
        form.addRow(file_label, path_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self.choose_shortcut = QShortcut(CHOOSE_KEY, self)
        self.kind_box.currentIndexChanged.connect(self._on_choice_changed)
        self.format_box.currentIndexChanged.connect(self._on_choice_changed)
        self.from_edit.dateChanged.connect(self._on_choice_changed)
        self.to_edit.dateChanged.connect(self._on_choice_changed)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.choose_button.clicked.connect(self._on_choose)
        self.choose_shortcut.activated.connect(self._on_choose)
        self.export_button.clicked.connect(self._on_export)
        self.close_button.clicked.connect(self.reject)
        self._on_choice_changed()
        self.kind_box.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _date_edit(day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setCalendarPopup(True)
        return edit

    def _range(self) -> tuple[date, date]:
        since, until = self.from_edit.date(), self.to_edit.date()
        return (date(since.year(), since.month(), since.day()), date(until.year(), until.month(), until.day()))

    def suggested_path(self) -> Path:
        since, until = self._range()
        folder = Path(self.path_edit.text()).parent if self._chosen_path else data_dir() / "exports"
        name = f"{self.kind_box.currentData()}-{since:%Y%m%d}-{until:%Y%m%d}{self.format_box.currentData()}"
        return folder / name

    @Slot()
    def _on_choice_changed(self) -> None:
        if not self._chosen_path:
            self.path_edit.setText(str(self.suggested_path()))
        else:  # keep the folder and name the user chose, with the format's suffix
            self.path_edit.setText(str(Path(self.path_edit.text()).with_suffix(self.format_box.currentData())))

    @Slot(str)
    def _on_path_edited(self, _text: str) -> None:
        self._chosen_path = True

    @Slot()
    def _on_choose(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(self, _("Export to"), self.path_edit.text(),
                                                      f"*{self.format_box.currentData()}")
        if chosen:
            self._chosen_path = True
            self.path_edit.setText(chosen)
            self._on_choice_changed()

    @Slot()
    def _on_export(self) -> None:
        kind, (since, until) = self.kind_box.currentData(), self._range()
        path = Path(self.path_edit.text().strip())
        if path.suffix.lower() != self.format_box.currentData():
            path = path.with_suffix(self.format_box.currentData())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._on_failed(OSError(error.errno, error.strerror, str(path.parent)))
            return
        self.export_button.setEnabled(False)
        self.progress_bar.setRange(0, 0)  # busy until the first count arrives
        self.progress_bar.show()
        self.status_label.setStyleSheet("")
        self.status_label.setText(_("Exporting…"))
        (
            Op(self, lambda store, progress: export(store, kind, path, since=since, until=until, progress=progress),
               runner=self._runner)
            .progress(self._on_progress)
            .success(self._on_exported)
            .failure(self._on_failed)
            .long_read()
            .run(label=_("Exporting…"))
        )

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _on_exported(self, result: Exported) -> None:
        self.export_button.setEnabled(True)
        self.progress_bar.hide()
        self.status_label.setText(ngettext("{count} row written to {path}", "{count} rows written to {path}",
                                           result.rows).format(count=format_count(result.rows), path=result.path))
        self.exported.emit(result)

    def _on_failed(self, error: Exception) -> None:
        self.export_button.setEnabled(True)
        self.progress_bar.hide()
        self.status_label.setStyleSheet(attention_style("QLabel"))
        self.status_label.setText(_("The export failed: {reason}").format(reason=_describe(error)))


def open_export_dialog(ctx: AppContext, parent: QWidget | None) -> ExportDialog:
    dialog = ExportDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
