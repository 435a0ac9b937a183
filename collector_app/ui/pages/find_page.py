"""FindPage: search people as you type, then see the chosen person's household.

Keyboard first: type, Down or Enter moves into the results, Enter moves into the household's
members, Escape (or Up on the first row) goes back to the search box.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from collector_app.i18n import N_, _, ngettext
from collector_app.store.people import HouseholdView, get_household
from collector_app.store.search import PersonHit, search_people
from collector_app.ui.context import AppContext
from collector_app.ui.models.people_table import PeopleTableModel
from collector_app.ui.operations import Op, supersede
from collector_app.ui.widgets.household_panel import HouseholdPanel
from collector_app.ui.widgets.tables import rows_view

SEARCH_DELAY_MS = 150  # long enough to skip the keystrokes of a fast typist, short enough to feel live
RESULT_LIMIT = 50
SEARCH_FONT_SCALE = 1.25  # the one field of the page: make it the easiest thing to see
SPLIT_UNIT = 100  # splitter sizes are proportions until the page is laid out

EMPTY_HINT = N_("Type a name, citizen ID, social insurance code or phone number to find a person.")

_SEARCH = "search"
_HOUSEHOLD = "household"
_INTO_RESULTS_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)


class FindPage(QWidget):
    search_started = Signal(str)  # the query, as sent to the store
    person_activated = Signal(object)  # PersonHit: Enter or double-click on a result

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._searching = False
        self._into_results_when_found = False
        self._into_members_when_loaded = False
        self._household_person_id: str | None = None  # whose household the panel shows

        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText(_("Full name, citizen ID, social insurance code or phone number"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName(_("Search people"))
        search_font = self.search_box.font()
        search_font.setPointSizeF(search_font.pointSizeF() * SEARCH_FONT_SCALE)
        self.search_box.setFont(search_font)
        self.result_label = QLabel()

        self.model = PeopleTableModel(self)
        self.table = rows_view(self.model, _("Search results"))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        self.message_label = QLabel()
        self.message_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self._results = QStackedWidget()
        self._results.addWidget(self.message_label)
        self._results.addWidget(self.table)

        self.household = HouseholdPanel()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._results)
        splitter.addWidget(self.household)
        # Results get the larger share: seven columns against the household's five narrower ones.
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([3 * SPLIT_UNIT, 2 * SPLIT_UNIT])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.result_label)
        layout.addWidget(splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)

        self.search_box.textChanged.connect(self._on_query_edited)
        self._search_timer.timeout.connect(self._on_search_due)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.activated.connect(self._on_result_activated)
        self.search_box.installEventFilter(self)
        self.table.installEventFilter(self)
        self._show_message(_(EMPTY_HINT))

    def current_person(self) -> PersonHit | None:
        """The result chosen in the table (whose household the panel shows), or None."""
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_box and event.key() in _INTO_RESULTS_KEYS:
                self._go_into_results()
                return True
            if watched is self.table and self._is_way_back_to_search(event):
                self.focus_search()
                return True
        return super().eventFilter(watched, event)

    # Searching

    @Slot()
    def _on_query_edited(self) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_due(self) -> None:
        self._search_timer.stop()
        query = self.search_box.text().strip()
        if not query:
            supersede(self, _SEARCH, runner=self._runner)
            self._searching = False
            self._show_results((), query)
            return
        self._searching = True
        # One more than shown, to know whether to say "type more".
        (
            Op(
                self,
                lambda store, _p: search_people(store, query, limit=RESULT_LIMIT + 1),
                runner=self._runner,
            )
            .success(partial(self._on_people_found, query))
            .failure(self._on_search_failed)
            .latest_only(_SEARCH)
            .run()
        )
        self.search_started.emit(query)

    def _on_people_found(self, query: str, hits: list[PersonHit]) -> None:
        self._searching = False
        self._show_results(hits, query)
        if self._into_results_when_found:
            self._into_results_when_found = False
            self._enter_table()

    def _on_search_failed(self, error: Exception) -> None:
        self._searching = False
        self._into_results_when_found = False
        self.model.set_rows(())
        self.result_label.clear()
        self._show_message(_("The search failed: {error}").format(error=error))

    def _show_results(self, hits: Sequence[PersonHit], query: str) -> None:
        shown = hits[:RESULT_LIMIT]
        self.model.set_rows(shown)
        self._clear_household()
        if not query:
            self.result_label.clear()
            self._show_message(_(EMPTY_HINT))
        elif not shown:
            self.result_label.clear()
            self._show_message(_("No one matches “{query}”.").format(query=query))
        else:
            if len(hits) > RESULT_LIMIT:
                self.result_label.setText(
                    _("Showing the first {n} matches; type more to narrow the search.").format(n=RESULT_LIMIT)
                )
            else:
                count = len(shown)
                self.result_label.setText(
                    ngettext("{n} person found", "{n} people found", count).format(n=count)
                )
            self.table.resizeColumnsToContents()
            self._results.setCurrentWidget(self.table)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._results.setCurrentWidget(self.message_label)

    # Moving through the results with the keyboard

    def _go_into_results(self) -> None:
        if self._search_timer.isActive():
            self._on_search_due()
        if self._searching:
            self._into_results_when_found = True  # the keystroke beat the search: finish the move later
        else:
            self._enter_table()

    def _enter_table(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _is_way_back_to_search(self, event: QKeyEvent) -> bool:
        return event.key() == Qt.Key.Key_Escape or (
            event.key() == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0
        )

    # The chosen person's household

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            self._clear_household()
            return
        person = self.model.row(current.row())
        household_id = person.household_id
        (
            Op(self, lambda store, _p: get_household(store, household_id), runner=self._runner)
            .success(partial(self._on_household_loaded, person.person_id))
            .failure(self._on_household_failed)
            .latest_only(_HOUSEHOLD)
            .run()
        )

    def _on_household_loaded(self, person_id: str, household: HouseholdView) -> None:
        self._household_person_id = person_id
        self.household.show_household(household, selected_person_id=person_id)
        if self._into_members_when_loaded:
            self._into_members_when_loaded = False
            self.household.focus_members()

    def _on_household_failed(self, error: Exception) -> None:
        self._clear_household()
        self.result_label.setText(_("The household could not be loaded: {error}").format(error=error))

    def _clear_household(self) -> None:
        supersede(self, _HOUSEHOLD, runner=self._runner)
        self._household_person_id = None
        self._into_members_when_loaded = False
        self.household.clear()

    @Slot(QModelIndex)
    def _on_result_activated(self, index: QModelIndex) -> None:
        person = self.model.row(index.row())
        self.person_activated.emit(person)
        if self._household_person_id == person.person_id:
            self.household.focus_members()
        else:
            self._into_members_when_loaded = True
