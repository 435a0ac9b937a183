"""PySide6 6.12.0 takes references from True and None; the app must survive thousands of such calls."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CALLS = 20_000

EMIT_AND_DISCONNECT = textwrap.dedent(
    """
    import {guard}
    from PySide6.QtCore import QObject, Signal

    class Sender(QObject):
        sent = Signal(int)

    def receive(value):
        pass

    sender = Sender()
    for n in range({calls}):
        sender.sent.emit(n)
        sender.sent.connect(receive)
        sender.sent.disconnect(receive)
    print("survived")
    """
)

ASK_A_MODEL_FOR_ROLES_IT_DOES_NOT_HANDLE = textwrap.dedent(
    """
    import {guard}
    from PySide6.QtCore import QAbstractListModel, QIdentityProxyModel, Qt

    class Names(QAbstractListModel):
        def rowCount(self, parent=None):
            return 1

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            return "Đặng Thị Hằng" if role == Qt.ItemDataRole.DisplayRole else None

    names = Names()
    view_side = QIdentityProxyModel()  # asks the way a view does: C++ calling the Python override
    view_side.setSourceModel(names)
    index = view_side.index(0, 0)
    for _ in range({calls}):
        view_side.data(index, Qt.ItemDataRole.FontRole)
    print("survived")
    """
)


def run_script(script: str, *, guard: str) -> subprocess.CompletedProcess[str]:
    # A separate interpreter: without the guard it aborts, which would take pytest down with it.
    return subprocess.run(
        [sys.executable, "-c", script.format(guard=guard, calls=CALLS)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_thousands_of_emits_and_disconnects_do_not_crash_the_app() -> None:
    result = run_script(EMIT_AND_DISCONNECT, guard="collector_app.ui")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "survived"


def test_a_model_answering_none_thousands_of_times_does_not_crash_the_app() -> None:
    result = run_script(ASK_A_MODEL_FOR_ROLES_IT_DOES_NOT_HANDLE, guard="collector_app.ui")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "survived"
