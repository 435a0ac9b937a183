"""ProgressPage: participants and money against the year's plan, month by month, as charts with the table
each chart is drawn from, and exports (XLSX, PNG).

A collector sees their own point: the server's figures (`GET /progress/mine`) when it answers, else the
copy kept last time "as of" when it was fetched, with the targets the device pulled. A supervisor signed
in to the provincial server may look at any point, a commune or the province: those calls go through the
window's `SupervisorLink` (a session that ended, or a lock, asks for the password again, then the call
runs). Every call to the server runs in the background; the page never waits on it. Keyboard: Alt+S the view, Alt+Y the
year, Alt+C the scheme, Alt+R refresh, Ctrl+Tab the next chart, Alt+X / Alt+P export; Ctrl+T (the window's)
opens the page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.numbers import format_decimal
from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QColor, QFont, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.progress import SchemeProgress
from collector_app.formatting import LOCALE, format_count, format_time, format_vnd
from collector_app.i18n import _
from collector_app.services.progress import PointProgress, fetch_failure_text, my_progress_on
from collector_app.services.progress_export import export_progress_xlsx, scheme_title
from collector_app.sync.progress import ServerProgress, read_progress
from collector_app.ui.context import AppContext
from collector_app.ui.models.columns import commune_text
from collector_app.ui.models.progress_table import (
    AMOUNT_COLUMNS,
    NEW_COLUMNS,
    PARTICIPANTS_COLUMNS,
    MonthTableModel,
    month_rows,
)
from collector_app.ui.operations import Op
from collector_app.ui.supervisor_link import SupervisorLink
from collector_app.ui.sync_controller import local_time_text
from collector_app.ui.widgets.tables import rows_view

FETCH_TIMEOUT_SECONDS = 15.0
ASK_AGAIN_MS, ASK_AGAIN_TIMES = 3_000, 5  # the server counts a batch into a point's figures in well under a second
MILLION = 1_000_000
OWN, POINT, COMMUNE, PROVINCE = "own", "point", "commune", "province"
SCHEMES = ("vsi", "family_hi")
CHART_MIN_WIDTH = 480
TABLE_MIN_WIDTH = 330
# Bars: this year in the window's blue, last year grey; new and renewing two distinguishable tones. The
# legends name every series, so colour is never the only cue.
THIS_YEAR, LAST_YEAR, TARGET = QColor("#2f6db5"), QColor("#a8b3bf"), QColor("#c0392b")
NEW, RENEWING = QColor("#2e8b57"), QColor("#7fb3d5")


def percent_text(value: float | None) -> str:
    return "" if value is None else format_decimal(round(value, 1), format="#,##0.0", locale=LOCALE) + " %"


def summary_text(figures: SchemeProgress) -> str:
    """The year in one line: participants and money against the targets, and last year's."""
    people = _("Participants: {count}").format(count=format_count(figures.participants))
    if figures.target_participants is not None:
        people = _("Participants: {count} of {target} ({percent})").format(
            count=format_count(figures.participants), target=format_count(figures.target_participants),
            percent=percent_text(figures.participants_percent))
    money = _("Collected: {amount}").format(amount=format_vnd(figures.amount))
    if figures.target_amount is not None:
        money = _("Collected: {amount} of {target} ({percent})").format(
            amount=format_vnd(figures.amount), target=format_vnd(figures.target_amount),
            percent=percent_text(figures.amount_percent))
    new = _("new: {count}").format(count=format_count(figures.new))
    last = _("last year: {count} participants, {amount}").format(
        count=format_count(figures.last_year_participants), amount=format_vnd(figures.last_year_amount))
    return f"{people}, {new} · {money} · {last}"


class _ChartTab(QWidget):
    """A chart beside the table it is drawn from."""

    def __init__(self, model: MonthTableModel, accessible_name: str) -> None:
        super().__init__()
        self.model = model
        self.chart = self._new_chart()
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumWidth(CHART_MIN_WIDTH)
        self.view.setAccessibleName(accessible_name)
        self.table: QTableView = rows_view(model, accessible_name)
        self.table.setMinimumWidth(TABLE_MIN_WIDTH)
        # A few short columns: they share the table's width, so it never scrolls sideways nor leaves a gap.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.view, 3)
        row.addWidget(self.table, 2)

    @staticmethod
    def _new_chart() -> QChart:
        chart = QChart()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        return chart

    def redraw(self) -> None:
        """A new, empty chart in place of the last one (axes removed from a chart stayed drawn)."""
        self.chart = self._new_chart()
        self.view.setChart(self.chart)


class ProgressPage(QWidget):
    def __init__(self, ctx: AppContext, link: SupervisorLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._link = link
        self._figures: ServerProgress | None = None
        self._shown_once = False
        # Figures the server is still counting batches into are asked for again a moment later, a few times.
        self._ask_again = QTimer(self, singleShot=True, interval=ASK_AGAIN_MS)
        self._ask_again.timeout.connect(self._on_ask_again)
        self._asked_again = 0

        self.view_combo = QComboBox()
        self.view_combo.addItem(_("This point"), OWN)
        self.view_combo.addItem(_("A point"), POINT)
        self.view_combo.addItem(_("A commune"), COMMUNE)
        self.view_combo.addItem(_("The province"), PROVINCE)
        self.code_edit = QLineEdit()
        self.code_edit.setMaxLength(12)
        self.code_edit.setMaximumWidth(110)
        self.code_edit.setAccessibleName(_("Point or commune code"))
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(date.today().year)
        self.scheme_combo = QComboBox()
        for scheme in SCHEMES:
            self.scheme_combo.addItem(scheme_title(scheme), scheme)
        self.refresh_button = QPushButton(_("&Refresh"))
        self.xlsx_button = QPushButton(_("E&xport XLSX…"))
        self.png_button = QPushButton(_("Export &PNG…"))
        for button in (self.xlsx_button, self.png_button):
            button.setEnabled(False)

        controls = QHBoxLayout()
        for label_text, widget in ((_("&Show:"), self.view_combo), (None, self.code_edit),
                                   (_("&Year:"), self.year_spin), (_("S&cheme:"), self.scheme_combo)):
            if label_text is not None:
                label = QLabel(label_text)
                label.setBuddy(widget)
                controls.addWidget(label)
            controls.addWidget(widget)
        controls.addWidget(self.refresh_button)
        controls.addStretch(1)
        controls.addWidget(self.xlsx_button)
        controls.addWidget(self.png_button)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        bold = QFont(self.summary_label.font())
        bold.setBold(True)
        self.summary_label.setFont(bold)

        self.participants_model = MonthTableModel(PARTICIPANTS_COLUMNS, self)
        self.amount_model = MonthTableModel(AMOUNT_COLUMNS, self)
        self.new_model = MonthTableModel(NEW_COLUMNS, self)
        self.participants_tab = _ChartTab(self.participants_model, _("Participants by month"))
        self.amount_tab = _ChartTab(self.amount_model, _("Amount by month"))
        self.new_tab = _ChartTab(self.new_model, _("New and renewing participants"))
        self.tabs = QTabWidget()
        self.tabs.addTab(self.participants_tab, _("Participants"))
        self.tabs.addTab(self.amount_tab, _("Amounts"))
        self.tabs.addTab(self.new_tab, _("New and renewing"))

        column = QVBoxLayout(self)
        title = QLabel(_("Progress against the year's plan"))
        title_font = QFont(title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        title.setFont(title_font)
        column.addWidget(title)
        column.addLayout(controls)
        column.addWidget(self.status_label)
        column.addWidget(self.summary_label)
        column.addWidget(self.tabs, 1)

        self.view_combo.currentIndexChanged.connect(self._on_view_changed)
        self.scheme_combo.currentIndexChanged.connect(self._show_scheme)
        self.year_spin.editingFinished.connect(self.refresh)
        self.code_edit.returnPressed.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.xlsx_button.clicked.connect(self._on_export_xlsx)
        self.png_button.clicked.connect(self._on_export_png)
        link.changed.connect(self._on_link_changed)
        self._show_view_controls()

    # ---- what is shown

    @Slot()
    def _on_link_changed(self) -> None:
        """Signed in: the view chosen is asked for; signed out or locked: back to this point's figures
        (asked for at once), nothing of the supervisor's left on screen."""
        if self.view() == OWN:
            return
        if self._link.session is None:
            self.view_combo.setCurrentIndex(0)
        else:
            self.refresh()

    def view(self) -> str:
        return str(self.view_combo.currentData())

    def scheme(self) -> str:
        return str(self.scheme_combo.currentData())

    def figures(self) -> ServerProgress | None:
        return self._figures

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.refresh()

    def _show_view_controls(self) -> None:
        view = self.view()
        self.code_edit.setVisible(view in (POINT, COMMUNE))
        self.code_edit.setPlaceholderText(_("Point code") if view == POINT else _("Commune code"))

    @Slot()
    def _on_view_changed(self) -> None:
        """Another view chosen: its figures asked for at once, or what it needs first (a code, a supervisor)."""
        self._show_view_controls()
        view = self.view()
        if view != OWN and not self._link.available:
            self._clear(_("Other points, communes and the province need a supervisor signed in to the provincial "
                          "server."))
        elif view in (POINT, COMMUNE):
            self._clear(_("Type the point's code, then press Enter.") if view == POINT else
                        _("Type the commune's code, then press Enter."))
            self.code_edit.setFocus()
        else:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Ask for the figures of the chosen view and year, in the background."""
        view, year = self.view(), self.year_spin.value()
        if view == OWN:
            path, connector = self._ctx.store.path, self._ctx.store.connector
            self.status_label.setText(_("Asking the provincial server for this point's figures…"))
            (Op(self, lambda _store, _p: my_progress_on(path, year, connector=connector,
                                                        timeout=FETCH_TIMEOUT_SECONDS), runner=self._ctx.runner)
             .network().latest_only("progress").success(self._on_own_figures)
             .failure(lambda error: self._clear(fetch_failure_text(error)))
             .run(label=_("Fetching progress figures…")))
            return
        if not self._link.available:
            self._clear(_("Other points, communes and the province need a supervisor signed in to the provincial "
                          "server."))
            return
        code = self.code_edit.text().strip().upper()
        if view in (POINT, COMMUNE) and not code:
            self._clear(_("Type the point's code, then press Enter.") if view == POINT else
                        _("Type the commune's code, then press Enter."))
            self.code_edit.setFocus()
            return
        params: dict[str, object] = {"year": year, "scope": view}
        if view != PROVINCE:
            params["code"] = code
        self.status_label.setText(_("Asking the provincial server…"))
        self._link.call(self, lambda session: read_progress(session.get_json("/progress", params)),
                        success=self._on_supervisor_figures,
                        failure=lambda error: self._clear(fetch_failure_text(error)),
                        label=_("Fetching progress figures…"), key="progress")

    def _on_own_figures(self, found: PointProgress) -> None:
        if found.figures is None:
            reason = fetch_failure_text(found.error) if found.error is not None else ""
            self._clear(_("No figures yet: {reason}").format(reason=reason))
            return
        when = local_time_text(found.fetched_at)
        if found.from_copy:
            reason = fetch_failure_text(found.error) if found.error is not None else ""
            status = _("As of {time}: the copy kept from the last time. {reason}").format(time=when, reason=reason)
        else:
            status = _("As of {time}, from the provincial server.").format(time=when) + self._counting(found.figures)
        self._show(found.figures, status)

    def _on_supervisor_figures(self, found: ServerProgress) -> None:
        status = _("From the provincial server, {points} points.").format(points=format_count(len(found.points)))
        self._show(found, status + self._counting(found))

    def _counting(self, found: ServerProgress) -> str:
        """What to add to the status of figures the server has not counted every batch into yet (and ask again)."""
        if found.as_of is None:
            self._asked_again = 0
            return ""
        if self._asked_again < ASK_AGAIN_TIMES:
            self._ask_again.start()
        return " " + _("Figures as of {time}: the server is counting the batches received since.").format(
            time=format_time(found.as_of))

    @Slot()
    def _on_ask_again(self) -> None:
        if self.isVisible():
            self._asked_again += 1
            self.refresh()

    def _title(self, found: ServerProgress) -> str:
        if found.scope == "point":
            return f"{found.name or ''} ({found.code})".strip()
        if found.scope == "commune" and found.code:
            return commune_text(found.code)
        return _("The province")

    def _show(self, found: ServerProgress, status: str) -> None:
        self._figures = found
        self.status_label.setText(f"{self._title(found)} · {found.progress.year} · {status}")
        self.xlsx_button.setEnabled(True)
        self.png_button.setEnabled(True)
        self._show_scheme()

    def _clear(self, status: str) -> None:
        self._figures = None
        self.status_label.setText(status)
        self.summary_label.setText("")
        self.xlsx_button.setEnabled(False)
        self.png_button.setEnabled(False)
        for model in (self.participants_model, self.amount_model, self.new_model):
            model.set_rows([])
        for tab in (self.participants_tab, self.amount_tab, self.new_tab):
            tab.redraw()

    @Slot()
    def _show_scheme(self) -> None:
        found = self._figures
        if found is None:
            return
        figures = next((s for s in found.progress.schemes if s.scheme == self.scheme()), None)
        rows = month_rows(found.progress.year, figures)
        for model in (self.participants_model, self.amount_model, self.new_model):
            model.set_rows(rows)
        self.summary_label.setText("" if figures is None else summary_text(figures))
        self._draw_participants()
        self._draw_amounts()
        self._draw_new()

    # ---- charts, drawn from the models

    def _months_axis(self, chart: QChart) -> QBarCategoryAxis:
        axis = QBarCategoryAxis()
        axis.append([f"{month:02d}" for month in range(1, 13)])
        axis.setTitleText(_("Month"))
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        return axis

    def _value_axis(self, chart: QChart, top: float, title: str) -> QValueAxis:
        axis = QValueAxis()
        axis.setRange(0, max(top * 1.05, 1))
        axis.applyNiceNumbers()  # round steps (0, 20, 40…): whole-number labels, no decimal sign to localise
        axis.setLabelFormat("%.0f" if axis.max() >= 5 else "%.1f")
        axis.setTitleText(title)
        chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
        return axis

    def _bar_set(self, name: str, model: MonthTableModel, key: str, colour: QColor, scale: int = 1) -> QBarSet:
        bars = QBarSet(name)
        bars.setColor(colour)
        for row in range(model.rowCount()):
            bars.append((model.value(row, key) or 0) / scale)
        return bars

    def _draw_participants(self) -> None:
        tab, model = self.participants_tab, self.participants_model
        tab.redraw()
        chart = tab.chart
        chart.setTitle(_("Participants at the end of each month"))
        series = QBarSeries()
        series.append(self._bar_set(_("This year"), model, "participants", THIS_YEAR))
        series.append(self._bar_set(_("Last year"), model, "last_year_participants", LAST_YEAR))
        chart.addSeries(series)
        months = self._months_axis(chart)
        values = [model.value(row, key) or 0 for row in range(model.rowCount())
                  for key in ("participants", "last_year_participants", "target")]
        counts = self._value_axis(chart, max(values, default=0), _("People"))
        series.attachAxis(months)
        series.attachAxis(counts)
        target = model.value(0, "target") if model.rowCount() else None
        if target is not None:
            line = QLineSeries()
            line.setName(_("Target: {count}").format(count=format_count(target)))
            line.setColor(TARGET)
            for row in range(model.rowCount()):
                line.append(row, model.value(row, "target") or 0)
            chart.addSeries(line)
            line.attachAxis(months)
            line.attachAxis(counts)

    def _draw_amounts(self) -> None:
        tab, model = self.amount_tab, self.amount_model
        tab.redraw()
        chart = tab.chart
        chart.setTitle(_("Amount collected by month, against the same month last year"))
        series = QBarSeries()
        series.append(self._bar_set(_("This year"), model, "amount", THIS_YEAR, MILLION))
        series.append(self._bar_set(_("Same month last year"), model, "last_year_amount", LAST_YEAR, MILLION))
        chart.addSeries(series)
        months = self._months_axis(chart)
        values = [(model.value(row, key) or 0) / MILLION for row in range(model.rowCount())
                  for key in ("amount", "last_year_amount")]
        money = self._value_axis(chart, max(values, default=0), _("Million đồng"))
        series.attachAxis(months)
        series.attachAxis(money)

    def _draw_new(self) -> None:
        tab, model = self.new_tab, self.new_model
        tab.redraw()
        chart = tab.chart
        chart.setTitle(_("New and renewing participants at the end of each month"))
        series = QStackedBarSeries()
        series.append(self._bar_set(_("New this year"), model, "new", NEW))
        series.append(self._bar_set(_("Renewing"), model, "renewing", RENEWING))
        chart.addSeries(series)
        months = self._months_axis(chart)
        values = [(model.value(row, "new") or 0) + (model.value(row, "renewing") or 0)
                  for row in range(model.rowCount())]
        counts = self._value_axis(chart, max(values, default=0), _("People"))
        series.attachAxis(months)
        series.attachAxis(counts)

    def chart_tabs(self) -> tuple[_ChartTab, ...]:
        return (self.participants_tab, self.amount_tab, self.new_tab)

    # ---- exports

    def export_xlsx(self, path: Path) -> None:
        """Every scheme's figures to an XLSX file (a sheet each)."""
        found = self._figures
        if found is not None:
            export_progress_xlsx(found, self._title(found), path)

    def export_png(self, path: Path) -> bool:
        """The chart on show, as the window draws it, to a PNG file; whether it was written."""
        tab = self.tabs.currentWidget()
        assert isinstance(tab, _ChartTab)
        return tab.view.grab().save(str(path), "PNG")

    def _default_name(self, suffix: str) -> str:
        found = self._figures
        code = (found.code or "province") if found else "progress"
        return f"progress-{code}-{self.year_spin.value()}-{self.scheme()}.{suffix}"

    @Slot()
    def _on_export_xlsx(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Export the figures"), self._default_name("xlsx"),
                                                    _("Excel workbook (*.xlsx)"))
        if name:
            try:
                self.export_xlsx(Path(name))
            except OSError as error:
                self.status_label.setText(_("The file could not be written: {error}").format(
                    error=error.strerror or error))
                return
            self.status_label.setText(_("Saved {path}").format(path=name))

    @Slot()
    def _on_export_png(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Export the chart"), self._default_name("png"),
                                                    _("PNG image (*.png)"))
        if name:
            saved = self.export_png(Path(name))
            self.status_label.setText(_("Saved {path}").format(path=name) if saved else
                                      _("The file could not be written: {error}").format(error=name))
