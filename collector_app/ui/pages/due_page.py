"""DuePage: who must pay again (due, overdue, lapsed), grouped by village and household, and renewal in one step.

Filters (days ahead, state, scheme, words of the village, household code or name) reload the list off
the GUI thread: its figures and first households (`services.due.due_report`), then the next
households each time the list is scrolled near its end (`services.due.more_households`), so that a
list of 130,000 households shows at once and is read only as far as it is looked at. Keyboard: the list
has the focus; arrows move, Enter renews (a person: their scheme's payment form; a household: its
family HI form, else the first member's voluntary SI), with the period and income of the last payment
and the policy change proposed (`services.due.proposal`); Ctrl+O opens the household; Alt+letters
reach the filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app import coverage_words as words
from collector_app.domain.due import DUE_SOON_DAYS
from collector_app.domain.enrolments import Scheme
from collector_app.domain.renewal import DueState
from collector_app.formatting import format_count, format_date, format_vnd
from collector_app.i18n import N_, _
from collector_app.services.changes import Change, Changes
from collector_app.services.due import (
    MAX_DAYS,
    PAGE,
    DueEntry,
    DueHousehold,
    DueReport,
    due_report,
    iter_households,
    more_households,
    proposal,
)
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.palette import ATTENTION

SHOWN = frozenset({Change.PAYMENTS, Change.RECEIPTS, Change.PEOPLE, Change.HOUSEHOLDS, Change.POLICY})
_LOAD = "due"
_MORE = "due-more"
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
COLUMNS = (N_("Name"), N_("Citizen ID"), N_("Phone"), N_("Scheme"), N_("State"), N_("Paid through / card to"),
           N_("Pay by"), N_("Months"), N_("To collect"))
_AMOUNT = len(COLUMNS) - 1
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class DuePage(QWidget):
    renew_vsi_requested = Signal(str, object)  # person id, services.due.RenewalProposal
    renew_hi_requested = Signal(str, object)  # household id, services.due.RenewalProposal
    household_requested = Signal(str)  # household id
    # A visit round (issue 13 §2): the households listed, those chosen (the selected rows' households, else the
    # current row's; a tuple, maybe empty), the list's day.
    round_requested = Signal(object, object, object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._today = today  # tests and screenshots see a fixed day
        self.report: DueReport | None = None  # the figures and the households read so far
        self.page_size = PAGE  # households read at a time
        self._fetching = self._ended = False

        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)

        self.days_box = QSpinBox()
        self.days_box.setRange(0, MAX_DAYS)
        self.days_box.setValue(DUE_SOON_DAYS)
        self.days_box.setAccessibleName(_("Days ahead"))
        self.state_box = QComboBox()
        self.state_box.setAccessibleName(_("State"))
        self.state_box.addItem(_("All states"), None)
        for state in DueState:
            self.state_box.addItem(words.due_state_text(state), state.value)
        self.scheme_box = QComboBox()
        self.scheme_box.setAccessibleName(_("Scheme"))
        self.scheme_box.addItem(_("Both schemes"), None)
        for scheme in Scheme:
            self.scheme_box.addItem(words.scheme_text(scheme.value), scheme.value)
        self.search_edit = QLineEdit()
        self.search_edit.setAccessibleName(_("Village, household code or name"))
        self.search_edit.setPlaceholderText(_("e.g. thôn Đông"))
        self.search_edit.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        for text, widget in ((_("&Days ahead:"), self.days_box), (_("&State:"), self.state_box),
                             (_("S&cheme:"), self.scheme_box), (_("&Village or name:"), self.search_edit)):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget, 1 if widget is self.search_edit else 0)

        self.summary_label = QLabel(_("Loading…"))
        self.summary_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ATTENTION};")
        self.error_label.hide()

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([_(c) for c in COLUMNS])
        self.tree.setAccessibleName(_("People due to pay, by household"))
        # Several households for a round: Shift+arrows, or Ctrl+arrows then Ctrl+Space, as in any list.
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setRootIsDecorated(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.installEventFilter(self)
        self.tree.verticalScrollBar().valueChanged.connect(lambda *_args: self._fetch_if_near_the_end())

        self.renew_action = QAction(_("Renew"), self)
        self.household_action = QAction(_("Open the household"), self)
        self.household_action.setShortcut(QKeySequence("Ctrl+O"))
        self.household_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.household_action)
        self.renew_button = QPushButton(_("&Renew (Enter)"))
        self.household_button = QPushButton(_("&Open the household (Ctrl+O)"))
        self.round_action = QAction(_("Make a visit round"), self)
        self.round_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.round_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self.round_action)
        self.round_button = QPushButton(_("Make a visit &round… (Ctrl+Shift+R)"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.renew_button)
        buttons.addWidget(self.household_button)
        buttons.addWidget(self.round_button)
        buttons.addStretch(1)
        hint = QLabel(_("Enter on a person opens their payment form with the last period and income proposed; "
                        "on a household, its family HI form."))
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addLayout(filters)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)

        self.days_box.valueChanged.connect(self.reload)
        self.state_box.currentIndexChanged.connect(self.reload)
        self.scheme_box.currentIndexChanged.connect(self.reload)
        self.search_edit.textChanged.connect(self.reload)
        self.renew_button.clicked.connect(self.renew_action.trigger)
        self.renew_action.triggered.connect(self.renew)
        self.household_button.clicked.connect(self.household_action.trigger)
        self.household_action.triggered.connect(self.open_household)
        self.round_button.clicked.connect(self.round_action.trigger)
        self.round_action.triggered.connect(self.request_round)
        self.tree.itemDoubleClicked.connect(lambda *_args: self.renew())
        self.tree.currentItemChanged.connect(lambda *_args: self._update_buttons())
        ctx.events.changed.connect(self._on_store_changed)
        self._update_buttons()
        # The list is read when the page is shown, and again after a change only while it is: on a
        # large store it takes seconds of the reading lane, which no other page should wait behind.
        self._stale = True

    def focus_page(self) -> None:
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot()
    def reload(self) -> None:
        self._stale = False
        on, days = self._today(), self.days_box.value()
        state = None if self.state_box.currentData() is None else DueState(self.state_box.currentData())
        scheme = None if self.scheme_box.currentData() is None else Scheme(self.scheme_box.currentData())
        search = self.search_edit.text()
        self.title_label.setText(_("Due to pay — {date}").format(date=format_date(on)))
        size = self.page_size
        self._fetching = self._ended = False  # a page still being read belongs to the list this one replaces
        Op(self, lambda store, _p: due_report(store, on=on, days=days, state=state, scheme=scheme, search=search,
                                              households=size),
           runner=self._ctx.runner).long_read().latest_only(_LOAD).success(self._show).failure(self._on_failed) \
            .run(label=_("Finding people due to pay…"))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale or (self.report is not None and self.report.on != self._today()):
            self.reload()

    def _on_store_changed(self, changes: Changes) -> None:
        if not changes & SHOWN:
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    # Showing

    def _show(self, report: DueReport) -> None:
        self.report = report
        self.error_label.hide()
        counts = ", ".join(f"{words.due_state_text(state)}: {format_count(report.count(state))}" for state in DueState)
        self.summary_label.setText(_("{people} people in {households} households; {counts}. To collect: {amount}.").format(
            people=format_count(report.people), households=format_count(report.household_count), counts=counts,
            amount=format_vnd(report.amount)))
        current = self._chosen()
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        self._add(report.households)
        self.tree.setUpdatesEnabled(True)
        self._select(current)
        self._update_buttons()
        self._fetch_if_near_the_end()

    def _add(self, households: tuple[DueHousehold, ...]) -> None:
        for household in households:
            parent = QTreeWidgetItem(self.tree, [_household_text(household)] + [""] * (_AMOUNT - 1)
                                     + [format_vnd(household.amount)])
            parent.setData(0, Qt.ItemDataRole.UserRole, household)
            parent.setTextAlignment(_AMOUNT, _RIGHT)
            font = parent.font(0)
            font.setBold(True)
            for column in (0, _AMOUNT):
                parent.setFont(column, font)
            for entry in household.entries:
                item = QTreeWidgetItem(parent, _entry_texts(entry))
                item.setData(0, Qt.ItemDataRole.UserRole, entry)
                item.setTextAlignment(_AMOUNT, _RIGHT)
                item.setTextAlignment(_AMOUNT - 1, _RIGHT)
                if entry.state is not DueState.DUE:
                    item.setForeground(4, QColor(ATTENTION))
            parent.setExpanded(True)

    def _fetch_if_near_the_end(self) -> None:
        """Read the next households when the list is scrolled within a screen of its end (or does not
        fill the screen), one page at a time."""
        report, bar = self.report, self.tree.verticalScrollBar()
        if report is None or report.complete or self._ended or self._fetching or bar.value() < bar.maximum() - bar.pageStep():
            return
        self._fetching = True
        size = self.page_size
        Op(self, lambda store, _p: more_households(store, report, limit=size), runner=self._ctx.runner) \
            .long_read().latest_only(_MORE).success(lambda households: self._append(report, households)) \
            .failure(self._on_failed).run()

    def _append(self, report: DueReport, households: tuple[DueHousehold, ...]) -> None:
        if report is not self.report:
            return  # read for a list since reloaded
        self._fetching = False
        # Fewer than asked: the list ended (before its count if it changed since); nothing more to read.
        self._ended = len(households) < self.page_size
        self.report = replace(report, households=report.households + households)
        self._add(households)
        self._fetch_if_near_the_end()

    def _select(self, previous: object) -> None:
        """Keep the person or household chosen before a reload; else the first row."""
        first = self.tree.topLevelItem(0)
        target = first
        key = _key(previous)
        if key is not None:
            for index in range(self.tree.topLevelItemCount()):
                top = self.tree.topLevelItem(index)
                for item in (top, *(top.child(i) for i in range(top.childCount()))):
                    if _key(item.data(0, Qt.ItemDataRole.UserRole)) == key:
                        target = item
        if target is not None:
            self.tree.setCurrentItem(target)

    def _on_failed(self, error: Exception) -> None:
        self.error_label.setText(_("The list could not be read: {reason}").format(reason=error))
        self.error_label.show()

    def _chosen(self) -> DueEntry | DueHousehold | None:
        item = self.tree.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def _update_buttons(self) -> None:
        chosen = self._chosen() is not None
        for widget in (self.renew_button, self.household_button, self.renew_action, self.household_action,
                       self.round_button, self.round_action):
            widget.setEnabled(chosen)

    # Acting

    @Slot()
    def renew(self) -> None:
        chosen, report = self._chosen(), self.report
        if chosen is None or report is None:
            return
        if isinstance(chosen, DueHousehold):
            hi = [e for e in chosen.entries if e.scheme is Scheme.FAMILY_HI]
            chosen = hi[0] if hi else chosen.entries[0]
        if chosen.scheme is Scheme.FAMILY_HI:
            self.renew_hi_requested.emit(chosen.household_id, proposal(report, chosen))
        else:
            self.renew_vsi_requested.emit(chosen.person_id, proposal(report, chosen))

    @Slot()
    def open_household(self) -> None:
        chosen = self._chosen()
        if chosen is not None:
            self.household_requested.emit(chosen.household_id)

    @Slot()
    def request_round(self) -> None:
        report = self.report
        if report is None or not report.households:
            return
        chosen = self.chosen_households()
        if report.complete:
            self.round_requested.emit(report.households, chosen, report.on)
            return
        # "Every household listed" is the whole list, not only the households read so far.
        Op(self, lambda store, _p: report.households + tuple(iter_households(store, report)),
           runner=self._ctx.runner).long_read() \
            .success(lambda households: self.round_requested.emit(households, chosen, report.on)) \
            .failure(self._on_failed).run(label=_("Reading the households"))

    def chosen_households(self) -> tuple[DueHousehold, ...]:
        """The households of the selected rows (a household's or a member's), in the list's order; without a
        selection, the current row's."""
        report = self.report
        if report is None:
            return ()
        items = self.tree.selectedItems() or [item for item in (self.tree.currentItem(),) if item is not None]
        wanted = {item.data(0, Qt.ItemDataRole.UserRole).household_id for item in items
                  if isinstance(item.data(0, Qt.ItemDataRole.UserRole), (DueEntry, DueHousehold))}
        return tuple(h for h in report.households if h.household_id in wanted)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _ENTER:
                self.renew()
                return True
        return super().eventFilter(watched, event)


def _household_text(household: DueHousehold) -> str:
    code = household.household_code or words.NO_VALUE
    return _("{address} — household {code}").format(address=household.address, code=code)


def _entry_texts(entry: DueEntry) -> list[str]:
    return [entry.full_name, entry.citizen_id or words.NO_VALUE, entry.phone or words.NO_VALUE,
            words.scheme_text(entry.scheme.value), words.due_state_text(entry.state), format_date(entry.ends_on),
            format_date(entry.pay_by), str(entry.months), format_vnd(entry.amount)]


def _key(value: object) -> tuple[str, ...] | None:
    if isinstance(value, DueEntry):
        return (value.person_id, value.scheme.value)
    if isinstance(value, DueHousehold):
        return (value.household_id,)
    return None
