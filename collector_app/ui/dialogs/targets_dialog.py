"""TargetsDialog: a supervisor sets the year's plan on the provincial server, a point's target at a time or the
whole province's plan from a file (CSV or XLSX, as `provincial-server import-targets` reads it).

Keyboard: the year and the point come first (Enter shows the point's targets), then the scheme,
participants and amount; Ctrl+Enter saves the target; Alt+I imports a plan file; Esc closes. Every call
runs on the supervisor's lane, in the background; a session that ended asks for the password again.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from collector_app.coverage_words import SCHEME_WORDS, scheme_text
from collector_app.formatting import format_count, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.sync.targets import PlanImported, PointTarget, import_plan, point_targets, read_plan_file, set_target
from collector_app.ui.dialogs.payment_parts import MoneyEdit
from collector_app.ui.models.columns import RIGHT, Column, RowsTableModel
from collector_app.ui.palette import attention_style
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.widgets.tables import rows_view

YEARS = (2000, 2100)  # as the server takes them
MAX_PARTICIPANTS = 10_000_000
FIELD_WIDTH = 220  # px: a code or a number, not the dialog's whole width

COLUMNS: tuple[Column[PointTarget], ...] = (
    Column("scheme", N_("Scheme"), lambda t: scheme_text(t.scheme)),
    Column("participants", N_("Participants"), lambda t: format_count(t.participants), RIGHT),
    Column("amount", N_("Amount"), lambda t: "—" if t.amount is None else format_vnd(t.amount), RIGHT),
)


class TargetsModel(RowsTableModel[PointTarget]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(COLUMNS, parent)


class TargetsDialog(QDialog):
    def __init__(self, link: SupervisorLink, *, point: str = "", year: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link = link
        self.setWindowTitle(_("Plan targets"))
        self.year_spin = QSpinBox()
        self.year_spin.setRange(*YEARS)
        self.year_spin.setValue(year or date.today().year)
        self.point_edit = QLineEdit(point)
        self.point_edit.setPlaceholderText(_("e.g. BD01"))
        self.show_button = QPushButton(_("&Show"))
        self.scheme_combo = QComboBox()
        for scheme, words in SCHEME_WORDS.items():
            self.scheme_combo.addItem(_(words), scheme)
        self.participants_spin = QSpinBox()
        self.participants_spin.setRange(0, MAX_PARTICIPANTS)
        self.participants_spin.setGroupSeparatorShown(True)
        self.amount_edit = MoneyEdit()
        self.amount_edit.setPlaceholderText(_("empty: no amount target"))
        for field in (self.year_spin, self.point_edit, self.participants_spin):
            field.setMaximumWidth(FIELD_WIDTH)
        self.amount_edit.setMaximumWidth(FIELD_WIDTH + FIELD_WIDTH // 2)  # room for its hint
        point_row = QHBoxLayout()
        point_row.addWidget(self.point_edit)
        point_row.addWidget(self.show_button)
        point_row.addStretch(1)
        form = QFormLayout()
        form.addRow(_("&Year:"), self.year_spin)
        point_label = QLabel(_("P&oint:"))
        point_label.setBuddy(self.point_edit)  # a row of several widgets gets no buddy by itself
        form.addRow(point_label, point_row)
        form.addRow(_("S&cheme:"), self.scheme_combo)
        form.addRow(_("&Participants:"), self.participants_spin)
        form.addRow(_("&Amount (đ):"), self.amount_edit)
        self.model = TargetsModel(self)
        self.table = rows_view(self.model, _("The point's targets"))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.status = QLabel(_("Type a point's code and press Enter to see its targets."))
        self.status.setWordWrap(True)
        self.save_button = QPushButton(_("&Save the target"))
        self.import_button = QPushButton(_("&Import a plan file…"))
        self.import_button.setToolTip(_("CSV (UTF-8) or XLSX: a header year, point_code, scheme, participants, "
                                        "amount, then a target a line; one wrong line and nothing is written"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(620, 480)

        self.point_edit.returnPressed.connect(self.show_targets)
        self.show_button.clicked.connect(self.show_targets)
        self.year_spin.editingFinished.connect(self._on_year_changed)
        self.scheme_combo.currentIndexChanged.connect(self._fill_from_table)
        self.save_button.clicked.connect(self.save)
        self.import_button.clicked.connect(self._on_import_clicked)
        buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save)
        if point:
            self.show_targets()

    def _point(self) -> str | None:
        point = self.point_edit.text().strip().upper()
        if not point:
            self._say(_("Type the point's code first, e.g. BD01."), attention=True)
            self.point_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        return point

    @Slot()
    def _on_year_changed(self) -> None:
        if self.point_edit.text().strip():
            self.show_targets()

    @Slot()
    def show_targets(self) -> None:
        point, year = self._point(), self.year_spin.value()
        if point is None:
            return
        self._say(_("Loading the targets…"))
        self._link.call(self, lambda session: point_targets(session, year=year, point=point),
                        success=self._on_targets, failure=self._on_failed, label=_("Loading the targets…"),
                        key="point-targets")

    def _on_targets(self, found: tuple[PointTarget, ...]) -> None:
        self.model.set_rows(found)
        self._fill_from_table()
        self._say(_("The point has no target for {year} yet.").format(year=self.year_spin.value()) if not found
                  else ngettext("{n} target for {year}; change it and save.", "{n} targets for {year}; change one "
                                "and save it.", len(found)).format(n=len(found), year=self.year_spin.value()))

    @Slot()
    def _fill_from_table(self) -> None:
        """The chosen scheme's target as the server holds it, ready to change."""
        scheme = self.scheme_combo.currentData()
        held = next((self.model.row(n) for n in range(self.model.rowCount()) if self.model.row(n).scheme == scheme),
                    None)
        self.participants_spin.setValue(0 if held is None else held.participants)
        self.amount_edit.set_value(None if held is None else held.amount)

    @Slot()
    def save(self) -> None:
        point = self._point()
        if point is None:
            return
        target = PointTarget(year=self.year_spin.value(), point_code=point, scheme=self.scheme_combo.currentData(),
                             participants=self.participants_spin.value(), amount=self.amount_edit.value())
        self.save_button.setEnabled(False)
        self._say(_("Saving…"))
        self._link.call(self, lambda session: set_target(session, target), success=self._on_saved,
                        failure=self._on_failed, label=_("Saving the target…"))

    def _on_saved(self, target: PointTarget) -> None:
        self.save_button.setEnabled(True)
        self._say(_("Saved: {scheme} {year} at {point}, {participants} participants{amount}. The point's devices "
                    "get it at their next sync.").format(
            scheme=scheme_text(target.scheme), year=target.year, point=target.point_code,
            participants=format_count(target.participants),
            amount="" if target.amount is None else ", " + format_vnd(target.amount)))
        self._reload_table(target.year, target.point_code)

    def _reload_table(self, year: int, point: str) -> None:
        """The point's targets again, the message about what was just done left as it is."""
        self._link.call(self, lambda session: point_targets(session, year=year, point=point),
                        success=self.model.set_rows, failure=self._on_failed, key="point-targets")

    @Slot()
    def _on_import_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Plan file"), "",
                                                    _("Plans (*.csv *.xlsx);;All files (*)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        self.import_button.setEnabled(False)
        self._say(_("Importing {name}…").format(name=path.name))
        self._link.call(self, lambda session: import_plan(session, read_plan_file(path)), success=self._on_imported,
                        failure=self._on_failed, label=_("Importing the plan…"))

    def _on_imported(self, imported: PlanImported) -> None:
        self.import_button.setEnabled(True)
        self._say(_("Plan imported: {targets}, {written} new or changed, {unchanged} unchanged; {points} points' "
                    "devices get them at their next sync.").format(
            targets=ngettext("{n} target", "{n} targets", imported.imported).format(n=format_count(imported.imported)),
            written=format_count(imported.written), unchanged=format_count(imported.unchanged),
            points=format_count(imported.points)))
        point = self.point_edit.text().strip().upper()
        if point:
            self._reload_table(self.year_spin.value(), point)

    def _on_failed(self, error: Exception) -> None:
        self.save_button.setEnabled(True)
        self.import_button.setEnabled(True)
        self._say(str(error), attention=True)

    def _say(self, text: str, *, attention: bool = False) -> None:
        self.status.setStyleSheet(attention_style("QLabel") if attention else "")
        self.status.setText(text)
