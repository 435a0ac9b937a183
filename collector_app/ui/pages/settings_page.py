"""SettingsPage: this device's settings, changed from the keyboard and saved through `services.settings`.

Every field has a label with an Alt-letter; Tab goes through them in reading order, Ctrl+S saves.
A message beside a field says why its value cannot be saved; nothing is saved until all can be.
The printer list is the operating system's queues, read off the GUI thread when the page is first
shown; the name can also be typed. The Backups box backs up now (with progress), lists the backups
and what each holds, sets the second folder (a USB stick), and restores one: after a confirmation
that lists what the backup lacks, the window closes and `ui.app.run` restores with the store closed. A role that may not change settings (a collaborator) sees every
value, read-only, with the reason. The language applies from the window's next start.
"""

from __future__ import annotations

from pathlib import Path

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
    QAbstractItemView,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collector_app.domain.payments import Action, may
from collector_app.domain.problems import DomainError
from collector_app.i18n import _
from collector_app.messages import backup_kind_label, delivery_label, message
from collector_app.formatting import format_count, format_time, format_vnd
from collector_app.services.backups import (
    BackupDone,
    BackupFile,
    RestorePlan,
    back_up,
    backup_settings,
    change_backup_settings,
    list_store_backups,
    plan_restore,
)
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
from collector_app.ui.context import AppContext, RestoreRequest
from collector_app.ui.operations import Op
from collector_app.ui.tasks import Progress
from collector_app.ui.palette import attention_style

BACKUP_COLUMNS = 7
BACKUP_KIND_COLUMN = 1
BACKUP_FIGURE_COLUMNS = (2, 3, 4, 6)  # households, people, payments, size: right-aligned
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

        self._build_backups()  # in the Data file box, under where the file is
        data_box = self.backups_box

        # The data file box spans both columns: its backups table has seven columns to show whole.
        columns = QGridLayout()
        columns.addWidget(server_box, 0, 0)
        columns.addWidget(self.receipt_box, 0, 1)
        columns.addWidget(printing_box, 1, 0)
        columns.addWidget(window_box, 1, 1)
        columns.addWidget(data_box, 2, 0, 1, 2)
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

        # Tab in reading order: row by row, left box then right box, then the data file, then Save.
        chain: list[QWidget] = [self.server_edit, self.ca_edit, self.ca_button,
                                self.point_name_edit, self.organisation_edit, self.form_number_edit,
                                self.printer_combo, self.layout_combo, self.language_combo, self.idle_spin,
                                self.store_label, self.second_folder_edit, self.second_folder_button,
                                self.backup_now_button, self.backups_table, self.restore_button, self.save_button]
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

    def _build_backups(self) -> None:
        self.backups_box = QGroupBox(_("Data file"))
        self.second_folder_edit = QLineEdit()
        self.second_folder_edit.setPlaceholderText(_("none: backups stay on this computer"))
        self.second_folder_button = QPushButton(_("Choose &folder…"))
        self.second_folder_button.setAutoDefault(False)
        self.backup_now_button = QPushButton(_("&Back up now"))
        self.backup_now_button.setAutoDefault(False)
        self.restore_button = QPushButton(_("R&estore the selected backup…"))
        self.restore_button.setAutoDefault(False)
        self.backup_progress = QProgressBar()
        self.backup_progress.setAccessibleName(_("Backup progress"))
        self.backup_progress.hide()
        self.backup_status = QLabel()
        self.backup_status.setWordWrap(True)
        self.backup_status.setAccessibleName(_("Backup message"))
        self.backups_table = QTableWidget(0, BACKUP_COLUMNS)
        self.backups_table.setHorizontalHeaderLabels([
            _("Made"), _("Kind"), _("Households"), _("People"), _("Payments"), _("Last receipt"), _("Size")])
        self.backups_table.setAccessibleName(_("Backups"))
        self.backups_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.backups_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backups_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backups_table.verticalHeader().hide()
        header = self.backups_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(BACKUP_KIND_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.backups_table.setMinimumHeight(self.fontMetrics().height() * 5)
        form = self._form(self.backups_box)
        form.addRow(_("Stored in:"), self.store_label)
        folder_row = QWidget()
        folder_layout = QHBoxLayout(folder_row)
        folder_layout.setContentsMargins(0, 0, 0, 0)
        folder_layout.addWidget(self.second_folder_edit, 1)
        folder_layout.addWidget(self.second_folder_button)
        self._row(form, _("Also copy &to:"), folder_row, "backup_second_folder", buddy=self.second_folder_edit)
        actions = QWidget()
        actions_layout = QHBoxLayout(actions)
        actions_layout.setContentsMargins(0, 0, 0, 0)
        actions_layout.addWidget(self.backup_now_button)
        actions_layout.addWidget(self.restore_button)
        actions_layout.addWidget(self.backup_progress, 1)
        form.addRow(actions)
        form.addRow(self.backups_table)
        form.addRow(self.backup_status)
        self.backup_now_button.clicked.connect(self.back_up_now)
        self.restore_button.clicked.connect(self.restore_selected)
        self.second_folder_button.clicked.connect(self._on_choose_second_folder)
        self._backups: list[BackupFile] = []


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

        def read(store: Store, _progress: Progress) -> tuple[SettingsView, User, Path | None]:
            return settings_view(store), session.user or acting_user(store), backup_settings(store).second_folder

        Op(self, read, runner=self._ctx.runner).success(self._show).failure(self._on_load_failed).run()
        self.load_backups()

    def load_backups(self) -> None:
        """List the backups and what each holds, off the GUI thread (each file is opened to read it)."""
        Op(self, lambda store, _p: list_store_backups(store.path, connector=store.connector),
           runner=self._ctx.runner).long_read().success(self._show_backups).run()

    def _show_backups(self, found: list[BackupFile]) -> None:
        self._backups = found
        self.backups_table.setRowCount(len(found))
        for row, backup in enumerate(found):
            manifest = backup.manifest
            if manifest is None:
                cells = [format_time(backup.created_at), _("cannot be read"), "", "", "", "", _size(backup.size)]
            else:
                highest = ", ".join(f"{series}-{year % 100:02d}-{number:07d}"
                                    for (series, year), number in sorted(manifest.highest.items())) or "—"
                cells = [format_time(manifest.created_at), backup_kind_label(manifest.kind),
                         _count(manifest.households), _count(manifest.people), _count(manifest.payments), highest,
                         _size(backup.size)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(backup.path))
                if column in BACKUP_FIGURE_COLUMNS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.backups_table.setItem(row, column, item)
        if found:
            self.backups_table.selectRow(0)
        self._apply_role()

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

    def _show(self, loaded: tuple[SettingsView, User, Path | None]) -> None:
        view, self._user, folder = loaded
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
        self.second_folder_edit.setText("" if folder is None else str(folder))
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
                     self.form_number_edit, self.second_folder_edit):
            edit.setReadOnly(not allowed)  # still focusable: the values can be read and copied
        for widget in (self.ca_button, self.printer_combo, self.layout_combo, self.language_combo,
                       self.idle_spin, self.save_button, self.second_folder_button, self.restore_button):
            widget.setEnabled(allowed)
        self.restore_button.setEnabled(allowed and bool(getattr(self, "_backups", [])))
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
        folder_text = self.second_folder_edit.text().strip()
        folder = Path(folder_text) if folder_text else None
        self._show_problems({})
        self.status_label.setText(_("Saving…"))
        self.save_button.setEnabled(False)

        def save(store: Store, _progress: Progress) -> SettingsChanged:
            changed = change_settings(store, actor=user, **values)
            if backup_settings(store).second_folder != folder:
                change_backup_settings(store, actor=user, second_folder=folder)
                changed = SettingsChanged(settings=changed.settings,
                                          changed=(*changed.changed, "backup_second_folder"))
            return changed

        (
            Op(self, save, runner=self._ctx.runner)
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

    @Slot()
    def _on_choose_second_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Second backup folder"), self.second_folder_edit.text())
        if chosen:
            self.second_folder_edit.setText(chosen)
            self.second_folder_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # backups

    @Slot()
    def back_up_now(self) -> None:
        self.backup_now_button.setEnabled(False)
        self.backup_progress.setRange(0, 0)  # busy until the first report says how many pages
        self.backup_progress.show()
        self.backup_status.setStyleSheet("")
        self.backup_status.setText(_("Backing up…"))
        (
            Op(self, lambda store, progress: back_up(store, progress=progress), runner=self._ctx.runner)
            .long_read()
            .progress(self._on_backup_progress)
            .success(self._on_backed_up)
            .failure(self._on_backup_failed)
            .run(label=_("Backing up the data file…"))
        )

    def _on_backup_progress(self, done: int, total: int) -> None:
        self.backup_progress.setRange(0, max(total, 1))
        self.backup_progress.setValue(done)

    def _on_backed_up(self, done: BackupDone) -> None:
        self.backup_now_button.setEnabled(True)
        self.backup_progress.hide()
        text = _("Backup written: {path} ({size}).").format(path=done.path, size=_size(done.size))
        if done.copied_to is not None:
            text += " " + _("Copied to {path}.").format(path=done.copied_to)
        if done.copy_problem is not None:
            self.backup_status.setStyleSheet(attention_style("QLabel"))
            text += " " + _("Warning: {problem}").format(problem=done.copy_problem)
        self.backup_status.setText(text)
        self.load_backups()

    def _on_backup_failed(self, error: Exception) -> None:
        self.backup_now_button.setEnabled(True)
        self.backup_progress.hide()
        self.backup_status.setStyleSheet(attention_style("QLabel"))
        self.backup_status.setText(" ".join(message(p) for p in error.problems) if isinstance(error, DomainError)
                                   else _("The backup could not be written: {error}").format(error=error))

    def selected_backup(self) -> Path | None:
        rows = self.backups_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._backups):
            return None
        return self._backups[rows[0].row()].path

    @Slot()
    def restore_selected(self) -> None:
        """Check the selected backup and list what it lacks (off the GUI thread), then ask."""
        backup = self.selected_backup()
        if backup is None or not self.may_change:
            return
        self.backup_status.setStyleSheet("")
        self.backup_status.setText(_("Checking the backup…"))
        (
            Op(self, lambda store, _p: plan_restore(store.path, backup, connector=store.connector),
               runner=self._ctx.runner)
            .long_read()
            .success(self._confirm_restore)
            .failure(self._on_backup_failed)
            .run(label=_("Checking the backup…"))
        )

    def _confirm_restore(self, plan: RestorePlan) -> None:
        self.backup_status.setText("")
        if not self.ask_restore(restore_question(plan)):
            self.backup_status.setText(_("The restore was not confirmed; nothing was changed."))
            return
        user = self._user
        assert user is not None
        self._ctx.session.restore = RestoreRequest(backup=plan.backup.path, actor=user)
        window = self.window()
        if window is not self:
            window.close()  # `ui.app.run` restores once the store is closed, then says how it went

    def ask_restore(self, text: str) -> bool:
        """Yes or no from the user (a test answers instead)."""
        answer = QMessageBox.question(self, _("Restore this backup?"), text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    @Slot(object)
    def _on_store_changed(self, changes: Changes) -> None:
        if Change.SETTINGS in changes:
            self.load()

    def focus_first_field(self) -> None:
        self.server_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)


def restore_question(plan: RestorePlan) -> str:
    """The confirmation a restore asks: what the backup holds and what it lacks, each payment with how
    far it got towards the server."""
    manifest = plan.backup.manifest
    assert manifest is not None
    lines = [_("Backup made {created}: {households} households, {people} people, {payments} payments.").format(
        created=format_time(manifest.created_at), households=_count(manifest.households),
        people=_count(manifest.people), payments=_count(manifest.payments))]
    if not plan.current_readable:
        lines.append(_("The current data file cannot be read: what it holds after the backup cannot be listed. "
                       "It is kept as it is, beside the backups."))
    elif not plan.lacking:
        lines.append(_("The backup lacks no payment of the current data file."))
    else:
        lines.append(_("The backup lacks {count} payments recorded after it (they stay in the copy of the "
                       "current file made before the restore):").format(count=format_count(len(plan.lacking))))
        for item in plan.lacking[:20]:
            lines.append(f"• {item.receipt_number}  {format_vnd(item.amount)}  {item.payer_name}  "
                         f"({delivery_label(item.delivery)})")
        if len(plan.lacking) > 20:
            lines.append(_("… and {count} more.").format(count=format_count(len(plan.lacking) - 20)))
    lines.append(_("The current data file is backed up first. The window closes to restore; start it again "
                   "afterwards. Receipt numbers are never issued twice."))
    return "\n".join(lines)




def _count(value: int | None) -> str:
    return "?" if value is None else format_count(value)


def _size(size: int) -> str:
    return _("{size} MB").format(size=f"{size / 1_000_000:.1f}".replace(".", ","))
