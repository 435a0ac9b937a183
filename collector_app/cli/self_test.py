"""`collector-app --self-test`: this installation works, end to end, without touching the user's data.

In a temporary folder (the data folder pointed there for the run): an encrypted store is made with a
user, a household registered and a voluntary SI payment recorded through the services, its receipt
rendered (reportlab) and read back by QtPdf, the reader the app prints with, then the main window
started and closed offscreen. Exit 0 and one line, or exit 1 and one line naming the step that failed:
what an installer, a bundle's CI job or a support call runs first.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from collector_app.cli.common import EXIT_OK, PROG, _error_line
from collector_app.i18n import N_, _
from collector_app.messages import seconds

if TYPE_CHECKING:
    from collector_app.store.db import Store
    from collector_app.store.users import User

SELF_TEST_FAILED = 1
USERNAME, FULL_NAME, PASSWORD = "selftest", "Nguyễn Văn Kiểm", "Kiểm tra cài đặt 2026"
CITIZEN_ID = "001080012345"
T = TypeVar("T")
WINDOWS_EPOCH_TO_UNIX = 11_644_473_600  # seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01


class StepFailed(Exception):
    """A step's check did not hold; the message says what was found."""


def run_self_test() -> int:
    with tempfile.TemporaryDirectory(prefix="collector-app-self-test-") as folder, _data_folder(Path(folder)):
        step = N_("the data file")
        try:
            store, user = _step(step, lambda: _new_store(Path(folder)))
            try:
                step = N_("recording a payment")
                number = _step(step, lambda: _record_payment(store, user))
                step = N_("the receipt")
                _step(step, lambda: _read_back_receipt(store, user, number))
                step = N_("the main window")
                shown_after = _step(step, lambda: _main_window(store, user))
            finally:
                store.close()
        except StepFailed as failure:
            print(_error_line(_("{prog}: self-test failed at {step}: {error}").format(
                prog=PROG, step=_(step), error=failure)), file=sys.stderr)
            return SELF_TEST_FAILED
    print(_("Self-test passed: data file, payment, receipt {number} and main window, shown {seconds} s after the "
            "program started.").format(number=number, seconds=seconds(shown_after)))
    return EXIT_OK


def _step(step: str, run: Callable[[], T]) -> T:
    try:
        return run()
    except StepFailed:
        raise
    except Exception as error:  # noqa: BLE001 - the self-test names any failure in one line
        raise StepFailed(str(error) or type(error).__name__) from error


@contextmanager
def _data_folder(folder: Path) -> Iterator[None]:
    """Everything the app writes (store, keyring, backups, settings) goes into `folder` for the run."""
    previous = os.environ.get("COLLECTOR_APP_DATA_DIR")
    os.environ["COLLECTOR_APP_DATA_DIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["COLLECTOR_APP_DATA_DIR"]
        else:
            os.environ["COLLECTOR_APP_DATA_DIR"] = previous


def _new_store(folder: Path) -> tuple[Store, User]:
    from collector_app import paths
    from collector_app.services import unlocking
    from collector_app.services.device import set_up
    from collector_app.services.users import create_first_user
    from collector_app.store.db import open_store

    path = folder / paths.STORE_FILE_NAME
    key = unlocking.new_data_key()
    unlocking.start(path, key, USERNAME, PASSWORD)  # as `init` does: SQLCipher and the keyring
    store = open_store(path, key=key)
    try:
        set_up(store, point_code="KT01", device_code="M1", point_name=_("Self-test point"))
        user = create_first_user(store, username=USERNAME, full_name=FULL_NAME, password=PASSWORD).user
    except BaseException:
        store.close()
        raise
    return store, user


def _record_payment(store: Store, user: User) -> str:
    from collector_app.domain.people import NewPerson, Sex
    from collector_app.policies import current_table
    from collector_app.services.payments import record_vsi_payment
    from collector_app.services.registration import HouseholdDraft, register_household

    today = date.today()
    register_household(store, actor=user, household=HouseholdDraft("01", "00004", "Số 1, thôn Đông"),
                       members=[NewPerson(FULL_NAME, date(1980, 3, 4), Sex.MALE, CITIZEN_ID)], on=today)
    return record_vsi_payment(store, citizen_id=CITIZEN_ID, monthly_income=1_500_000, months=3, group="other",
                              on=today, actor=user, table=current_table(store)).receipt_number


def _read_back_receipt(store: Store, user: User, number: str) -> None:
    from collector_app.receipts.render import Layout, render_receipt
    from collector_app.services.receipts import receipt_document
    from collector_app.ui.self_check import pdf_pages_text

    pages = pdf_pages_text(render_receipt(receipt_document(store, number, copy=False, actor=user), Layout.A5))
    if not any(number in text for text in pages):
        raise StepFailed(_("the receipt's PDF does not show its number {number}").format(number=number))


def _main_window(store: Store, user: User) -> float:
    """Seconds from the process's start to the main window shown: the bundle's time to its first window, with
    the store's creation, the payment and the receipt before it counted in."""
    from collector_app.ui.self_check import open_and_close_main_window

    return open_and_close_main_window(store, user, shown=_process_age)


def _process_age() -> float:
    """Seconds since the operating system started this process (before Python, the bundle's loader included)."""
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        created, ended, kernel, user = (wintypes.FILETIME() for _ in range(4))
        kernel32 = ctypes.windll.kernel32
        kernel32.GetProcessTimes(kernel32.GetCurrentProcess(), ctypes.byref(created), ctypes.byref(ended),
                                 ctypes.byref(kernel), ctypes.byref(user))
        since_1601 = (created.dwHighDateTime << 32 | created.dwLowDateTime) / 10_000_000  # 100 ns steps
        return time.time() - (since_1601 - WINDOWS_EPOCH_TO_UNIX)
    # Linux: /proc/self/stat's 22nd field, the start in clock ticks since boot (the name, field 2, may hold
    # spaces and parentheses: the fields are counted after its closing one).
    fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
