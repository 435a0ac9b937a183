"""FindPage: search people as you type, see the chosen person's household beside the results, and open it.

Keyboard first: type, Down or Enter moves into the results (row 1 current and selected), Enter (or a
double-click) opens the household view (`household_page.HouseholdPage`) on that person, Escape there
comes back with the search and the selection as they were. In the results, Escape (or Up on the first
row) goes back to the search box. Tab moves between the page's parts (search box, results, household
members), the arrows within a table. A number typed matches citizen IDs, SI codes and phones: a
"Found by" column then says which each row matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.text import escape_unsafe
from collector_app.i18n import N_, _, ngettext
from collector_app.store.people import HouseholdView, get_household
from collector_app.store.search import PersonHit, search_people
from collector_app.ui.context import AppContext
from collector_app.ui.models.people_table import PeopleTableModel
from collector_app.ui.operations import Op, supersede
from collector_app.ui.pages.household_page import HouseholdPage
from collector_app.ui.widgets.household_panel import HouseholdPanel
from collector_app.ui.widgets.tables import fit_columns, rows_view, spare_columns

SEARCH_DELAY_MS = 150  # long enough to skip the keystrokes of a fast typist, short enough to feel live
RESULT_LIMIT = 50
SEARCH_FONT_SCALE = 1.25  # the one field of the page: make it the easiest thing to see
# Results get the larger share: eight columns against the household's four, and at 125 % scaling on
# 1366x768 their codes and dates must still fit whole.
RESULTS_SHARE, HOUSEHOLD_SHARE = 2, 1
# The least the elided columns get before a column that can be spared is hidden (logical pixels):
# a usual three-word name, and the start of a commune's name.
NAME_MIN_PX = 150
COMMUNE_MIN_PX = 100
# Hidden in this order when the results are too narrow for every column (125 % scaling on a 1366
# pixel screen): the household panel beside them names the chosen person's commune, and the date of
# birth and the citizen ID tell people apart better than their sex.
SPARED_COLUMNS = ("commune", "sex")

EMPTY_HINT = N_("Type a name, citizen ID, social insurance code or phone number to find a person.")

_SEARCH = "search"
_HOUSEHOLD = "household"
_INTO_RESULTS_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)


SHOWN_QUERY_CHARS = 60  # how much of the query "No one matches" repeats


def shown_query(query: str) -> str:
    """The query as a message repeats it: cut after SHOWN_QUERY_CHARS, invisible characters escaped."""
    clipped = query if len(query) <= SHOWN_QUERY_CHARS else query[:SHOWN_QUERY_CHARS] + "…"
    return escape_unsafe(clipped)


class FindPage(QWidget):
    search_started = Signal(str)  # the query, as sent to the store
    person_activated = Signal(object)  # PersonHit: Enter or double-click on a result (opens the household)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = ctx.runner
        self._searching = False
        self._into_results_when_found = False
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
        fit_columns(self.table, self.model)
        self.table.setColumnHidden(self.model.column_number("matched_on"), True)

        self.message_label = QLabel()
        self.message_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self._results = QStackedWidget()
        self._results.addWidget(self.message_label)
        self._results.addWidget(self.table)

        self.household = HouseholdPanel()
        self.household_page = HouseholdPage(ctx)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._results)
        splitter.addWidget(self.household)
        splitter.setStretchFactor(0, RESULTS_SHARE)
        splitter.setStretchFactor(1, HOUSEHOLD_SHARE)
        splitter.setChildrenCollapsible(False)
        self._splitter = splitter
        self._split_by_user = False  # once the collector drags the splitter, their choice stays

        finding = QWidget()
        finding_layout = QVBoxLayout(finding)
        finding_layout.setContentsMargins(0, 0, 0, 0)
        finding_layout.addWidget(self.search_box)
        finding_layout.addWidget(self.result_label)
        finding_layout.addWidget(splitter, 1)
        self._views = QStackedWidget()
        self._views.addWidget(finding)
        self._views.addWidget(self.household_page)
        self._finding = finding
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._views)
        QWidget.setTabOrder(self.search_box, self.table)
        QWidget.setTabOrder(self.table, self.household.members_view)
        QWidget.setTabOrder(self.household.members_view, self.household.open_button)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)

        splitter.splitterMoved.connect(self._on_splitter_moved)
        self.search_box.textChanged.connect(self._on_query_edited)
        self._search_timer.timeout.connect(self._on_search_due)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.activated.connect(self._on_result_activated)
        self.household.members_view.activated.connect(self._on_member_activated)
        self.household.open_requested.connect(self._on_open_requested)
        self.household_page.back_requested.connect(self._on_back_from_household)
        self.search_box.installEventFilter(self)
        self.table.installEventFilter(self)
        self._show_message(_(EMPTY_HINT))

    def current_person(self) -> PersonHit | None:
        """The result chosen in the table (whose household the panel shows), or None."""
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def focus_search(self) -> None:
        self._views.setCurrentWidget(self._finding)
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def is_showing_household(self) -> bool:
        """Whether the household view (not the search) is shown."""
        return self._views.currentWidget() is self.household_page

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
            self._show_message(_("No one matches “{query}”.").format(query=shown_query(query)))
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
            by_number = any(hit.matched_on != "name" for hit in shown)
            self.table.setColumnHidden(self.model.column_number("matched_on"), not by_number)
            self._results.setCurrentWidget(self.table)
            self._fit_result_columns()

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self._results.setCurrentWidget(self.message_label)

    # Fitting the results into the page's width (no sideways scrolling)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if not self._split_by_user:
            total = sum(self._splitter.sizes()) or self._splitter.width()
            results = total * RESULTS_SHARE // (RESULTS_SHARE + HOUSEHOLD_SHARE)
            self._splitter.setSizes([results, total - results])
        self._fit_result_columns()

    @Slot(int, int)
    def _on_splitter_moved(self, _position: int, _index: int) -> None:
        self._split_by_user = True
        self._fit_result_columns()

    def _fit_result_columns(self) -> None:
        """Every column the results' width allows: codes, dates and numbers whole, the name at least
        NAME_MIN_PX wide; the columns that can be spared (SPARED_COLUMNS) hidden first when it is short."""
        spare_columns(self.table, self.model, spared=SPARED_COLUMNS,
                      minimums={"name": NAME_MIN_PX, "commune": COMMUNE_MIN_PX})

    # Moving through the results with the keyboard

    def _go_into_results(self) -> None:
        if self._search_timer.isActive():
            self._on_search_due()
        if self._searching:
            self._into_results_when_found = True  # the keystroke beat the search: finish the move later
        else:
            self._enter_table()

    def _enter_table(self) -> None:
        """Into the results on row 1, current and selected (or the row already chosen, selected again)."""
        if self.model.rowCount() == 0:
            return
        # Before the focus moves: a view taking the focus with no current row makes row 1 current
        # without selecting it, which would leave the household panel empty.
        current = self.table.currentIndex()
        row = current.row() if current.isValid() else 0
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

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

    def _on_household_failed(self, error: Exception) -> None:
        self._clear_household()
        self.result_label.setText(_("The household could not be loaded: {error}").format(error=error))

    def _clear_household(self) -> None:
        supersede(self, _HOUSEHOLD, runner=self._runner)
        self._household_person_id = None
        self.household.clear()

    # The household view

    @Slot(QModelIndex)
    def _on_result_activated(self, index: QModelIndex) -> None:
        person = self.model.row(index.row())
        self.person_activated.emit(person)
        self.open_household(person.household_id, person_id=person.person_id)

    @Slot(QModelIndex)
    def _on_member_activated(self, index: QModelIndex) -> None:
        household_id = self.household.household_id()
        if household_id is not None:
            self.open_household(household_id, person_id=self.household.model.row(index.row()).person_id)

    @Slot()
    def _on_open_requested(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self._on_result_activated(current)

    def open_household(self, household_id: str, *, person_id: str | None = None) -> None:
        self.household_page.open_household(household_id, person_id=person_id)
        self._views.setCurrentWidget(self.household_page)

    @Slot()
    def _on_back_from_household(self) -> None:
        """Back to the search as it was left: the same text, results and selection, the keyboard in the
        results (the household beside them read again: it may have changed)."""
        self._views.setCurrentWidget(self._finding)
        current = self.table.currentIndex()
        if self.model.rowCount() and current.isValid():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            self._on_current_row_changed(current, current)
        else:
            self.focus_search()
