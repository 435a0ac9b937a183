"""`collector-app due`: the due list as JSON for scripts and as text grouped by village and household."""

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
HEAD, WIFE, OTHER = "048080012345", "048182012345", "048075000111"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                          env=environment)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Đà Nẵng (no top-up): household A's head pays voluntary SI monthly through 11/2026 and its card
    runs to 19/12/2026; household B's only member stopped paying voluntary SI after 08/2026."""
    folder = tmp_path_factory.mktemp("due") / "store"
    assert run(folder, "init", "--point-code", "DA07", "--device-code", "M2", "--json").returncode == 0
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, [
            NewHousehold("4800000001", "Thôn An Hải", "20242", "48", (
                NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD, None, "0912345678"),
                NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
            )),
            NewHousehold("4800000002", "Thôn Phú Sơn", "20242", "48", (
                NewPerson("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, OTHER),
            )),
        ], actor="test")
        actor = acting_user(store)
        for citizen_id, on in ((HEAD, date(2026, 11, 2)), (OTHER, date(2026, 8, 3))):
            record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=1, on=on,
                               period_from=on.replace(day=1), actor=actor, today=on)
        record_family_hi_payment(store, household_code="4800000001", months=12, on=date(2025, 11, 20), actor=actor,
                                 today=date(2025, 11, 20))
    return folder


def test_due_json_has_each_renewal_with_its_state_date_and_amount(data_dir: Path) -> None:
    result = run(data_dir, "due", "--date", "2026-11-23", "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert [(e["citizen_id"], e["scheme"], e["state"], e["due_date"], e["amount"]) for e in shown["entries"]] == [
        (HEAD, "vsi", "due", "2026-12-01", 374_000),
        (HEAD, "family_hi", "due", "2026-12-20", 1_366_200),
        (WIFE, "family_hi", "due", "2026-12-20", 956_340),
        (OTHER, "vsi", "overdue", "2026-09-01", 374_000),
    ]
    first = shown["entries"][0]
    assert (first["full_name"], first["phone"], first["household_code"], first["address"], first["ends_on"],
            first["pay_by"], first["months"]) == (
        "Đặng Văn Hùng", "0912345678", "4800000001", "Thôn An Hải", "2026-11-30", "2026-12-31", 1)
    assert shown["counts"] == {"due": 3, "overdue": 1, "lapsed": 0}
    assert (shown["people"], shown["households"], shown["total_amount"]) == (3, 2, 3_070_540)


def test_due_filters(data_dir: Path) -> None:
    def ids(*args: str) -> list[tuple[str, str]]:
        result = run(data_dir, "due", "--date", "2026-11-23", "--json", *args)
        assert result.returncode == 0, result.stderr
        return [(e["citizen_id"], e["scheme"]) for e in json.loads(result.stdout)["entries"]]

    assert ids("--state", "overdue") == [(OTHER, "vsi")]
    assert ids("--scheme", "hi") == [(HEAD, "family_hi"), (WIFE, "family_hi")]
    assert ids("--village", "phu son") == [(OTHER, "vsi")]
    assert ids("--days", "7", "--state", "due") == [(HEAD, "vsi")]


def test_due_text_is_grouped_by_village_and_household_in_each_language(data_dir: Path) -> None:
    vi = run(data_dir, "due", "--date", "2026-11-23")
    assert vi.returncode == 0, vi.stderr
    lines = vi.stdout.splitlines()
    assert lines[0] == "Thôn An Hải"
    assert lines[1] == "  Hộ 4800000001: 2.696.540 đ"
    assert lines[2].startswith("    Đặng Văn Hùng · 048080012345 · 0912345678 · BHXH tự nguyện · Đến hạn")
    assert lines[2].endswith("374.000 đ")
    assert "Thôn Phú Sơn" in lines and "Quá hạn" in vi.stdout
    assert lines[-1] == "Số người: 3; số hộ: 2; cần thu: 3.070.540 đ"
    en = run(data_dir, "--lang", "en", "due", "--date", "2026-11-23", "--state", "overdue")
    assert en.stdout.splitlines()[-1] == "People: 1; households: 1; to collect: 374.000 đ"
    assert "paid through 31/08/2026" in en.stdout and "pay by 30/09/2026" in en.stdout
    nobody = run(data_dir, "--lang", "en", "due", "--date", "2026-11-23", "--state", "lapsed")
    assert nobody.stdout.strip() == "Nobody is due, overdue or lapsed up to 23/12/2026."


@pytest.mark.parametrize("args", [("--days", "-1"), ("--days", "400"), ("--state", "late"), ("--scheme", "x"),
                                  ("--date", "2026-13-01")])
def test_due_refuses_bad_input_in_one_line(data_dir: Path, args: tuple[str, ...]) -> None:
    result = run(data_dir, "--lang", "en", "due", *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_round_pdf_lists_the_households_by_village_with_a_box_for_each_member(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "round.pdf"
    result = run(data_dir, "round", "pdf", "--out", str(out), "--date", "2026-11-23", "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown == {"round": shown["round"], "round_id": shown["round_id"], "out": str(out), "households": 2,
                     "people": 3, "total_amount": 3_070_540}
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0].startswith(f"Danh sách đi thu số {shown['round']}: ")  # the round's number, the user's name
    assert "Lập ngày 23/11/2026" in lines[1]
    households = [line for line in lines if " — hộ " in line]
    assert [line.split("☐", 1)[1].split()[:5] for line in households] == [
        ["Thôn", "An", "Hải", "—", "hộ"], ["Thôn", "Phú", "Sơn", "—", "hộ"]]
    assert "2.696.540 đ" in households[0] and "374.000 đ" in households[1]
    hung = [line for line in lines if line.startswith("☐ Đặng Văn Hùng")]
    assert len(hung) == 2 and "0912345678" in hung[0] and "31/12/2026" in hung[0] and hung[0].endswith("374.000 đ")
    assert text.count("☐") == 1 + 2 + 4  # the header's, one per household, one per member's renewal
    assert lines[-2] == "Số người: 3; số hộ: 2; cần thu: 3.070.540 đ" and lines[-1] == "Trang 1/1"


def test_round_pdf_of_chosen_households(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.pdf"
    result = run(data_dir, "round", "pdf", "--out", str(out), "--date", "2026-11-23", "--household", "4800000002",
                 "--json")
    assert json.loads(result.stdout)["households"] == 1
    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "Thôn Phú Sơn" in text and "Thôn An Hải" not in text
    unknown = run(data_dir, "--lang", "en", "round", "pdf", "--out", str(out), "--collaborator", "nobody")
    assert unknown.returncode == 1 and unknown.stderr.strip().endswith("There is no active user 'nobody' on this device.")


@pytest.mark.parametrize("items", [[], [{"a": 1, "b": [1, 2]}], [{"name": "Đặng Văn Hùng"}, {"phone": None}]])
def test_a_streamed_json_list_reads_as_the_whole_document(items: list[dict[str, object]],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from collector_app.cli.common import _print_json_streaming

    _print_json_streaming({"date": "2026-11-23", "entries": [], "people": 2}, "entries", iter(items))
    assert json.loads(capsys.readouterr().out) == {"date": "2026-11-23", "entries": items, "people": 2}
