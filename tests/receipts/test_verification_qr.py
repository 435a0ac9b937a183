"""The receipt's QR code as the public verification URL: built from the province's address, read back
to its signed payload, small enough for the 80 mm roll, and old bare payloads still verify."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import payload_of, verification_text, verify_payload
from collector_app.receipts import samples
from collector_app.receipts.qr import encode_qr
from collector_app.receipts.render import Layout, render_receipt

PAYLOAD = samples.family_hi_receipt().qr_payload
ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")  # the QR alphanumeric mode's 45 characters
THERMAL_DPI = 203  # an 8-dots-per-mm thermal printer


def test_the_url_is_the_public_address_upper_case_then_v_then_the_signed_payload(sample_public_key):
    url = verification_text(PAYLOAD, "https://bhxh.example.vn")
    assert url == f"HTTPS://BHXH.EXAMPLE.VN/V/{PAYLOAD}"
    assert ALPHANUMERIC.fullmatch(url)
    assert payload_of(url) == PAYLOAD
    assert verify_payload(url, sample_public_key) == verify_payload(PAYLOAD, sample_public_key)
    # A port and a trailing "/" are kept and dropped as they should be; a path keeps its case.
    assert verification_text(PAYLOAD, "http://10.0.0.5:8000/") == f"HTTP://10.0.0.5:8000/V/{PAYLOAD}"
    assert verification_text(PAYLOAD, "https://x.vn/Tra-Cuu") == f"HTTPS://X.VN/Tra-Cuu/V/{PAYLOAD}"


def test_without_a_public_address_the_code_is_the_bare_payload_as_printed_before(sample_public_key):
    assert verification_text(PAYLOAD, None) == PAYLOAD
    assert payload_of(PAYLOAD + "\r\n") == PAYLOAD
    assert verify_payload(PAYLOAD, sample_public_key).receipt_number == "HY07M1-26-0000123"


def test_a_url_with_a_query_or_a_lower_case_address_gives_the_payload_and_an_altered_one_fails(sample_public_key):
    url = verification_text(PAYLOAD, "https://bhxh.example.vn")
    assert payload_of(f"https://bhxh.example.vn/v/{PAYLOAD}?lang=en") == PAYLOAD
    altered = url.replace(".4043520.", ".5043520.")
    with pytest.raises(DomainError) as raised:
        verify_payload(altered, sample_public_key)
    assert raised.value.problems[0].code is ProblemCode.RECEIPT_CODE_BAD_SIGNATURE


@pytest.mark.parametrize(("address", "version"), [
    (None, 6),  # the bare payload, as before: 41 modules
    ("https://bhxh.example.vn", 7),  # 45 modules
    ("http://127.0.0.1:8000", 7),
    ("https://kiemtra.baohiemxahoi.gov.vn", 8),  # a long host: 49 modules
])
def test_the_url_stays_in_alphanumeric_mode_at_level_m_one_or_two_versions_above_the_bare_payload(address, version):
    assert encode_qr(verification_text(PAYLOAD, address)).version == version


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
                    reason="needs poppler-utils and zbar-tools (scripts/setup.sh)")
@pytest.mark.parametrize("address", ["https://bhxh.example.vn", "https://kiemtra.baohiemxahoi.gov.vn"])
def test_the_roll_receipts_url_code_decodes_from_a_203_dpi_render(tmp_path: Path, address: str):
    url = verification_text(PAYLOAD, address)
    pdf = tmp_path / "roll.pdf"
    pdf.write_bytes(render_receipt(replace(samples.family_hi_receipt(), qr_payload=url), Layout.ROLL80))
    # Black and white at the printer's resolution, as the thermal head prints it: no grey to help.
    subprocess.run(["pdftoppm", "-r", str(THERMAL_DPI), "-mono", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "roll")], check=True, timeout=60)
    image = tmp_path / "roll.png"
    read = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, timeout=60)
    assert read.stdout.strip() == url
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(image).convert("L"))] == [url]
