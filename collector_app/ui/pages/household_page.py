"""HouseholdPage: one household as the collector works with it: address, members with their cover today,
the household's payments, the four actions on them, and the selected member's declaration form TK1-TS.

Opened from a Find result (Enter or double-click); Escape goes back to Find. The keyboard starts in the
members table on the chosen person; Tab moves on to the actions, the payments and the way back, the
arrows move within a table. The actions are signals (`collect_vsi_requested`, `collect_hi_requested`,
`add_member_requested`, `edit_contact_requested`) for the window to open its forms with; the page loads
again whenever people, households, payments, receipts or the outbox change. Ctrl+T fills the selected
member's TK1-TS in the background and shows it in the print preview.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from collector_app.formatting import format_date
from collector_app.i18n import _, ngettext
from collector_app.services.changes import Change, Changes
from collector_app.services.coverage import HouseholdCoverage, household_view
from collector_app.services.official_lists import member_declaration_pdf
from collector_app.ui.context import AppContext
from collector_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from collector_app.ui.models.household_coverage import HouseholdPaymentsModel, MemberCoverageModel
from collector_app.ui.operations import Op
from collector_app.ui.palette import attention_style
from collector_app.ui.printing import default_print_preferences
from collector_app.ui.widgets.tables import fit_columns, rows_view, spare_columns

TITLE_FONT_SCALE = 1.3
NAME_MIN_PX = 160  # a usual name whole, before columns that can be spared give way
# Hidden in this order only when the members table is too narrow for every column (125 % scaling on
# a 1366 pixel screen); the state's tooltip still gives the support used, Edit contact the phone.
SPARED_COLUMNS = ("vsi_support", "phone", "relationship", "date_of_birth")
SHOWN_CHANGES = frozenset({Change.PEOPLE, Change.HOUSEHOLDS, Change.PAYMENTS, Change.RECEIPTS, Change.OUTBOX})

COLLECT_VSI_KEY = QKeySequence("F5")
COLLECT_HI_KEY = QKeySequence("F6")
ADD_MEMBER_KEY = QKeySequence("Ctrl+M")
EDIT_CONTACT_KEY = QKeySequence("F2")
DECLARATION_KEY = QKeySequence("Ctrl+T")  # "tờ khai"
BACK_KEY = QKeySequence("Esc")

_LOAD = "household"


def today() -> date:
    """The day the cover is worked out for (tests set it)."""
    return date.today()


def _key_text(key: QKeySequence) -> str:
    return key.toString(QKeySequence.SequenceFormat.NativeText)


class HouseholdPage(QWidget):
    collect_vsi_requested = Signal(str)  # person id of the selected member
    collect_hi_requested = Signal(str)  # household id
    add_member_requested = Signal(str)  # household id
    edit_contact_requested = Signal(str)  # person id of the selected member
    back_requested = Signal()  # Escape or the back button: return to Find
    household_loaded = Signal(object)  # HouseholdCoverage, each time the page has (re)loaded it
    declaration_opened = Signal(object)  # the PdfPreviewDialog showing a member's TK1-TS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._household_id: str | None = None
        self._chosen_person_id: str | None = None  # the person the collector came for (marked)
        self._focus_members_when_loaded = False
        self.household: HouseholdCoverage | None = None

        self.back_button = QPushButton(_("← Back to search ({key})").format(key=_key_text(BACK_KEY)))
        self.back_button.setToolTip(_("Back to the search results ({key})").format(key=_key_text(BACK_KEY)))
        self.title_label = QLabel()
        title_font = self.title_label.font()
        title_font.setPointSizeF(title_font.pointSizeF() * TITLE_FONT_SCALE)
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.address_label = QLabel()
        self.address_label.setWordWrap(True)
        self.address_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setStyleSheet(attention_style("QLabel"))
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.members_title = QLabel()
        self.members_model = MemberCoverageModel(self)
        self.members_view = rows_view(self.members_model, _("Household members and their cover"))
        fit_columns(self.members_view, self.members_model)

        self.collect_vsi_action = self._action(
            _("Collect voluntary SI ({key})"), _("Collect voluntary SI for the selected member ({key})"),
            COLLECT_VSI_KEY, window_key=True)
        self.collect_hi_action = self._action(
            _("Collect family HI ({key})"), _("Collect family HI for the whole household ({key})"),
            COLLECT_HI_KEY, window_key=True)
        self.add_member_action = self._action(
            _("Add a member ({key})"), _("Add a member to this household ({key})"), ADD_MEMBER_KEY)
        self.edit_contact_action = self._action(
            _("Edit contact details ({key})"), _("Edit the selected member's phone and the address ({key})"),
            EDIT_CONTACT_KEY)
        self.declaration_action = self._action(
            _("Declaration TK1-TS ({key})"),
            _("The selected member's declaration form TK1-TS, filled in from the registration, to print ({key})"),
            DECLARATION_KEY)
        self.back_action = QAction(_("Back to the search results"), self)  # named in Help › Keyboard shortcuts
        self.back_action.setShortcut(BACK_KEY)
        self.back_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.back_action)
        self.collect_vsi_button = self._button(self.collect_vsi_action)
        self.collect_hi_button = self._button(self.collect_hi_action)
        self.add_member_button = self._button(self.add_member_action)
        self.edit_contact_button = self._button(self.edit_contact_action)
        self.declaration_button = self._button(self.declaration_action)

        self.payments_title = QLabel()
        self.payments_model = HouseholdPaymentsModel(self)
        self.payments_view = rows_view(self.payments_model, _("Payments of this household"))
        fit_columns(self.payments_view, self.payments_model)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addSpacing(12)
        top.addWidget(self.title_label, 1)
        actions = QHBoxLayout()
        for button in (self.collect_vsi_button, self.collect_hi_button, self.add_member_button,
                       self.edit_contact_button, self.declaration_button):
            actions.addWidget(button)
        actions.addStretch(1)

        members = QWidget()
        members_layout = QVBoxLayout(members)
        members_layout.setContentsMargins(0, 0, 0, 0)
        members_layout.addWidget(self.members_title)
        members_layout.addWidget(self.members_view, 1)
        members_layout.addLayout(actions)
        payments = QWidget()
        payments_layout = QVBoxLayout(payments)
        payments_layout.setContentsMargins(0, 0, 0, 0)
        payments_layout.addWidget(self.payments_title)
        payments_layout.addWidget(self.payments_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(members)
        splitter.addWidget(payments)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.address_label)
        layout.addWidget(self.error_label)
        layout.addWidget(splitter, 1)

        for first, second in (
            (self.members_view, self.collect_vsi_button), (self.collect_vsi_button, self.collect_hi_button),
            (self.collect_hi_button, self.add_member_button), (self.add_member_button, self.edit_contact_button),
            (self.edit_contact_button, self.declaration_button), (self.declaration_button, self.payments_view),
            (self.payments_view, self.back_button),
        ):
            QWidget.setTabOrder(first, second)

        self.back_button.clicked.connect(self.back_requested)
        self.back_action.triggered.connect(self.back_requested)
        self.collect_vsi_action.triggered.connect(self._on_collect_vsi)
        self.collect_hi_action.triggered.connect(self._on_collect_hi)
        self.add_member_action.triggered.connect(self._on_add_member)
        self.edit_contact_action.triggered.connect(self._on_edit_contact)
        self.declaration_action.triggered.connect(self._on_declaration)
        self.members_view.selectionModel().currentRowChanged.connect(self._on_member_changed)
        ctx.events.changed.connect(self._on_store_changed)
        self._update_actions()

    def _action(self, text: str, tip: str, key: QKeySequence, *, window_key: bool = False) -> QAction:
        """`window_key`: the main window's Payments menu owns the key (it asks this page whom to collect
        from while the page is shown); a second shortcut on the same key would make both ambiguous."""
        shown = _key_text(key)
        action = QAction(text.format(key=shown), self)
        action.setToolTip(tip.format(key=shown))
        if not window_key:
            action.setShortcut(key)
        # Only while this page is shown: the keys mean something else on other pages.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(action)
        return action

    @staticmethod
    def _button(action: QAction) -> QPushButton:
        button = QPushButton(action.text())
        button.setToolTip(action.toolTip())
        button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        button.clicked.connect(action.trigger)
        action.enabledChanged.connect(button.setEnabled)
        return button

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        spare_columns(self.members_view, self.members_model, spared=SPARED_COLUMNS,
                      minimums={"name": NAME_MIN_PX})

    # Opening and loading

    def open_household(self, household_id: str, *, person_id: str | None = None) -> None:
        """Show the household `household_id`, marking and starting on `person_id`; the keyboard goes to
        its members once it is loaded."""
        if household_id != self._household_id:
            self.household = None
            self.members_model.set_members((), highlighted=None)
            self.payments_model.set_rows(())
            self.title_label.setText(_("Loading the household…"))
            self.address_label.clear()
            self.members_title.clear()
            self.payments_title.clear()
        self._household_id = household_id
        self._chosen_person_id = person_id
        self._focus_members_when_loaded = True
        self._update_actions()
        self.reload()

    def reload(self) -> None:
        if self._household_id is None:
            return
        household_id, day = self._household_id, today()
        (
            Op(self, lambda store, _p: household_view(store, household_id, today=day), runner=self._runner)
            .success(self._on_loaded)
            .failure(self._on_failed)
            .latest_only(_LOAD)
            .run()
        )

    def _on_loaded(self, household: HouseholdCoverage) -> None:
        if household.household_id != self._household_id:
            return  # another household was opened meanwhile
        current = self.selected_person_id() or self._chosen_person_id
        self.household = household
        self.error_label.hide()
        code = household.household_code or _("(no household code)")
        self.title_label.setText(_("Household {code}").format(code=code))
        place = ", ".join(p for p in (household.address, household.commune_name, household.province_name) if p)
        self.address_label.setText(_("Address: {place}").format(place=place))
        count = len(household.members)
        self.members_title.setText(
            ngettext("{n} member, cover on {date}", "{n} members, cover on {date}", count).format(
                n=count, date=format_date(household.today)))
        self.members_model.set_members(household.members, highlighted=self._chosen_person_id)
        self._fit_columns()
        paid = len(household.payments)
        self.payments_title.setText(
            ngettext("{n} payment", "{n} payments", paid).format(n=paid) if paid
            else _("No payments recorded for this household yet."))
        self.payments_model.set_rows(household.payments)
        row = self.members_model.row_of(current)
        if row is None and household.members:
            row = 0
        if row is not None:
            self.members_view.selectionModel().setCurrentIndex(
                self.members_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.members_view.scrollTo(self.members_model.index(row, 0))
        if self._focus_members_when_loaded:
            self._focus_members_when_loaded = False
            self.members_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._update_actions()
        self.household_loaded.emit(household)

    def _on_failed(self, error: Exception) -> None:
        self.error_label.setText(_("The household could not be loaded: {error}").format(error=error))
        self.error_label.show()
        self._update_actions()

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        if self._household_id is not None and changes & SHOWN_CHANGES:
            self.reload()

    # The members and the actions

    def selected_person_id(self) -> str | None:
        index = self.members_view.currentIndex()
        if not index.isValid() or index.row() >= self.members_model.rowCount():
            return None
        return self.members_model.row(index.row()).person_id

    @Slot(QModelIndex, QModelIndex)
    def _on_member_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        loaded = self.household is not None
        chosen = loaded and self.selected_person_id() is not None
        self.collect_vsi_action.setEnabled(chosen)
        self.edit_contact_action.setEnabled(chosen)
        self.declaration_action.setEnabled(chosen)
        self.collect_hi_action.setEnabled(loaded and bool(self.household and self.household.members))
        self.add_member_action.setEnabled(loaded)

    @Slot()
    def _on_collect_vsi(self) -> None:
        if (person_id := self.selected_person_id()) is not None:
            self.collect_vsi_requested.emit(person_id)

    @Slot()
    def _on_collect_hi(self) -> None:
        if self.household is not None:
            self.collect_hi_requested.emit(self.household.household_id)

    @Slot()
    def _on_add_member(self) -> None:
        if self.household is not None:
            self.add_member_requested.emit(self.household.household_id)

    @Slot()
    def _on_edit_contact(self) -> None:
        if (person_id := self.selected_person_id()) is not None:
            self.edit_contact_requested.emit(person_id)

    @Slot()
    def _on_declaration(self) -> None:
        person_id, day = self.selected_person_id(), today()
        if person_id is None:
            return
        (
            Op(self, lambda store, _p: member_declaration_pdf(store, person_id, made_on=day), runner=self._runner)
            .success(self._on_declaration_made)
            .failure(self._on_declaration_failed)
            .run(label=_("Filling in the declaration form…"))
        )

    def _on_declaration_made(self, pdf: bytes) -> None:
        dialog = PdfPreviewDialog(pdf, title=_("Declaration form TK1-TS"), file_name="TK1-TS.pdf",
                                  preferences=default_print_preferences(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.declaration_opened.emit(dialog)

    def _on_declaration_failed(self, error: Exception) -> None:
        self.error_label.setText(_("The declaration form could not be made: {error}").format(error=error))
        self.error_label.show()
