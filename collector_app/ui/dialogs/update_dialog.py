"""UpdateDialog: asks before the new version is installed (the app closes for it). Enter installs, Escape
puts it off; nothing is installed without this word."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from collector_app.formatting import format_megabytes
from collector_app.i18n import _
from collector_app.services.updates import Update
from collector_app.version import installed_version
from collector_app.wire import Platform

WIDTH = 520


class UpdateDialog(QDialog):
    def __init__(self, update: Update, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Install the new version"))
        self.setMinimumWidth(WIDTH)
        heading = QLabel("<b>" + _("Install version {version}? This computer has version {current}.").format(
            version=update.version, current=installed_version()) + "</b>")
        heading.setWordWrap(True)
        checked = QLabel(_("The installer ({size}) was downloaded from the provincial server, and the "
                           "province's signature on it checked.").format(size=format_megabytes(update.size)))
        checked.setWordWrap(True)
        self.notes = QLabel(_("What is new: {notes}").format(notes=update.notes) if update.notes else "")
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(update.notes))
        steps = [_("The app closes so that the installer can replace it; everything recorded stays on this "
                   "computer.")]
        if update.platform == Platform.LINUX_DEB:
            steps.append(_("The computer asks for an administrator's password."))
        steps.append(_("Open the app again once the installation has finished."))
        after = QLabel(" ".join(steps))
        after.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.install_button = self.buttons.addButton(_("&Install now"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = self.buttons.addButton(_("&Later"), QDialogButtonBox.ButtonRole.RejectRole)
        self.install_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(checked)
        layout.addWidget(self.notes)
        layout.addWidget(after)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
