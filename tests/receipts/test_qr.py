"""QR codes drawn as vector runs: the right size, a quiet zone, and they decode back to the payload."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import zxingcpp
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from collector_app.receipts import samples
from collector_app.receipts.qr import QUIET_ZONE, draw_qr, encode_qr


def test_a_receipt_payload_makes_a_version_6_code_at_level_m():
    symbol = encode_qr(samples.family_hi_receipt().qr_payload)
    assert symbol.size == 41
    assert symbol.version == 6


def test_the_runs_cover_exactly_the_dark_modules_of_the_code():
    payload = samples.vsi_receipt().qr_payload
    symbol = encode_qr(payload)
    image = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(
        scale=1, add_quiet_zones=False
    )
    pixels = memoryview(image).tobytes()
    dark = {(i // symbol.size, i % symbol.size) for i, value in enumerate(pixels) if value == 0}
    covered = {(row, column + k) for row, column, length in symbol.runs for k in range(length)}
    assert covered == dark
    # Finder pattern: the top-left 7 modules of row 0 are one run.
    assert (0, 0, 7) in symbol.runs


def test_a_drawn_code_decodes_from_a_200_dpi_render_and_leaves_its_quiet_zone_white():
    payload = samples.family_hi_receipt().qr_payload
    symbol = encode_qr(payload)
    module = 0.5 * mm
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(40 * mm, 40 * mm))
    draw_qr(canvas, symbol, 5 * mm, 5 * mm, module)
    canvas.save()
    image = pdfium.PdfDocument(buffer.getvalue())[0].render(scale=200 / 72).to_pil().convert("L")

    assert [code.text for code in zxingcpp.read_barcodes(image)] == [payload]
    scale = 200 / 72  # pixels per point
    side, quiet = symbol.extent(module) * scale, QUIET_ZONE * module * scale
    left, top = 5 * mm * scale, image.height - 5 * mm * scale - side
    # Every pixel of the square that is not the symbol (give or take a pixel of anti-aliasing) is white.
    ring = [
        image.getpixel((x, y))
        for x in range(int(left) + 2, int(left + side) - 1)
        for y in range(int(top) + 2, int(top + side) - 1)
        if not (
            left + quiet - 2 < x < left + side - quiet + 1 and top + quiet - 2 < y < top + side - quiet + 1
        )
    ]
    assert len(ring) > 1000
    assert min(ring) == 255
    # ... and the symbol starts right inside it: its top-left module is dark.
    assert image.getpixel((int(left + quiet) + 2, int(top + quiet) + 2)) < 128
