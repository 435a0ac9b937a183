"""SettingsPage: this device's settings, changed from the keyboard and saved through `services.settings`.

Every field has a label with an Alt-letter; Tab goes through them in reading order, Ctrl+S saves.
A message beside a field says why its value cannot be saved; nothing is saved until all can be.
The printer list is the operating system's queues, read off the GUI thread when the page is first
shown; the name can also be typed. A role that may not change settings (a collaborator) sees every
value, read-only, with the reason. The language applies from the window's next start.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.payments import Action, may
from collector_app.domain.problems import DomainError
from collector_app.i18n import _
from collector_app.messages import message
from collector_app.services.changes import Change, Changes
from collector_app.services.os_printing import printer_queues
from collector_app.services.settings import (
    IDLE_LOCK_MINUTES,
    KEEP,
    SettingsChanged,
    SettingsRefused,
    SettingsView,
    change_settings,
    settings_view,
)
from collector_app.services.device import acting_user
from collector_app.store.db import Store
from collector_app.store.users import User
from collector_app.ui.context import AppContext
from collector_app.ui.operations import Op
from collector_app.ui.tasks import Progress
from collector_app.ui.palette import attention_style

FIELD_WIDTH_CHARS = 34  # a server address or a point name without scrolling, two columns at 1366 px


class SettingsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._loaded: SettingsView | None = None
        self._user: User | None = None  # who is signed in, as last read
        self._queues_asked = False

        self.read_only_label = QLabel()
        self.read_only_label.setWordWrap(True)
        self.read_only_label.setStyleSheet(attention_style("QLabel"))
        self.read_only_label.hide()

        width = self.fontMetrics().averageCharWidth() * FIELD_WIDTH_CHARS
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://…")
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText(_("only if the province gave you one"))
        self.ca_button = QPushButton(_("C&hoose…"))
        self.ca_button.setAutoDefault(False)
        self.printer_combo = QComboBox()
        self.printer_combo.setEditable(True)
        self.printer_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.printer_combo.lineEdit().setPlaceholderText(_("ask each time"))
        self.layout_combo = QComboBox()
        self.layout_combo.addItem(_("A5 page"), "a5")
        self.layout_combo.addItem(_("80 mm roll"), "roll80")
        self.language_combo = QComboBox()
        self.language_combo.addItem("Tiếng Việt", "vi")
        self.language_combo.addItem("English", "en")
        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(*IDLE_LOCK_MINUTES)
        self.idle_spin.setSuffix(_(" minutes"))
        self.point_name_edit = QLineEdit()
        self.organisation_edit = QLineEdit()
        self.form_number_edit = QLineEdit()
        self.series_label = QLabel()
        self.series_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A line, not a label: a long (Windows) path scrolls within it and can be copied from the keyboard.
        self.store_label = QLineEdit(str(ctx.store.path))
        self.store_label.setReadOnly(True)
        self.store_label.setCursorPosition(0)
        self.store_label.setAccessibleName(_("Data file"))
        for edit in (self.server_edit, self.ca_edit, self.printer_combo, self.point_name_edit,
                     self.organisation_edit):
            edit.setMinimumWidth(width)
        self.save_button = QPushButton(_("&Save (Ctrl+S)"))
        self.save_button.setToolTip(_("Save the settings (Ctrl+S)"))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName(_("Settings message"))

        # One message label under each field, empty until a value is refused.
        self.field_messages: dict[str, QLabel] = {}

        server_box = QGroupBox(_("Provincial server"))
        server_form = self._form(server_box)
        self._row(server_form, _("Server &address:"), self.server_edit, "server_url")
        ca_row = QWidget()
        ca_layout = QHBoxLayout(ca_row)
        ca_layout.setContentsMargins(0, 0, 0, 0)
        ca_layout.addWidget(self.ca_edit, 1)
        ca_layout.addWidget(self.ca_button)
        self._row(server_form, _("CA &certificate:"), ca_row, "ca_bundle", buddy=self.ca_edit)

        printing_box = QGroupBox(_("Receipt printing"))
        printing_form = self._form(printing_box)
        self._row(printing_form, _("Default &printer:"), self.printer_combo, "default_printer")
        self._row(printing_form, _("Receipt &layout:"), self.layout_combo, "default_layout")

        window_box = QGroupBox(_("Window"))
        window_form = self._form(window_box)
        self._row(window_form, _("La&nguage:"), self.language_combo, "language")
        language_note = QLabel(_("A new language applies the next time the window opens."))
        language_note.setWordWrap(True)
        window_form.addRow("", language_note)
        self._row(window_form, _("Lock after &idle:"), self.idle_spin, "idle_lock_minutes")

        self.receipt_box = QGroupBox(_("Printed on receipts"))
        receipt_form = self._form(self.receipt_box)
        self.receipt_note = QLabel()
        self.receipt_note.setWordWrap(True)
        self.receipt_note.hide()
        receipt_form.addRow(self.receipt_note)
        self._row(receipt_form, _("Collection p&oint:"), self.point_name_edit, "point_name")
        self._row(receipt_form, _("Or&ganisation:"), self.organisation_edit, "organisation")
        self._row(receipt_form, _("Fo&rm number:"), self.form_number_edit, "form_number")
        receipt_form.addRow(_("Receipt series:"), self.series_label)

        data_box = QGroupBox(_("Data file"))
        data_form = self._form(data_box)
        data_form.addRow(_("Stored in:"), self.store_label)

        columns = QGridLayout()
        columns.addWidget(server_box, 0, 0)
        columns.addWidget(printing_box, 1, 0)
        columns.addWidget(window_box, 2, 0)
        columns.addWidget(self.receipt_box, 0, 1, 2, 1)
        columns.addWidget(data_box, 2, 1)
        columns.setColumnStretch(0, 1)
        columns.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.read_only_label)
        layout.addLayout(columns)
        layout.addLayout(buttons)
        layout.addStretch(1)

        # Tab in reading order: the left column, then the right one, then Save.
        chain: list[QWidget] = [self.server_edit, self.ca_edit, self.ca_button, self.printer_combo,
                                self.layout_combo, self.language_combo, self.idle_spin,
                                self.point_name_edit, self.organisation_edit, self.form_number_edit,
                                self.store_label, self.save_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

        self.save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        self.save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.save_button.clicked.connect(self.save)
        self.save_shortcut.activated.connect(self.save)
        self.ca_button.clicked.connect(self._on_choose_ca)
        ctx.events.changed.connect(self._on_store_changed)

        self.load()

    # building

    def _form(self, box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        return form

    def _row(self, form: QFormLayout, text: str, field: QWidget, name: str, *, buddy: QWidget | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(buddy or field)
        (buddy or field).setAccessibleName(text.replace("&", "").rstrip(":"))
        note = QLabel()
        note.setWordWrap(True)
        note.setStyleSheet(attention_style("QLabel"))
        note.hide()
        self.field_messages[name] = note
        column = QWidget()
        rows = QVBoxLayout(column)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(2)
        rows.addWidget(field)
        rows.addWidget(note)
        form.addRow(label, column)

    # reading

    def load(self) -> None:
        """Read the stored settings, and who may change them, off the GUI thread; then show them."""
        session = self._ctx.session

        def read(store: Store, _progress: Progress) -> tuple[SettingsView, User]:
            return settings_view(store), session.user or acting_user(store)

        Op(self, read, runner=self._ctx.runner).success(self._show).failure(self._on_load_failed).run()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._loaded is not None:
            self.load()  # another user may have signed in since
        if not self._queues_asked:
            self._queues_asked = True
            # `lpstat` is another process: it may take a while when CUPS is slow, so not on the GUI thread.
            Op(self, lambda _store, _p: printer_queues(), runner=self._ctx.runner).long_read() \
                .success(self._show_queues).run()

    @property
    def may_change(self) -> bool:
        return self._user is not None and may(self._user.role, Action.CHANGE_SETTINGS)

    def _show(self, loaded: tuple[SettingsView, User]) -> None:
        view, self._user = loaded
        self._loaded = view
        settings = view.settings
        self.server_edit.setText(view.server_url or "")
        self.ca_edit.setText(view.ca_bundle or "")
        self.printer_combo.setEditText(settings.default_printer or "")
        self.layout_combo.setCurrentIndex(max(0, self.layout_combo.findData(settings.default_layout)))
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))
        self.idle_spin.setValue(settings.idle_lock_minutes)
        self.point_name_edit.setText(view.point_name)
        self.organisation_edit.setText(view.organisation)
        self.form_number_edit.setText(view.form_number)
        self.series_label.setText(view.series)
        self._apply_role()

    def _on_load_failed(self, error: Exception) -> None:
        self.status_label.setStyleSheet(attention_style("QLabel"))
        self.status_label.setText(_("The settings could not be read: {error}").format(error=error))
        self._apply_role()

    def _show_queues(self, queues: list[str]) -> None:
        typed = self.printer_combo.currentText()
        self.printer_combo.clear()
        self.printer_combo.addItems(queues)
        self.printer_combo.setEditText(typed)
        if not queues:
            self.printer_combo.setToolTip(_("No printer queue was found on this computer; type the printer's name."))

    def _apply_role(self) -> None:
        allowed = self.may_change
        user = self._user
        name = (user.full_name or user.username) if user is not None else "—"
        reason = _("Only a collector or a supervisor can change these settings; {user} can read them.").format(
            user=name)
        self.read_only_label.setText(reason)
        self.read_only_label.setVisible(not allowed)
        self.receipt_note.setText(_("Only a collector or a supervisor can change the names printed on receipts."))
        self.receipt_note.setVisible(not allowed)
        for edit in (self.server_edit, self.ca_edit, self.point_name_edit, self.organisation_edit,
                     self.form_number_edit):
            edit.setReadOnly(not allowed)  # still focusable: the values can be read and copied
        for widget in (self.ca_button, self.printer_combo, self.layout_combo, self.language_combo,
                       self.idle_spin, self.save_button):
            widget.setEnabled(allowed)
        self.save_shortcut.setEnabled(allowed)

    # saving

    @Slot()
    def save(self) -> None:
        if not self.may_change or self._loaded is None:
            return
        loaded = self._loaded
        server = self.server_edit.text().strip()
        values = {
            "default_printer": self.printer_combo.currentText(),
            "default_layout": self.layout_combo.currentData(),
            "idle_lock_minutes": self.idle_spin.value(),
            "language": self.language_combo.currentData(),
            "point_name": self.point_name_edit.text(),
            "organisation": self.organisation_edit.text(),
            "form_number": self.form_number_edit.text(),
            # A device never enrolled may have no server yet: an empty field leaves it so.
            "server_url": server if server or loaded.server_url else KEEP,
            "ca_bundle": self.ca_edit.text(),
        }
        user = self._user
        assert user is not None  # may_change
        self._show_problems({})
        self.status_label.setText(_("Saving…"))
        self.save_button.setEnabled(False)
        (
            Op(self, lambda store, _p: change_settings(store, actor=user, **values), runner=self._ctx.runner)
            .success(self._on_saved)
            .failure(self._on_refused)
            .run(label=_("Saving the settings…"))
        )

    def _on_saved(self, result: SettingsChanged) -> None:
        self.save_button.setEnabled(self.may_change)
        self.status_label.setStyleSheet("")
        if not result.changed:
            self.status_label.setText(_("Nothing to save: the settings are as stored."))
        elif "language" in result.changed:
            self.status_label.setText(_("Saved. The new language applies the next time the window opens."))
        else:
            self.status_label.setText(_("Saved."))

    def _on_refused(self, error: Exception) -> None:
        self.save_button.setEnabled(self.may_change)
        self.status_label.setStyleSheet(attention_style("QLabel"))
        if isinstance(error, SettingsRefused):
            self._show_problems({name: " ".join(message(p) for p in problems)
                                 for name, problems in error.fields.items()})
            self.status_label.setText(_("Nothing was saved: correct the fields marked below them."))
            first = next(iter(error.fields))
            self._field_widget(first).setFocus(Qt.FocusReason.OtherFocusReason)
        elif isinstance(error, DomainError):
            self.status_label.setText(" ".join(message(p) for p in error.problems))
        else:
            self.status_label.setText(_("The settings could not be saved: {error}").format(error=error))

    def _show_problems(self, texts: dict[str, str]) -> None:
        for name, label in self.field_messages.items():
            label.setText(texts.get(name, ""))
            label.setVisible(name in texts)

    def _field_widget(self, name: str) -> QWidget:
        return {
            "server_url": self.server_edit, "ca_bundle": self.ca_edit, "default_printer": self.printer_combo,
            "default_layout": self.layout_combo, "language": self.language_combo,
            "idle_lock_minutes": self.idle_spin, "point_name": self.point_name_edit,
            "organisation": self.organisation_edit, "form_number": self.form_number_edit,
        }[name]

    @Slot()
    def _on_choose_ca(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _("CA certificate file"), self.ca_edit.text(), _("Certificates (*.pem *.crt);;All files (*)"))
        if chosen:
            self.ca_edit.setText(chosen)
            self.ca_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        if Change.SETTINGS in changes:
            self.load()

    def focus_first_field(self) -> None:
        self.server_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
