"""The command line for payments: init with the point's codes, pay, receipt PDFs, void, acting users."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from collector_app.domain.payments import Role
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.store.registration import add_households
from collector_app.store.accounts import add_user
from collector_app.services.users import hash_password
from collector_app.services import unlocking
from signing import open_test_store, raw_connection

APP = str(Path(sys.executable).with_name("collector-app"))
HEAD, WIFE = "001080012345", "001182012345"
COLLABORATOR_PASSWORD = "mật khẩu của Lan"
AS_COLLABORATOR = {"COLLECTOR_APP_PASSWORD": COLLABORATOR_PASSWORD}


def run(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}
    }
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    environment.update(env or {})
    return subprocess.run(
        [APP, *args], check=False, capture_output=True, text=True, timeout=120, env=environment
    )


def ok_json(result: subprocess.CompletedProcess[str]):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A store with this device set up as point DA07, device M2, and one household of two."""
    folder = tmp_path / "store"
    ok_json(
        run(
            folder,
            "init",
            "--point-code",
            "DA07",
            "--point-name",
            "Điểm thu xã Đông Hội",
            "--device-code",
            "M2",
            "--json",
        )
    )
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(
            store,
            [
                NewHousehold(
                    "0112345678",
                    "Số 5, thôn Đông",
                    "00004",
                    "01",
                    (
                        NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD),
                        NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
                    ),
                )
            ],
            actor="test",
        )
        add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test",
                 password_hash=hash_password(COLLABORATOR_PASSWORD))
        assert store.key is not None
        unlocking.set_password(store.path, store.key, "ctv.lan", COLLABORATOR_PASSWORD)  # her copy of the key
    return folder


def test_init_sets_the_series_and_keeps_it_when_repeated(data_dir: Path):
    again = ok_json(run(data_dir, "init", "--json"))

    assert (again["series"], again["point_code"], again["device_code"]) == ("DA07M2", "DA07", "M2")
    assert again["point_name"] == "Điểm thu xã Đông Hội" and again["default_user"] == "collector"


def test_init_refuses_a_bad_code_in_one_line(tmp_path: Path):
    result = run(tmp_path / "store", "init", "--point-code", "bd-01")

    assert result.returncode == 1
    assert "bd-01" in one_line_error(result)


def test_pay_vsi_records_the_payment_and_gives_the_receipt_number_and_amounts(data_dir: Path):
    paid = ok_json(
        run(
            data_dir,
            "pay",
            "vsi",
            "--citizen-id",
            HEAD,
            "--income",
            "1.500.000",
            "--months",
            "12",
            "--group",
            "other",
            "--date",
            "2026-08-01",
            "--json",
        )
    )

    assert paid["receipt_number"] == "DA07M2-26-0000001"
    # The household lives in Hà Nội: 66.000 state and 33.000 Hà Nội support a month (domain.md §7.2).
    assert {k: paid[k] for k in ("gross", "state_support", "local_support", "payable")} == {
        "gross": 3_960_000,
        "state_support": 792_000,
        "local_support": 396_000,
        "payable": 2_772_000,
    }
    [person] = paid["participants"]
    assert (person["full_name"], person["period_from"], person["period_to"]) == (
        "Đặng Văn Hùng",
        "2026-08-01",
        "2027-07-31",
    )


def test_pay_hi_pays_for_the_whole_household_and_prints_vietnamese(data_dir: Path):
    result = run(
        data_dir,
        "pay",
        "hi",
        "--household",
        "0112345678",
        "--months",
        "12",
        "--method",
        "transfer",
        "--amount",
        "2322540",
        "--date",
        "2026-08-01",
    )

    assert result.returncode == 0, result.stderr
    assert "biên lai số DA07M2-26-0000001" in result.stdout
    assert "1. Đặng Văn Hùng" in result.stdout and "956.340 đ" in result.stdout
    assert "Hai triệu ba trăm hai mươi hai nghìn năm trăm bốn mươi đồng" in result.stdout


def test_a_wrong_amount_is_refused_in_one_line_and_uses_no_number(data_dir: Path):
    refused = run(
        data_dir,
        "pay",
        "hi",
        "--household",
        "0112345678",
        "--months",
        "12",
        "--amount",
        "2000000",
        "--date",
        "2026-08-01",
    )
    paid = ok_json(
        run(
            data_dir,
            "pay",
            "hi",
            "--household",
            "0112345678",
            "--months",
            "12",
            "--amount",
            "2322540",
            "--date",
            "2026-08-01",
            "--json",
        )
    )

    assert refused.returncode == 1
    line = one_line_error(refused)
    assert "2.000.000 đ" in line and "2.322.540 đ" in line
    assert paid["receipt_number"] == "DA07M2-26-0000001"


def test_a_refusal_with_json_carries_its_code(data_dir: Path):
    result = run(
        data_dir,
        "pay",
        "vsi",
        "--citizen-id",
        "079099000001",
        "--income",
        "1500000",
        "--months",
        "1",
        "--json",
    )

    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"][0]["code"] == "payment.person_not_found"


def test_receipt_writes_the_pdf_and_a_copy_is_marked_as_such(data_dir: Path, tmp_path: Path):
    number = ok_json(
        run(
            data_dir,
            "pay",
            "hi",
            "--household",
            "0112345678",
            "--months",
            "12",
            "--date",
            "2026-08-01",
            "--json",
        )
    )["receipt_number"]

    original = run(data_dir, "receipt", number, "--out", str(tmp_path / "original.pdf"))
    copy = run(
        data_dir, "receipt", number, "--out", str(tmp_path / "copy.pdf"), "--copy", "--layout", "roll80"
    )

    assert original.returncode == copy.returncode == 0, original.stderr + copy.stderr
    text = pdf_text(tmp_path / "original.pdf")
    for expected in (
        number.split("-")[-1],
        "Đặng Văn Hùng",
        "Lê Thị Hằng",
        "2.322.540 đ",
        "Điểm thu xã Đông Hội",
    ):
        assert expected in text
    assert "BẢN SAO" not in text
    assert "BẢN SAO" in pdf_text(tmp_path / "copy.pdf")


def test_receipt_all_writes_every_receipt_into_the_folder(data_dir: Path, tmp_path: Path):
    numbers = [
        ok_json(
            run(
                data_dir,
                "pay",
                "vsi",
                "--citizen-id",
                citizen_id,
                "--income",
                "1500000",
                "--months",
                "1",
                "--date",
                "2026-08-01",
                "--json",
            )
        )["receipt_number"]
        for citizen_id in (HEAD, WIFE)
    ]

    written = ok_json(run(data_dir, "receipt", "--all", "--out", str(tmp_path / "receipts"), "--json"))

    assert [Path(f).name for f in written["files"]] == [f"{n}.pdf" for n in numbers]
    assert all(Path(f).read_bytes().startswith(b"%PDF") for f in written["files"])


def test_receipt_needs_a_number_or_all(data_dir: Path, tmp_path: Path):
    result = run(data_dir, "receipt", "--out", str(tmp_path / "x.pdf"))

    assert result.returncode == 2
    one_line_error(result)


def test_void_keeps_the_number_and_marks_the_receipt(data_dir: Path, tmp_path: Path):
    number = ok_json(
        run(
            data_dir,
            "pay",
            "vsi",
            "--citizen-id",
            HEAD,
            "--income",
            "1500000",
            "--months",
            "1",
            "--date",
            "2026-08-01",
            "--json",
        )
    )["receipt_number"]

    voided = ok_json(run(data_dir, "void", number, "--reason", "Ghi sai thu nhập", "--json"))
    again = run(data_dir, "void", number, "--reason", "Lần nữa")
    next_number = ok_json(
        run(
            data_dir,
            "pay",
            "vsi",
            "--citizen-id",
            HEAD,
            "--income",
            "1500000",
            "--months",
            "1",
            "--date",
            "2026-08-02",
            "--json",
        )
    )["receipt_number"]
    written = ok_json(run(data_dir, "receipt", number, "--out", str(tmp_path / "void.pdf"), "--json"))

    assert (voided["receipt_number"], voided["reason"]) == (number, "Ghi sai thu nhập")
    assert again.returncode == 1 and "đã bị hủy" in one_line_error(again)
    assert next_number == "DA07M2-26-0000002"
    assert written["files"] == [str(tmp_path / "void.pdf")]
    assert "Ghi sai thu nhập" in pdf_text(tmp_path / "void.pdf")


def test_a_collaborator_cannot_void_whether_named_by_option_or_environment(data_dir: Path):
    number = ok_json(
        run(
            data_dir,
            "pay",
            "vsi",
            "--citizen-id",
            HEAD,
            "--income",
            "1500000",
            "--months",
            "1",
            "--date",
            "2026-08-01",
            "--user",
            "ctv.lan",
            "--json",
            env=AS_COLLABORATOR,
        )
    )["receipt_number"]

    by_option = run(data_dir, "void", number, "--reason", "Nhầm", "--user", "ctv.lan", env=AS_COLLABORATOR)
    by_environment = run(data_dir, "void", number, "--reason", "Nhầm", env={"COLLECTOR_APP_USER": "ctv.lan", **AS_COLLABORATOR})

    for result in (by_option, by_environment):
        assert result.returncode == 1
        assert "ctv.lan" in one_line_error(result)
    assert run(data_dir, "void", number, "--reason", "Nhầm").returncode == 0  # the collector may


def test_an_unknown_user_is_refused_in_one_line(data_dir: Path):
    result = run(data_dir, "void", "DA07M2-26-0000001", "--reason", "x", "--user", "nobody")

    assert result.returncode == 1
    assert "nobody" in one_line_error(result)


def test_the_series_cannot_change_once_receipts_exist(data_dir: Path):
    ok_json(
        run(data_dir, "pay", "vsi", "--citizen-id", HEAD, "--income", "1500000", "--months", "1", "--json")
    )

    result = run(data_dir, "init", "--device-code", "M3")

    assert result.returncode == 1
    assert "DA07M2" in one_line_error(result)


def test_demo_records_payments_whose_receipts_can_be_written(tmp_path: Path):
    folder = tmp_path / "store"
    ok_json(run(folder, "init", "--json"))
    summary = ok_json(run(folder, "demo", "--people", "60", "--json"))
    written = ok_json(
        run(folder, "receipt", "--all", "--out", str(tmp_path / "receipts"), "--layout", "roll80", "--json")
    )

    assert summary["payments"] > 0
    assert len(written["files"]) == summary["payments"]


def _tamper(data_dir: Path, *statements: str) -> None:
    """Change stored money as a damaged disk or a hand-edited file would: past the triggers and checks."""
    with raw_connection(data_dir / STORE_FILE_NAME) as connection:
        connection.execute("PRAGMA ignore_check_constraints = ON")
        for table in ("payments", "payment_items"):
            connection.execute(f"DROP TRIGGER {table}_no_update")
        for statement in statements:
            connection.execute(statement)


@pytest.mark.parametrize(("statements", "detail"), [
    (["UPDATE payments SET amount = amount * 10"], "payments.amount"),
    (["UPDATE payments SET gross = gross + 1000000, amount = amount + 1000000",  # adds up, but is not
      "UPDATE payment_items SET gross = gross + 1000000, amount = amount + 1000000"], "payments.gross"),  # as sent
    (["UPDATE payments SET gross = gross + 1000000, amount = amount + 1000000",
      "UPDATE payment_items SET gross = gross + 1000000, amount = amount + 1000000",
      "UPDATE outbox SET payload = replace(replace(payload, '3960000', '4960000'), '2772000', '3772000')"],
     "outbox.payload"),  # all three agree, but the rule does not give that gross
])
def test_a_receipt_whose_stored_figures_were_altered_is_not_printed_nor_counted(
    data_dir: Path, tmp_path: Path, statements: list[str], detail: str
):
    paid = ok_json(run(data_dir, "pay", "vsi", "--citizen-id", HEAD, "--income", "1500000", "--months", "12",
                       "--group", "other", "--date", "2026-08-01", "--json"))
    _tamper(data_dir, *statements)

    copy = run(data_dir, "receipt", paid["receipt_number"], "--out", str(tmp_path / "copy.pdf"), "--copy")
    original = run(data_dir, "--lang", "en", "receipt", paid["receipt_number"], "--out", str(tmp_path / "o.pdf"))

    assert copy.returncode == original.returncode == 1
    assert f"Không in biên lai số {paid['receipt_number']}" in one_line_error(copy) and detail in copy.stderr
    assert "is not printed" in one_line_error(original)
    assert not (tmp_path / "copy.pdf").exists() and not (tmp_path / "o.pdf").exists()
    with raw_connection(data_dir / STORE_FILE_NAME) as connection:
        assert connection.execute("SELECT count(*) FROM reprints").fetchone() == (0,)


@pytest.mark.parametrize("scheme", ["vsi", "hi"])
def test_a_payment_dated_after_today_is_refused_in_one_line_and_takes_no_number(data_dir: Path, scheme: str):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    who = ["--citizen-id", HEAD, "--income", "1500000", "--months", "1"] if scheme == "vsi" else [
        "--household", "0112345678", "--months", "12"]

    result = run(data_dir, "pay", scheme, *who, "--date", tomorrow)

    assert result.returncode == 1 and "sau hôm nay" in one_line_error(result)
    with raw_connection(data_dir / STORE_FILE_NAME) as connection:
        assert connection.execute("SELECT count(*) FROM receipts").fetchone() == (0,)
