"""`collector-app person CITIZEN_ID`: a person's cover on a day, as lined-up text or JSON, for scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.store.registration import add_households
from signing import open_test_store

APP = str(Path(sys.executable).with_name("collector-app"))
HEAD, WIFE, SON = "001080012345", "001182012345", "001206012345"
PAID_ON = date(2026, 10, 5)


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}
    }
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                          env=environment)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A household of three in Hà Nội: the head paid 3 months of voluntary SI and the household
    12 months of family HI on 05/10/2026; the son has no voluntary SI."""
    folder = tmp_path_factory.mktemp("person") / "store"
    assert run(folder, "init", "--point-code", "DA07", "--device-code", "M2", "--json").returncode == 0
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, [NewHousehold("0112345678", "Số 5, thôn Đông", "00004", "01", (
            NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD, None, "0912345678"),
            NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE, hi_facility_code="MAU-01-001"),
            NewPerson("Đặng Minh Khôi", date(2006, 1, 9), Sex.MALE, SON),
        ))], actor="test")
        actor = acting_user(store)
        record_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=PAID_ON,
                           actor=actor, today=PAID_ON)
        record_family_hi_payment(store, household_code="0112345678", months=12, on=PAID_ON, actor=actor,
                                 today=PAID_ON)
    return folder


def test_person_json_gives_both_schemes_cover_on_the_day_asked(data_dir: Path) -> None:
    result = run(data_dir, "person", HEAD, "--date", "2026-11-23", "--json")

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["full_name"], shown["citizen_id"], shown["member_order"]) == ("Đặng Văn Hùng", HEAD, 1)
    assert shown["household"]["household_code"] == "0112345678"
    assert shown["household"]["province"] == "Thành phố Hà Nội"
    assert shown["vsi"] == {
        "state": "paid_up", "paid_through": "2026-12-31", "paid_through_month": "2026-12",
        "supported_months": 3, "support_cap_months": 120, "continue_until": "2027-07-31",
        "monthly_income": 1_500_000,
    }
    # First card: valid 30 days after the payment (domain.md §2.5).
    assert shown["family_hi"] == {
        "state": "paid_up", "card_from": "2026-11-04", "card_to": "2027-11-03", "continue_until": "2028-02-03",
    }


def test_person_shows_the_initial_health_care_facility_registered_for(data_dir: Path) -> None:
    shown = json.loads(run(data_dir, "person", WIFE, "--date", "2026-11-23", "--json").stdout)
    assert shown["hi_facility_code"] == "MAU-01-001"
    text = run(data_dir, "person", WIFE, "--date", "2026-11-23").stdout
    assert [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("Nơi đăng ký KCB ban đầu:")] == ["MAU-01-001"]
    assert json.loads(run(data_dir, "person", HEAD, "--json").stdout)["hi_facility_code"] is None


def test_person_text_lines_up_the_cover_in_vietnamese_with_its_dates_and_amounts(data_dir: Path) -> None:
    result = run(data_dir, "person", HEAD, "--date", "2026-12-01")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Họ và tên:") and lines[0].endswith("Đặng Văn Hùng")
    column = lines[0].index("Đặng Văn Hùng")
    by_label = {line.split(":")[0]: line[column:] for line in lines if ":" in line[:column]}
    assert by_label["Ngày sinh"] == "04/03/1980"
    assert by_label["Quan hệ với chủ hộ"] == "Chủ hộ"
    # Exactly 30 days before the end of December: due soon.
    assert by_label["BHXH tự nguyện"] == "Sắp đến hạn — đã đóng đến hết tháng 12/2026"
    assert by_label["Mức thu nhập tháng"] == "1.500.000 đ"
    assert by_label["Số tháng được Nhà nước hỗ trợ"] == "3/120"
    assert by_label["BHYT hộ gia đình"] == "Còn hạn — thẻ 04/11/2026 – 03/11/2027"
    assert lines[-1] == "Tình trạng đến ngày 01/12/2026 (bảng chính sách 2026.11.1)."


def test_person_in_english_says_a_member_without_voluntary_si_is_not_taking_part(data_dir: Path) -> None:
    result = run(data_dir, "--lang", "en", "person", SON, "--date", "2026-11-23")

    assert result.returncode == 0, result.stderr
    assert "Voluntary SI:" in result.stdout and "Not taking part" in result.stdout
    assert "Paid up — card 04/11/2026 – 03/11/2027" in result.stdout
    assert "State-supported months" not in result.stdout


def test_an_unknown_citizen_id_is_one_clear_line_and_exit_1(data_dir: Path) -> None:
    result = run(data_dir, "person", "001099999999")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "collector-app: Chưa có ai đăng ký với số CCCD 001099999999."
    ]


def test_an_unknown_citizen_id_in_json_gives_the_problem_code(data_dir: Path) -> None:
    result = run(data_dir, "person", "001099999999", "--json")

    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"][0]["code"] == "person.not_found"
