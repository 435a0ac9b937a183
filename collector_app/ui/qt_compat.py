"""A guard against two reference-counting bugs of PySide6 6.12.0, applied when `collector_app.ui` is imported.

1. `SignalInstance.emit()` and `.disconnect()` return `True`/`False` without the reference the
   caller then drops, so each call takes one reference away from the bool.
2. A Python override that returns `None` where Qt expects a QVariant (`data()` for a role it does
   not handle, `headerData()`) takes one reference away from `None` on every call.

CPython 3.11 starts with a few hundred references to `True` and a few thousand to `None`; a table
being painted or a few dozen searches use them up, the interpreter frees the singleton and aborts
("Fatal Python error: bool_dealloc" / "none_dealloc"). pytest-qt emits and disconnects too, so
wrapping our own calls would not be enough. CPython 3.12 made these singletons immortal; on 3.11 we
do the same by giving each affected one references for life, and only when a probe shows the
running binding steals them (PySide6 6.11.3 does not).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QAbstractListModel, QIdentityProxyModel, QModelIndex, QObject, Qt, Signal

# Enough for 10^12 stolen references; far from the top of a 64-bit count.
_REFERENCES_FOR_LIFE = 1 << 40
_PROBE_CALLS = 10


class _SignalProbe(QObject):
    probed = Signal()


class _NoneProbe(QAbstractListModel):
    def rowCount(self, parent: Any = None) -> int:
        return 1

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> None:
        return None


def emit_steals_bool_references() -> bool:
    """Whether `emit()` returns a bool without owning a reference to it (PySide6 6.12.0)."""
    probe = _SignalProbe()
    result = probe.probed.emit()  # type: ignore[func-returns-value]  # stubs say None; it is a bool
    before = sys.getrefcount(result)
    for _ in range(_PROBE_CALLS):
        probe.probed.emit()
    stolen = before - sys.getrefcount(result)
    _give_back(result, stolen + 1 if stolen else 0)  # +1: the first call's result
    return stolen > 0


def none_from_overrides_steals_references() -> bool:
    """Whether Qt calling a Python override that returns None costs None a reference (6.12.0)."""
    source = _NoneProbe()
    proxy = QIdentityProxyModel()
    proxy.setSourceModel(source)
    index = proxy.index(0, 0, QModelIndex())
    before = sys.getrefcount(None)
    for _ in range(_PROBE_CALLS):
        proxy.data(index, Qt.ItemDataRole.DisplayRole)  # C++ calls _NoneProbe.data
    stolen = before - sys.getrefcount(None)
    _give_back(None, max(stolen, 0))
    # Other code may take or drop references to None meanwhile; a loss of one per call is the bug.
    return stolen >= _PROBE_CALLS


def make_immortal(*singletons: object) -> None:
    """Give each singleton references for life, as CPython 3.12+ does by design."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return  # immortal already (and 3.12's count field must not be touched)
    for singleton in singletons:
        # ob_refcnt is the first field of every CPython object.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _REFERENCES_FOR_LIFE


def apply() -> None:
    if emit_steals_bool_references():
        make_immortal(True, False)
    if none_from_overrides_steals_references():
        make_immortal(None)


def _give_back(singleton: object, references: int) -> None:
    for _ in range(references):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(singleton))
