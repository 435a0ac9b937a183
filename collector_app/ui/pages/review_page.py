"""ReviewPage: the supervisor's review, the list of batches (`BatchesPage`) and one batch (`BatchPage`) in turn.

Enter on a batch opens it; Esc comes back to the list with its filter, sort, scroll position and chosen row
as they were, the batch's row updated with the decisions made meanwhile.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from collector_app.sync.review import BatchSummary
from collector_app.ui.pages.batch_page import BatchPage
from collector_app.ui.pages.batches_page import BatchesPage
from collector_app.ui.supervisor_link import SupervisorLink


class ReviewPage(QWidget):
    def __init__(self, link: SupervisorLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.batches_page = BatchesPage(link)
        self.batch_page = BatchPage(link)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.batches_page)
        self.stack.addWidget(self.batch_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.batches_page.batch_opened.connect(self.open_batch)
        self.batch_page.back_requested.connect(self.show_list)
        self.batch_page.batch_changed.connect(self._on_batch_changed)
        link.changed.connect(self.show_list)

    @Slot(str)
    def open_batch(self, batch_id: str) -> None:
        self.stack.setCurrentWidget(self.batch_page)
        self.batch_page.open_batch(batch_id)

    @Slot()
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.batches_page)
        self.batches_page.focus_list()

    def show_point(self, point_code: str) -> None:
        """The list of one point's batches, every other filter cleared."""
        self.show_list()
        self.batches_page.reset_filters()
        self.batches_page.point_edit.setText(point_code)
        self.batches_page.apply_filter()

    def focus_page(self) -> None:
        if self.stack.currentWidget() is self.batch_page:
            self.batch_page.records_table.setFocus()
        else:
            self.batches_page.focus_list()

    @Slot(object)
    def _on_batch_changed(self, summary: BatchSummary) -> None:
        self.batches_page.model.replace(summary)
