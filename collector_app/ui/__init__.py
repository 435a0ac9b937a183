"""The PySide6 desktop interface: the only package that imports Qt.

Importing it guards against PySide6 6.12.0's reference-counting bug first (see `qt_compat`).
"""

from __future__ import annotations

from collector_app.ui import qt_compat

qt_compat.apply()
