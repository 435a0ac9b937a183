"""Page numbers with the total ("Trang 2/5", "Page 2 of 5") at the foot of every multi-page PDF the app writes.

reportlab learns the number of pages only at the end, so the canvas keeps each finished page and draws
the footers on `save` (reportlab's two-pass "NumberedCanvas" recipe). Give `numbered_canvas(...)` as
`canvasmaker` to a platypus document's `build`, or make the canvas with it for one drawn by hand; the
pages' own margins must leave `FOOTER_Y` plus a line free.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from collector_app.receipts.render import register_fonts

VIETNAMESE = "Trang {page}/{pages}"  # the forms handed to the social insurance office are in Vietnamese
FOOTER_Y = 7 * mm  # the footer's baseline, above the edge printers cannot reach
FOOTER_SIZE = 7.5


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A canvas that numbers its pages "`footer`" (with {page} and {pages}), centred at the foot."""

    footer = VIETNAMESE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._finished: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._finished.append(dict(self.__dict__))  # drawn, not yet written: the total is not known
        self._startPage()

    def save(self) -> None:
        pages = len(self._finished)
        regular, _bold = register_fonts()
        for number, state in enumerate(self._finished, start=1):
            self.__dict__.update(state)
            self.setFont(regular, FOOTER_SIZE)
            width, _height = self._pagesize
            self.drawCentredString(width / 2, FOOTER_Y, self.footer.format(page=number, pages=pages))
            super().showPage()
        super().save()


def numbered_canvas(footer: str = VIETNAMESE) -> type[NumberedCanvas]:
    """A canvas class whose pages say `footer`, e.g. the interface's `_("Page {page} of {pages}")`."""
    return type("NumberedCanvas", (NumberedCanvas,), {"footer": footer})
