"""QR codes on receipts: zxing-cpp encodes, reportlab draws the modules as one filled path.

One path of horizontal runs costs ~0.3 ms; reportlab's own QR widget costs ~20 ms per code
(stack-notes.md), which would make a receipt several times slower to render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import zxingcpp
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks
_DARK_RUN = re.compile(b"\x00+")  # zxing-cpp images are 8-bit grey: 0 dark, 255 light


@dataclass(frozen=True)
class QrSymbol:
    """The modules of one QR code as horizontal runs of dark modules, top row first."""

    size: int  # modules per side, without the quiet zone: 21 + 4 × (version - 1)
    runs: tuple[tuple[int, int, int], ...]  # (row, first column, length)

    @property
    def version(self) -> int:
        return (self.size - 17) // 4

    def extent(self, module: float) -> float:
        """The side of the symbol and its quiet zone, in points, for modules `module` points wide."""
        return (self.size + 2 * QUIET_ZONE) * module


def encode_qr(payload: str) -> QrSymbol:
    """`payload` as a QR code at error-correction level M (15 %: survives a smudge or a fold)."""
    image = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    size = image.shape[0]
    pixels = memoryview(image).tobytes()  # type: ignore[arg-type]  # a buffer, though its stub omits it
    runs = [
        (row, match.start() - row * size, match.end() - match.start())
        for row in range(size)
        for match in _DARK_RUN.finditer(pixels, row * size, (row + 1) * size)
    ]
    return QrSymbol(size, tuple(runs))


def draw_qr(canvas: Canvas, symbol: QrSymbol, x: float, y: float, module: float) -> None:
    """Draw `symbol` with its quiet zone in the square whose lower-left corner is (x, y).

    The quiet zone is left blank (the page is white): callers keep other marks out of
    `symbol.extent(module)` on each side.
    """
    canvas.saveState()
    canvas.setFillGray(0)
    # One unit = one module, y pointing down from the symbol's top-left corner: every run is then
    # "column row length 1 re" in small integers. Formatting those directly is ~10x faster than
    # reportlab's path.rect(), which formats each float in turn (3.5 ms for a version 6 code).
    canvas.transform(module, 0, 0, -module, x + QUIET_ZONE * module, y + (QUIET_ZONE + symbol.size) * module)
    canvas.addLiteral(
        "".join([f"{column} {row} {length} 1 re\n" for row, column, length in symbol.runs]) + "f"
    )
    canvas.restoreState()
