"""HouseholdPanel: one household's code, address and members, with the chosen person highlighted.

Names too long for the panel are elided with "…" and whole in their tooltip; the address wraps.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from collector_app.i18n import _, ngettext
from collector_app.store.people import HouseholdView
from collector_app.ui.models.columns import commune_text, province_text
from collector_app.ui.models.household_members import HouseholdMembersModel
from collector_app.ui.widgets.tables import fit_columns, rows_view, spare_columns


NAME_MIN_PX = 130  # a usual three-word name, whole, before the date of birth gives way
# The results beside the panel show each person's date of birth: the panel can spare it when narrow.
SPARED_COLUMNS = ("date_of_birth",)


class HouseholdPanel(QGroupBox):
    open_requested = Signal()  # the "Open the household" button: the whole household view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Household"), parent)
        self.model = HouseholdMembersModel(self)
        self._household_id: str | None = None

        self._placeholder = QLabel(_("Select a person to see their household."))
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.code_label = _value_label()
        self.address_label = _value_label()
        self.commune_label = _value_label()
        self.province_label = _value_label()
        self.members_title = QLabel()
        self.members_view = rows_view(self.model, _("Household members"))
        self.members_view.setAlternatingRowColors(False)  # the chosen person's amber is the one mark
        # The name takes what is left (elided, whole in its tooltip), so the ID number (bold when
        # highlighted) is never cut short.
        fit_columns(self.members_view, self.model)
        # Enter on a result does the same: the key is written on the button.
        self.open_button = QPushButton(_("Open the household (Enter)"))
        self.open_button.setToolTip(_("Open the household: members' cover, payments and what to collect (Enter)"))
        self.open_button.clicked.connect(self.open_requested)

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
        details_layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)

        self._stack = QStackedWidget()
        self._stack.addWidget(self._placeholder)
        self._stack.addWidget(details)
        layout = QVBoxLayout(self)
        layout.addWidget(self._stack)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        spare_columns(self.members_view, self.model, spared=SPARED_COLUMNS, minimums={"name": NAME_MIN_PX})

    def household_id(self) -> str | None:
        """The household shown, or None."""
        return self._household_id if self.is_showing_household() else None

    def show_household(self, household: HouseholdView, *, selected_person_id: str | None) -> None:
        self._household_id = household.household_id
        self.code_label.setText(household.household_code or _("(none)"))
        self.address_label.setText(household.address)
        self.commune_label.setText(commune_text(household.commune_code))
        self.province_label.setText(province_text(household.province_code))
        count = len(household.members)
        self.members_title.setText(ngettext("{n} member", "{n} members", count).format(n=count))
        self.model.set_members(household.members, highlighted=selected_person_id)
        row = self.model.highlighted_row()
        if row is not None:
            # Current but not selected: Tab into the list starts on the chosen person, whose amber stays.
            self.members_view.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
            self.members_view.scrollTo(self.model.index(row, 0))
        self._stack.setCurrentIndex(1)
        self._fit_columns()
        QTimer.singleShot(0, self._fit_columns)  # again once the details shown for the first time are laid out

    def focus_members(self) -> None:
        """Move the keyboard into the member list, starting on the highlighted person."""
        row = self.model.highlighted_row()
        if row is not None:
            self.members_view.setCurrentIndex(self.model.index(row, 0))
        self.members_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        self._household_id = None
        self.model.set_members((), highlighted=None)
        self._stack.setCurrentIndex(0)

    def is_showing_household(self) -> bool:
        return self._stack.currentIndex() == 1


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
