"""RoundsPage: collaborators' visit rounds, with the households each has visited and which of them paid.

Keyboard: the rounds list has the focus; arrows choose a round and its households show below; Tab
reaches them, then the outcome (Alt+K) and Ctrl+Enter marks the chosen household visited with it.
Ctrl+P shows the round's visit list (PDF), Ctrl+Shift+E writes its file for a USB stick (on a device
that imported the round, the file of its results for the point), Ctrl+Shift+I takes one in. "Paid" is
what standing receipts say, never the outcome marked at the door. Everything runs off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app import coverage_words as words
from collector_app.domain.problems import DomainError
from collector_app.domain.rounds import VisitOutcome
from collector_app.formatting import format_date, format_vnd
from collector_app.i18n import N_, _
from collector_app.messages import message
from collector_app.services import rounds
from collector_app.services.changes import Change, Changes
from collector_app.services.rounds import HouseholdProgress, ImportedFile, RoundDetail, RoundProgress
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.models.columns import RIGHT, Column, RowsTableModel
from collector_app.ui.operations import Op
from collector_app.ui.palette import ATTENTION
from collector_app.ui.printing import PrintPreferences
from collector_app.ui.widgets.tables import rows_view

WATCHED: Changes = frozenset({Change.ROUNDS, Change.PAYMENTS, Change.RECEIPTS})
FILE_FILTER = N_("Visit round files (*.json)")

ROUND_COLUMNS: tuple[Column[RoundProgress], ...] = (
    Column("number", N_("Round"), lambda p: str(p.header.number), RIGHT),
    Column("collaborator", N_("Collaborator"), lambda p: p.header.collaborator_name),
    Column("made_on", N_("Made on"), lambda p: format_date(p.header.made_on)),
    Column("households", N_("Households"), lambda p: str(p.households), RIGHT),
    Column("visited", N_("Households visited"), lambda p: str(p.visited), RIGHT),
    Column("paid", N_("Households paid"), lambda p: str(p.paid), RIGHT),
    Column("collected", N_("Collected"), lambda p: format_vnd(p.collected), RIGHT),
    Column("to_collect", N_("To collect"), lambda p: format_vnd(p.to_collect), RIGHT),
    Column("where", N_("Made where"), lambda p: _("here") if p.made_here else _("on the point's device")),
)

HOUSEHOLD_COLUMNS: tuple[Column[HouseholdProgress], ...] = (
    Column("household", N_("Household"), lambda h: _("{address} — household {code}").format(
        address=h.household.address, code=h.household.household_code or words.NO_VALUE)),
    # A member renewing both schemes is listed once.
    Column("members", N_("Members"), lambda h: ", ".join(dict.fromkeys(m.full_name for m in h.household.members))),
    Column("to_collect", N_("To collect"), lambda h: format_vnd(h.household.amount), RIGHT),
    Column("visit", N_("Visit"), lambda h: words.visit_text(None if h.visit is None else h.visit.outcome)),
    Column("paid", N_("Payment state"), lambda h: words.paid_text(h.state.value)),
    Column("collected", N_("Collected"), lambda h: format_vnd(h.collected), RIGHT),
    Column("receipts", N_("Receipts"), lambda h: ", ".join(h.receipt_numbers) or words.NO_VALUE),
)


class RoundsPage(QWidget):
    loaded = Signal()  # the rounds, or a round's households, were shown (tests and screenshots wait on it)

    def __init__(self, ctx: AppContext, preferences: PrintPreferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._preferences = preferences
        self.detail: RoundDetail | None = None
        self.preview: PdfPreviewDialog | None = None

        title = QLabel(_("Visit rounds"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold")
        self.summary = QLabel(_("Loading…"))
        self.summary.setWordWrap(True)
        self.rounds_model: RowsTableModel[RoundProgress] = RowsTableModel(ROUND_COLUMNS, self)
        self.rounds_table = rows_view(self.rounds_model, _("Visit rounds"))
        self.rounds_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rounds_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.households_label = QLabel()
        self.households_model: RowsTableModel[HouseholdProgress] = RowsTableModel(HOUSEHOLD_COLUMNS, self)
        self.households_table = rows_view(self.households_model, _("Households of the round"))
        header = self.households_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        self.outcome_box = QComboBox()
        self.outcome_box.setAccessibleName(_("What came of the visit"))
        for outcome in VisitOutcome:
            self.outcome_box.addItem(_(words.OUTCOME_WORDS[outcome.value]), outcome.value)
        outcome_label = QLabel(_("Out&come:"))
        outcome_label.setBuddy(self.outcome_box)
        self.visit_button = QPushButton(_("Mark &visited (Ctrl+Enter)"))
        visit_row = QHBoxLayout()
        visit_row.addWidget(outcome_label)
        visit_row.addWidget(self.outcome_box)
        visit_row.addWidget(self.visit_button)
        visit_row.addStretch(1)

        self.print_button = QPushButton(_("Print the visit &list (Ctrl+P)"))
        self.export_button = QPushButton(_("&Export to a file… (Ctrl+Shift+E)"))
        self.import_button = QPushButton(_("&Import a file… (Ctrl+Shift+I)"))
        buttons = QHBoxLayout()
        for button in (self.print_button, self.export_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        hint = QLabel(_("A round is made on the Due page (Ctrl+Shift+R). Its file goes to the collaborator's "
                        "device on a USB stick; the results file comes back the same way. Paid is what the "
                        "receipts say."))
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.rounds_table, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.households_label)
        layout.addWidget(self.households_table, 3)
        layout.addLayout(visit_row)
        layout.addWidget(self.status)
        layout.addWidget(hint)

        self.rounds_table.selectionModel().currentRowChanged.connect(self._on_round_chosen)
        self.households_table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.visit_button.clicked.connect(self.mark_visited)
        self.print_button.clicked.connect(self.show_visit_list)
        self.export_button.clicked.connect(self.choose_export_file)
        self.import_button.clicked.connect(self.choose_import_file)
        for keys, slot in (("Ctrl+Return", self.mark_visited), ("Ctrl+Enter", self.mark_visited),
                           ("Ctrl+P", self.show_visit_list), ("Ctrl+Shift+E", self.choose_export_file),
                           ("Ctrl+Shift+I", self.choose_import_file)):
            QShortcut(QKeySequence(keys), self, activated=slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        ctx.events.changed.connect(self._on_store_changed)
        self._update_buttons()

    def focus_page(self) -> None:
        self.rounds_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load()
        self.focus_page()

    # Reading

    def load(self) -> None:
        Op(self, lambda store, _p: rounds.rounds_progress(store), runner=self._ctx.runner).latest_only("rounds") \
            .success(self._on_loaded).failure(self._on_failed).run(label=_("Reading visit rounds…"))

    def chosen_round(self) -> RoundProgress | None:
        row = self.rounds_table.currentIndex().row()
        return self.rounds_model.row(row) if 0 <= row < self.rounds_model.rowCount() else None

    def chosen_household(self) -> HouseholdProgress | None:
        row = self.households_table.currentIndex().row()
        return self.households_model.row(row) if 0 <= row < self.households_model.rowCount() else None

    def _on_loaded(self, found: list[RoundProgress]) -> None:
        previous = self.chosen_round()
        self.rounds_model.set_rows(found)
        self.summary.setText(_("{rounds} rounds: {visited} of {households} households visited, {paid} paid; "
                               "collected {collected} of {to_collect}.").format(
            rounds=len(found), visited=sum(p.visited for p in found), households=sum(p.households for p in found),
            paid=sum(p.paid for p in found), collected=format_vnd(sum(p.collected for p in found)),
            to_collect=format_vnd(sum(p.to_collect for p in found)))
            if found else _("There is no visit round on this device yet."))
        if found:
            index = next((i for i, p in enumerate(found)
                          if previous is not None and p.header.round_id == previous.header.round_id), 0)
            self.rounds_table.selectRow(index)
            self._on_round_chosen()
        else:
            self.households_model.set_rows([])
            self.households_label.clear()
            self.detail = None
            self.loaded.emit()
        self._update_buttons()

    @Slot()
    def _on_round_chosen(self, *_args: object) -> None:
        chosen = self.chosen_round()
        if chosen is None:
            return
        header = chosen.header
        Op(self, lambda store, _p: rounds.round_detail(store, header), runner=self._ctx.runner) \
            .latest_only("round").success(self._on_detail).failure(self._on_failed) \
            .run(label=_("Reading the round…"))

    def _on_detail(self, detail: RoundDetail) -> None:
        previous = self.chosen_household()
        self.detail = detail
        self.households_model.set_rows(detail.households)
        header = detail.progress.header
        self.households_label.setText(_("Round {number} of {name}, made on {date}: each household").format(
            number=header.number, name=header.collaborator_name, date=format_date(header.made_on)))
        if detail.households:
            index = next((i for i, h in enumerate(detail.households) if previous is not None
                          and h.household.household_id == previous.household.household_id), 0)
            self.households_table.selectRow(index)
        self._update_buttons()
        self.loaded.emit()

    def _on_failed(self, error: Exception) -> None:
        self.status.setStyleSheet(f"color: {ATTENTION};")
        self.status.setText(" ".join(message(p) for p in error.problems) if isinstance(error, DomainError)
                            else _("That could not be done: {error}").format(error=error))
        self._update_buttons()

    def _said(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)

    def _update_buttons(self) -> None:
        has_round = self.chosen_round() is not None
        for button in (self.print_button, self.export_button):
            button.setEnabled(has_round)
        self.visit_button.setEnabled(self.chosen_household() is not None)

    def _on_store_changed(self, changes: Changes) -> None:
        if changes & WATCHED and self.isVisible():
            self.load()

    # Acting

    @Slot()
    def mark_visited(self) -> None:
        chosen, detail = self.chosen_household(), self.detail
        if chosen is None or detail is None or not self.visit_button.isEnabled():
            return
        header, household = detail.progress.header, chosen.household.household_id
        outcome, actor = str(self.outcome_box.currentData()), self._ctx.user
        self.visit_button.setEnabled(False)
        Op(self, lambda store, _p: rounds.visit(store, header, household=household, outcome=outcome, actor=actor),
           runner=self._ctx.runner).success(self._on_visited).failure(self._on_failed) \
            .run(label=_("Marking the visit…"))

    def _on_visited(self, done: rounds.Visited) -> None:
        self._said(_("{address} marked visited: {outcome}.").format(
            address=done.household.address, outcome=_(words.OUTCOME_WORDS[done.visit.outcome])))

    @Slot()
    def show_visit_list(self) -> None:
        chosen = self.chosen_round()
        if chosen is None:
            return
        header = chosen.header

        def render(store: Any, _progress: object) -> bytes:
            return rounds.round_pdf(header, rounds.households_of(store, header), point=rounds.point_label(store))

        Op(self, render, runner=self._ctx.runner).success(lambda pdf: self._preview(header.number, pdf)) \
            .failure(self._on_failed).run(label=_("Making the visit list…"))

    def _preview(self, number: int, pdf: bytes) -> None:
        self.preview = PdfPreviewDialog(pdf, title=_("Visit list of round {number}").format(number=number),
                                        file_name=f"round-{number}.pdf", preferences=self._preferences, parent=self)
        self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview.open()

    @Slot()
    def choose_export_file(self) -> None:
        chosen = self.chosen_round()
        if chosen is None:
            return
        suffix = "" if chosen.made_here else "-results"
        name, _filter = QFileDialog.getSaveFileName(self, _("Export round {number}").format(
            number=chosen.header.number), f"round-{chosen.header.number}{suffix}.json", _(FILE_FILTER))
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        """Write the chosen round's file (or its results) to `path`, off the GUI thread."""
        chosen = self.chosen_round()
        if chosen is None:
            return
        header = chosen.header

        def write(store: Any, _progress: object) -> rounds.Exported:
            exported = rounds.export_round(store, header)
            partial = path.with_name(f".{path.name}.part")
            partial.write_bytes(exported.data)
            partial.replace(path)  # never half a file under the name on the stick
            return exported

        Op(self, write, runner=self._ctx.runner).success(lambda done: self._said(
            (_("Round {number} written to {path}: import it on the collaborator's device.")
             if done.kind.value == "round" else
             _("Results of round {number} written to {path}: import them on the point's device.")).format(
                number=done.header.number, path=path))).failure(self._on_failed).run(label=_("Writing the file…"))

    @Slot()
    def choose_import_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Import a visit round file"), "", _(FILE_FILTER))
        if name:
            self.import_from(Path(name))

    def import_from(self, path: Path) -> None:
        actor = self._ctx.user
        Op(self, lambda store, _p: rounds.import_round_file(store, path, actor=actor), runner=self._ctx.runner) \
            .success(self._on_imported).failure(self._on_failed).run(label=_("Reading the file…"))

    def _on_imported(self, done: ImportedFile) -> None:
        if done.kind.value == "round":
            self._said(_("Round {number} of {name} imported; {households} households and {people} people added.")
                       .format(number=done.header.number, name=done.header.collaborator_name,
                               households=done.households_added, people=done.people_added))
        else:
            self._said(_("Results of round {number} imported: {visits} new visits, {receipts} receipts.").format(
                number=done.header.number, visits=done.visits_added, receipts=done.receipts_changed))
