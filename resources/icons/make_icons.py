"""Renders collector-app.svg to the PNG (the Linux desktop entry, the window's icon) and the ICO (Windows:
the .exe and the installer's shortcuts), so the three never disagree.

Run from anywhere: `.venv/bin/python resources/icons/make_icons.py`; commit the three files.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

HERE = Path(__file__).resolve().parent
SVG = HERE / "collector-app.svg"
PNG_SIZE = 256
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]


def render(size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data().data())))


def main() -> None:
    application = QGuiApplication([])  # QSvgRenderer paints through QtGui, which needs one
    render(PNG_SIZE).save(HERE / "collector-app.png", optimize=True)
    # Each size drawn from the SVG, not scaled down from 256 px: the small ones stay sharp.
    images = [render(size) for size in ICO_SIZES]
    images[-1].save(HERE / "collector-app.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=images[:-1])
    application.quit()


if __name__ == "__main__":
    main()
