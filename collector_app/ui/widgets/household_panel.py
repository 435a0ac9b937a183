"""HouseholdPanel: one household's code, address and members, with the chosen person highlighted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from collector_app.i18n import _, ngettext
from collector_app.store.people import HouseholdView
from collector_app.ui.models.columns import commune_text, province_text
from collector_app.ui.models.household_members import HouseholdMembersModel
from collector_app.ui.widgets.tables import compact_rows


class HouseholdPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Household"), parent)
        self.model = HouseholdMembersModel(self)

        self._placeholder = QLabel(_("Select a person to see their household."))
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.code_label = _value_label()
        self.address_label = _value_label()
        self.commune_label = _value_label()
        self.province_label = _value_label()
        self.members_title = QLabel()
        self.members_view = QTableView()
        self.members_view.setModel(self.model)
        self.members_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members_view.verticalHeader().hide()
        compact_rows(self.members_view)
        header = self.members_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The name takes what is left, so the ID number (bold when highlighted) is never cut short.
        header.setSectionResizeMode(self.model.column_number("name"), QHeaderView.ResizeMode.Stretch)
        self.members_view.setAccessibleName(_("Household members"))

        details = QWidget()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(_("Household code:"), self.code_label)
        form.addRow(_("Address:"), self.address_label)
        form.addRow(_("Commune:"), self.commune_label)
        form.addRow(_("Province:"), self.province_label)
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addLayout(form)
        details_layout.addSpacing(8)
        details_layout.addWidget(self.members_title)
        details_layout.addWidget(self.members_view, 1)

        self._stack = QStackedWidget()
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(details)
        layout = QVBoxLayout(self)
        layout.addWidget(self._stack)

    def show_household(self, household: HouseholdView, *, selected_person_id: str | None) -> None:
        self.code_label.setText(household.household_code or _("(none)"))
        self.address_label.setText(household.address)
        self.commune_label.setText(commune_text(household.commune_code))
        self.province_label.setText(province_text(household.province_code))
        count = len(household.members)
        self.members_title.setText(ngettext("{n} member", "{n} members", count).format(n=count))
        self.model.set_members(household.members, highlighted=selected_person_id)
        row = self.model.highlighted_row()
        if row is not None:
            self.members_view.scrollTo(self.model.index(row, 0))
        self._stack.setCurrentIndex(1)

    def focus_members(self) -> None:
        """Move the keyboard into the member list, starting on the highlighted person."""
        row = self.model.highlighted_row()
        if row is not None:
            self.members_view.setCurrentIndex(self.model.index(row, 0))
        self.members_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        self.model.set_members((), highlighted=None)
        self._stack.setCurrentIndex(0)

    def is_showing_household(self) -> bool:
        return self._stack.currentIndex() == 1


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
