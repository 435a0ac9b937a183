"""`collector-app print` against a real CUPS queue: a cups-pdf queue writes what it was sent as a PDF,
and the test reads it back: its page size (A5; 80 mm wide for the roll) and its QR code, decoded by
zbar from a 200-dpi render (not its text: ghostscript drops the Vietnamese marks, stack-notes.md).

Needs root, `cupsd` and the cups-pdf driver (scripts/setup.sh installs them); it starts a scheduler
when none is running and stops only the one it started. Skipped when they are missing, except in CI.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from collector_app.domain.receipt_numbers import parse_receipt_number
from collector_app.paths import STORE_FILE_NAME
from collector_app.services.device import acting_user
from collector_app.services.receipts import receipt_document, receipt_numbers
from collector_app.services.settings import change_settings
from collector_app.store.payments import next_print
from signing import open_test_store

APP = str(Path(sys.executable).with_name("collector-app"))
CUPSD = "/usr/sbin/cupsd"
PPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd"
QUEUE = "collector-test-pdf"
A5_POINTS = (419.5, 595.3)  # 148 x 210 mm
ROLL_WIDTH_POINTS = 226.8  # 80 mm
WAIT_SECONDS = 90.0
C_LOCALE = {**os.environ, "LC_ALL": "C", "LANG": "C"}


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root to start cupsd and add a queue"
    for path, package in ((CUPSD, "cups"), (PPD, "printer-driver-cups-pdf")):
        if not Path(path).exists():
            return f"{path} is missing (apt-get install {package}; scripts/setup.sh does)"
    for tool, package in (("zbarimg", "zbar-tools"), ("pdftoppm", "poppler-utils"), ("lpadmin", "cups")):
        if shutil.which(tool) is None:
            return f"{tool} is missing (apt-get install {package}; scripts/setup.sh does)"
    return None


def _scheduler_running() -> bool:
    done = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, env=C_LOCALE, check=False)
    return "is running" in done.stdout


@pytest.fixture(scope="module")
def cups_queue() -> Iterator[str]:
    """A cups-pdf queue on a running scheduler (started here if needed): its name."""
    if reason := _missing():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CUPS printing must be tested in CI: {reason}")
        pytest.skip(f"no CUPS to print to: {reason}")
    started: subprocess.Popen[bytes] | None = None
    if not _scheduler_running():
        Path("/run/cups").mkdir(parents=True, exist_ok=True)
        started = subprocess.Popen([CUPSD, "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not _scheduler_running():
            assert time.monotonic() < deadline, "cupsd did not start within 30 s"
            time.sleep(0.2)
    subprocess.run(["lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", "-P", PPD], check=True,
                   capture_output=True, env=C_LOCALE)
    try:
        yield QUEUE
    finally:
        subprocess.run(["lpadmin", "-x", QUEUE], check=False, capture_output=True, env=C_LOCALE)
        if started is not None:
            started.terminate()
            started.wait(timeout=30)


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=180, env=environment)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store made by the command line: the device set up, demo households and their payments."""
    folder = tmp_path_factory.mktemp("store")
    for args in (("init", "--json"), ("demo", "--people", "30", "--json")):
        result = run(folder, *args)
        assert result.returncode == 0, result.stderr
    return folder


def _numbers(data_dir: Path) -> list[str]:
    with open_test_store(data_dir / STORE_FILE_NAME) as store:
        return receipt_numbers(store)


def _signed_payload(data_dir: Path, number: str) -> str:
    with open_test_store(data_dir / STORE_FILE_NAME) as store:
        return receipt_document(store, number, copy=False).qr_payload


def _output_folder() -> Path:
    # cups-pdf writes into ${HOME}/PDF of the user who sent the job (/etc/cups/cups-pdf.conf "Out").
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / "PDF"


def _printed_pdf(title: str, since: float) -> Path:
    """The PDF the queue wrote for the job titled `title` after `since`, once it is whole."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for path in _output_folder().glob(f"{title}*.pdf"):
            # cups-pdf names a file after the job's title plus a suffix of its own: the copy's
            # "-copy1" must not be taken for the original's file.
            rest = path.name[len(title):]
            if path.stat().st_mtime >= since and not rest.startswith("-copy"):
                try:
                    PdfReader(path).pages[0]
                except Exception:  # noqa: BLE001 - still being written
                    continue
                return path
        time.sleep(0.25)
    raise AssertionError(f"the queue wrote no PDF for {title} within {WAIT_SECONDS:.0f} s")


def _page_size(path: Path) -> tuple[float, float]:
    box = PdfReader(path).pages[0].mediabox
    return float(box.width), float(box.height)


def _qr_codes(path: Path, tmp_path: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    image = next(tmp_path.glob("page*.png"))
    done = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=False)
    return [line for line in done.stdout.splitlines() if line]


def _print(data_dir: Path, *args: str) -> tuple[dict, float]:
    since = time.time() - 1  # a file's mtime has whole-second precision on some file systems
    result = run(data_dir, "print", *args, "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout), since


def test_an_a5_receipt_comes_out_of_the_queue_a5_with_its_signed_code(
    cups_queue: str, data_dir: Path, tmp_path: Path
) -> None:
    number = _numbers(data_dir)[0]

    answer, since = _print(data_dir, number, "--printer", cups_queue, "--layout", "a5")

    assert answer["printed"][0] == {"receipt_number": number, "copy_number": 0, "job": answer["printed"][0]["job"]}
    printed = _printed_pdf(number, since)
    width, height = _page_size(printed)
    assert abs(width - A5_POINTS[0]) <= 2 and abs(height - A5_POINTS[1]) <= 2
    assert _qr_codes(printed, tmp_path) == [_signed_payload(data_dir, number)]


def test_a_roll_receipt_comes_out_80_mm_wide_as_long_as_its_content_with_its_signed_code(
    cups_queue: str, data_dir: Path, tmp_path: Path
) -> None:
    number = _numbers(data_dir)[1]

    _answer, since = _print(data_dir, number, "--printer", cups_queue, "--layout", "roll80")

    printed = _printed_pdf(number, since)
    width, height = _page_size(printed)
    assert abs(width - ROLL_WIDTH_POINTS) <= 2
    assert 400 < height < 1500  # the content's length, not an A4 or A5 page
    assert _qr_codes(printed, tmp_path) == [_signed_payload(data_dir, number)]


def test_printing_again_is_a_counted_copy_and_the_default_printer_and_layout_come_from_the_settings(
    cups_queue: str, data_dir: Path, tmp_path: Path
) -> None:
    number = _numbers(data_dir)[2]
    with open_test_store(data_dir / STORE_FILE_NAME) as store:
        change_settings(store, actor=acting_user(store), default_printer=cups_queue, default_layout="roll80")

    first, _since = _print(data_dir, number)
    again, since = _print(data_dir, number)

    assert [first["printer"], first["layout"]] == [cups_queue, "roll80"]
    assert first["printed"][0]["copy_number"] == 0 and again["printed"][0]["copy_number"] == 1
    printed = _printed_pdf(f"{number}-copy1", since)
    assert abs(_page_size(printed)[0] - ROLL_WIDTH_POINTS) <= 2
    assert _qr_codes(printed, tmp_path) == [_signed_payload(data_dir, number)]
    with open_test_store(data_dir / STORE_FILE_NAME) as store:
        assert next_print(store, parse_receipt_number(number)) == 2


def test_a_queue_that_does_not_exist_is_one_clear_line_and_nothing_is_counted(
    cups_queue: str, data_dir: Path
) -> None:
    number = _numbers(data_dir)[3]

    result = run(data_dir, "print", number, "--printer", "no-such-queue")
    english = run(data_dir, "--lang", "en", "print", number, "--printer", "no-such-queue")

    assert result.returncode == 1 and english.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "no-such-queue" in lines[0] and "Máy in" in lines[0] and cups_queue in lines[0]
    assert "does not exist on this computer" in english.stderr and cups_queue in english.stderr
    with open_test_store(data_dir / STORE_FILE_NAME) as store:
        assert next_print(store, parse_receipt_number(number)) == 0
