"""UpdateNotice: a calm band across the top of the main window when the province has published a newer
version of the app: being downloaded (with its progress), ready to install (the Install button, Ctrl+Shift+U),
or refused (why, in one line). Hidden when there is nothing newer."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStyle, QWidget

from collector_app.formatting import format_megabytes
from collector_app.i18n import _
from collector_app.services.updates import Update
from collector_app.ui.palette import ATTENTION, NOTICE, NOTICE_BACKGROUND

ICON_SIZE = 24
PROGRESS_WIDTH = 180
INSTALL_SHORTCUT = "Ctrl+Shift+U"
NOTICE_STYLE = (
    f"#updateNotice {{ background: {NOTICE_BACKGROUND}; border: 1px solid {NOTICE}; border-radius: 4px; }}"
    "#updateNotice QLabel { color: #1a1a1a; }"
)


class UpdateNotice(QFrame):
    install_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("updateNotice")
        self.setStyleSheet(NOTICE_STYLE)
        self.icon = QLabel()
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.icon.setPixmap(icon.pixmap(ICON_SIZE, ICON_SIZE))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAccessibleName(_("New version of the app"))
        self.progress = QProgressBar()
        self.progress.setFixedWidth(PROGRESS_WIDTH)
        self.progress.setAccessibleName(_("Download of the new version"))
        self.install_button = QPushButton(_("&Install…"))
        self.install_button.setShortcut(QKeySequence(INSTALL_SHORTCUT))
        self.install_button.setToolTip(_("Install the new version ({shortcut})").format(shortcut=INSTALL_SHORTCUT))

        self._plain = ""

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.install_button)

        self.install_button.clicked.connect(self.install_requested)
        self.hide()

    @property
    def message_text(self) -> str:
        """What the notice says, as plain text (for tests and screen readers)."""
        return self._plain

    def show_update(self, update: Update | None) -> None:
        """Newer version known: downloaded and checked (Install), or still to download; None hides."""
        if update is None:
            self.hide()
            return
        if update.downloaded is not None:
            self._say(_("Version {version} of the app is available, downloaded and checked.").format(
                version=update.version), detail=update.notes)
            self.install_button.show()
        else:
            self._say(_("Version {version} of the app is available: it is downloaded in the background.").format(
                version=update.version), detail=update.notes)
            self.install_button.hide()
        self.progress.hide()

    def show_progress(self, update: Update, done: int, total: int) -> None:
        self._say(_("Version {version} of the app is available: downloading ({done} of {total})…").format(
            version=update.version, done=format_megabytes(done), total=format_megabytes(total)))
        self.progress.setRange(0, 1000)
        self.progress.setValue(done * 1000 // total if total else 0)
        self.progress.show()
        self.install_button.hide()

    def show_refusal(self, text: str) -> None:
        """A download or an installation refused: why, and what happens next."""
        self._say(text, attention=True)
        self.progress.hide()
        self.install_button.hide()

    def show_installing(self, version: str) -> None:
        self._say(_("The installer of version {version} was started: the app closes now. Open it again once "
                    "the installation has finished.").format(version=version))
        self.progress.hide()
        self.install_button.hide()

    def _say(self, text: str, *, detail: str = "", attention: bool = False) -> None:
        self._plain = f"{text} {detail}".strip()
        colour = f' style="color: {ATTENTION}"' if attention else ""
        shown = f"<span{colour}>{escape(text)}</span>"
        if detail:
            shown += f" <i>{escape(detail)}</i>"
        self.text.setText(shown)
        self.show()
