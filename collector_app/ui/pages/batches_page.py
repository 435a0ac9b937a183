"""BatchesPage: a supervisor's list of the batches collection points sent, filtered and sorted by the server and
paged as it scrolls (`models/review_batches.BatchesModel`), with the count and totals of the whole filter.

Keyboard: Tab moves through the filters (province, commune, state, point, device, from, to) to the list;
Enter in a filter field applies it (the lists apply when chosen); in the list, Enter opens the batch
(`batch_opened`). A click on a sortable column's header sorts by it, on the server. When the server cannot
be reached the page says so under the list, with Try again (F5).
"""

from __future__ import annotations


from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from collector_app.admin_units import load_admin_units
from collector_app.formatting import format_count, format_vnd
from collector_app.i18n import N_, _, ngettext
from collector_app.sync.review import PAGE_SIZE, BatchFilter, BatchPage, FilterTotals, batch_page
from collector_app.ui.models.review_batches import STATE_TEXT, BatchesModel
from collector_app.ui.palette import attention_style
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.widgets.date_range import date_edit, read_date_range
from collector_app.ui.widgets.tables import rows_view

NEEDS_SIGN_IN = N_("These pages need a supervisor signed in to the provincial server: choose Sync > Sign in to "
                   "the provincial server… (Ctrl+Shift+L).")
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
COMBO_CHARS = 14


class BatchesPage(QWidget):
    batch_opened = Signal(str)  # batch id

    def __init__(self, link: SupervisorLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link = link
        self._units = load_admin_units()
        self.where = BatchFilter()
        self.page_size = PAGE_SIZE  # batches a request asks for

        self.province_combo = QComboBox()
        self.province_combo.addItem(_("All provinces"), None)
        for province in sorted(self._units.provinces, key=lambda p: p.name):
            self.province_combo.addItem(province.full_name, province.code)
        self.commune_combo = QComboBox()
        self.point_edit = QLineEdit()
        self.point_edit.setPlaceholderText(_("e.g. BD01"))
        self.device_edit = QLineEdit()
        self.device_edit.setPlaceholderText(_("e.g. BD01M1"))
        self.from_edit = date_edit()
        self.to_edit = date_edit()
        self.state_combo = QComboBox()
        self.state_combo.addItem(_("Any state"), None)
        for state, text in STATE_TEXT.items():
            self.state_combo.addItem(_(text), state)
        for combo in (self.province_combo, self.commune_combo, self.state_combo):
            # Sized to a short name, not the longest commune's: the page must fit 1366 px at 125 %.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(COMBO_CHARS)
        self.filter_button = QPushButton(_("&Filter"))
        self.clear_button = QPushButton(_("&Clear filters"))

        # Three pairs a row: the page must fit a 1366 px screen at 125 % in Vietnamese.
        filters = QGridLayout()
        fields = ((_("&Province:"), self.province_combo), (_("Co&mmune:"), self.commune_combo),
                  (_("&State:"), self.state_combo), (_("P&oint:"), self.point_edit), (_("&Device:"), self.device_edit),
                  None, (_("Received &from:"), self.from_edit), (_("&to:"), self.to_edit))
        for number, pair in enumerate(fields):
            if pair is None:
                continue
            text, field = pair
            label = QLabel(text)
            label.setBuddy(field)
            field.setAccessibleName(text.replace("&", "").rstrip(":"))
            row, column = divmod(number, 3)
            filters.addWidget(label, row, column * 2)
            filters.addWidget(field, row, column * 2 + 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.filter_button)
        buttons.addWidget(self.clear_button)
        filters.addLayout(buttons, 2, 5)
        for column in (1, 3, 5):
            filters.setColumnStretch(column, 1)

        self.totals_label = QLabel()
        self.totals_label.setAccessibleName(_("Totals of the filter"))
        self.model = BatchesModel(self)
        self.table = rows_view(self.model, _("Batches"))
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        # Sized to the first page once (ResizeToContents would measure every row at each page added).
        for number, column in enumerate(self.model.columns):
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch if column.elided
                                        else QHeaderView.ResizeMode.Interactive)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName(_("Batches message"))
        self.retry_button = QPushButton(_("Try &again (F5)"))
        self.retry_button.hide()
        message_row = QHBoxLayout()
        message_row.addWidget(self.message_label, 1)
        message_row.addWidget(self.retry_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.totals_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(message_row)
        chain = (self.province_combo, self.commune_combo, self.state_combo, self.point_edit, self.device_edit,
                 self.from_edit, self.to_edit, self.filter_button, self.clear_button, self.table)
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

        self.retry_shortcut = QShortcut(QKeySequence("F5"), self)
        self.retry_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.province_combo.currentIndexChanged.connect(self._on_province_changed)
        self.commune_combo.currentIndexChanged.connect(self.apply_filter)
        self.state_combo.currentIndexChanged.connect(self.apply_filter)
        for edit in (self.point_edit, self.device_edit, self.from_edit, self.to_edit):
            edit.returnPressed.connect(self.apply_filter)
        self.filter_button.clicked.connect(self.apply_filter)
        self.clear_button.clicked.connect(self.clear_filters)
        self.retry_button.clicked.connect(self.retry)
        self.retry_shortcut.activated.connect(self.retry)
        self.model.fetch_requested.connect(self._on_fetch_requested)
        self.model.sort_changed.connect(self.reload)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.installEventFilter(self)
        link.changed.connect(self.reload)

        self._fill_communes()
        self.reload()

    # ---- what the page shows ------------------------------------------------------------------------

    @Slot()
    def reload(self) -> None:
        """From the first page again, with the current filter and sort (or the sign-in hint without a session)."""
        signed_in = self._link.session is not None
        self.model.restart(active=signed_in)
        self.totals_label.clear()
        self.retry_button.hide()
        if not signed_in:
            self._say(_(NEEDS_SIGN_IN), attention=False)
            return
        self._say(_("Loading batches…"), attention=False)
        self.model.fetchMore(QModelIndex())

    @Slot()
    def apply_filter(self) -> None:
        where = self._read_filter()
        if where is None:
            return
        self.where = where
        self.reload()

    @Slot()
    def clear_filters(self) -> None:
        self.reset_filters()
        self.apply_filter()

    def reset_filters(self) -> None:
        """Every filter back to "all", without asking the server yet."""
        for edit in (self.point_edit, self.device_edit, self.from_edit, self.to_edit):
            edit.clear()
        for combo in (self.state_combo, self.province_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self._fill_communes()

    @Slot()
    def retry(self) -> None:
        if self._link.session is None:
            return
        self.retry_button.hide()
        self._say(_("Loading batches…"), attention=False)
        if self.model.total is None and self.model.rowCount() == 0:
            self.reload()
        else:
            self.model.retry()

    def focus_list(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def current_batch_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()).batch_id if index.isValid() else None

    def _read_filter(self) -> BatchFilter | None:
        dates = read_date_range(self.from_edit, self.to_edit, self._say)
        if dates is None:
            return None
        start, end = dates
        return BatchFilter(
            province=self.province_combo.currentData(), commune=self.commune_combo.currentData(),
            point=self.point_edit.text().strip().upper() or None, device=self.device_edit.text().strip().upper() or None,
            received_from=start, received_to=end, state=self.state_combo.currentData())

    def _fill_communes(self) -> None:
        province = self.province_combo.currentData()
        self.commune_combo.blockSignals(True)
        self.commune_combo.clear()
        self.commune_combo.addItem(_("All communes"), None)
        if province is not None:
            for commune in sorted(self._units.communes_of(province), key=lambda c: c.name):
                self.commune_combo.addItem(commune.full_name, commune.code)
        self.commune_combo.setEnabled(province is not None)
        self.commune_combo.blockSignals(False)

    def _say(self, text: str, *, attention: bool = True) -> None:
        self.message_label.setStyleSheet(attention_style("QLabel") if attention else "")
        self.message_label.setText(text)

    def _show_totals(self, totals: FilterTotals) -> None:
        self.totals_label.setText(_("{batches} · {records} · {amount} · {pending} awaiting a decision").format(
            batches=ngettext("{n} batch", "{n} batches", totals.batches).format(n=format_count(totals.batches)),
            records=ngettext("{n} record", "{n} records", totals.records).format(n=format_count(totals.records)),
            amount=format_vnd(totals.amount), pending=format_count(totals.pending)))

    # ---- loading pages ------------------------------------------------------------------------------

    @Slot(int, int)
    def _on_fetch_requested(self, generation: int, offset: int) -> None:
        where, sort, descending, limit = self.where, self.model.sort_key, self.model.descending, self.page_size

        def loaded(page: BatchPage) -> None:
            self.model.add_page(generation, offset, page)
            if generation == self.model.generation and page.totals is not None:
                self._show_totals(page.totals)
                self._say("" if page.totals.batches else _("No batch matches this filter."), attention=False)
                if self.model.rowCount():
                    self.table.resizeColumnsToContents()  # once: fitting every page's rows would stall the view
                    if not self.table.currentIndex().isValid():
                        self.table.selectRow(0)
            elif generation == self.model.generation:
                self._say("", attention=False)

        def failed(error: Exception) -> None:
            self.model.fetch_failed(generation)
            if generation == self.model.generation:
                self._say(str(error))
                self.retry_button.setVisible(self._link.session is not None)

        self._link.call(self, lambda session: batch_page(session, where, sort=sort, descending=descending,
                                                         offset=offset, limit=limit, totals=offset == 0),
                        success=loaded, failure=failed, label=_("Loading batches…"))

    @Slot()
    def _on_province_changed(self) -> None:
        self._fill_communes()
        self.apply_filter()

    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.batch_opened.emit(self.model.row(index.row()).batch_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in _OPEN_KEYS and self.current_batch_id() is not None:
                self.batch_opened.emit(self.current_batch_id())
                return True
        return super().eventFilter(watched, event)
