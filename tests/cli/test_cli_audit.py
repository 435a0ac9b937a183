"""`collector-app audit verify [--json]`: the money chain checked end to end, a break named with the first
entry that fails, in one line, exit 1; the whole command signs in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from signing import open_test_store, raw_connection

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.registration import add_households

APP = str(Path(sys.executable).with_name("collector-app"))
HEAD = "001080012345"
PAID_ON = date(2026, 10, 5)


def run(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "COLLECTOR_APP_LANG"}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    environment.update(extra)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120, env=environment)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """Two payments and a void."""
    folder = tmp_path / "store"
    assert run(folder, "init", "--point-code", "DA07", "--device-code", "M2").returncode == 0
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, [NewHousehold("0112345678", "Số 5, thôn Đông", "00004", "01", (
            NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
            NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, "001182012345"),
        ))], actor="test")
        actor = acting_user(store)
        record_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=PAID_ON, actor=actor,
                           today=PAID_ON)
        hi = record_family_hi_payment(store, household_code="0112345678", months=12, on=PAID_ON, actor=actor,
                                      today=PAID_ON)
        void_receipt(store, hi.receipt_number, reason="Ghi sai số tháng", actor=actor)
    return folder


def _tamper(data_dir: Path, *statements: str) -> None:
    connection = raw_connection(data_dir / STORE_FILE_NAME)
    connection.execute("PRAGMA ignore_check_constraints = ON")
    for statement in statements:
        connection.execute(statement)
    connection.close()


def test_a_sound_store_verifies(data_dir: Path) -> None:
    result = run(data_dir, "audit", "verify", "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["sound"], shown["entries"], shown["errors"]) == (True, 3, [])
    text = run(data_dir, "--lang", "en", "audit", "verify")
    assert text.returncode == 0 and "3 money entries" in text.stdout


def test_a_payment_edited_by_hand_is_named_in_one_vietnamese_line(data_dir: Path) -> None:
    _tamper(data_dir, "DROP TRIGGER payments_no_update",
            "UPDATE payments SET amount = amount - 1000, gross = gross - 1000 WHERE scheme = 'vsi'")

    result = run(data_dir, "audit", "verify")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "mục 1 " in line and "đã bị sửa sau khi ghi" in line
    assert "Traceback" not in result.stderr

    shown = json.loads(run(data_dir, "audit", "verify", "--json").stdout)
    assert shown["sound"] is False and shown["first_failing_entry"] == 1
    assert shown["errors"][0]["code"] == "audit.row_changed" and shown["errors"][0]["kind"] == "payment"


def test_a_void_deleted_by_hand_is_named(data_dir: Path) -> None:
    _tamper(data_dir, "DROP TRIGGER voids_no_delete", "DELETE FROM voids")

    result = run(data_dir, "--lang", "en", "audit", "verify")
    assert result.returncode == 1
    assert "The void of audit log entry 3" in result.stderr and "deleted" in result.stderr


def test_a_deleted_audit_row_is_named(data_dir: Path) -> None:
    _tamper(data_dir, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE chain_seq = 2")

    shown = json.loads(run(data_dir, "audit", "verify", "--json").stdout)
    assert shown["first_failing_entry"] == 3 and shown["errors"][0]["code"] == "audit.entry_out_of_order"
    assert any(error["code"] == "audit.row_unlogged" for error in shown["errors"])


def test_verifying_signs_in(data_dir: Path) -> None:
    result = run(data_dir, "audit", "verify", COLLECTOR_APP_PASSWORD="not the password")
    assert result.returncode in (1, 2) and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
