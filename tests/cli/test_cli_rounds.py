"""`collector-app round`: a round made on the point's device, carried by file to a collaborator's device,
visited there and its results carried back, as real processes on two data folders."""

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
from collector_app.services.payments import record_vsi_payment
from collector_app.store.registration import add_households
from signing import open_test_store

APP = str(Path(sys.executable).with_name("collector-app"))
HEAD, OTHER = "048080012345", "048075000111"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120, env=environment)


@pytest.fixture(scope="module")
def point(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The point's device in Đà Nẵng: two households whose voluntary SI is due or overdue on 23/11/2026."""
    folder = tmp_path_factory.mktemp("rounds") / "point"
    assert run(folder, "init", "--point-code", "DA07", "--device-code", "M1", "--json").returncode == 0
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, [
            NewHousehold("4800000001", "Thôn An Hải", "20242", "48", (
                NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD, None, "0912345678"),)),
            NewHousehold("4800000002", "Thôn Phú Sơn", "20242", "48", (
                NewPerson("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, OTHER),)),
        ], actor="test")
        actor = acting_user(store)
        for citizen_id, on in ((HEAD, date(2026, 11, 2)), (OTHER, date(2026, 8, 3))):
            record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=1, on=on,
                               period_from=on.replace(day=1), actor=actor, today=on)
    return folder


def test_a_round_goes_to_the_collaborators_device_and_its_visits_come_back(point: Path, tmp_path: Path) -> None:
    made = run(point, "round", "pdf", "--out", str(tmp_path / "round.pdf"), "--date", "2026-11-23", "--json")
    assert made.returncode == 0, made.stderr
    number = str(json.loads(made.stdout)["round"])
    listed = json.loads(run(point, "round", "list", "--json").stdout)
    assert [(r["round"], r["households"], r["visited"], r["paid"], r["made_here"]) for r in listed][0] == (
        int(number), 2, 0, 0, True)

    stick = tmp_path / "stick"
    exported = run(point, "--lang", "en", "round", "export", number, "--out", str(stick / "round.json"))
    assert exported.returncode == 0 and "import it on the collaborator's device" in exported.stdout

    field = tmp_path / "field"
    assert run(field, "init", "--point-code", "DA07", "--device-code", "C1").returncode == 0
    imported = run(field, "round", "import", str(stick / "round.json"), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) | {"round": 0} == {"round": 0, "kind": "round", "households_added": 2,
                                                          "people_added": 2, "visits_added": 0,
                                                          "receipts_changed": 0}
    again = run(field, "--lang", "en", "round", "import", str(stick / "round.json"))
    assert again.returncode == 1 and again.stderr.strip().splitlines() == [
        f"collector-app: Round {number} of round.json is on this device already: nothing new."]

    visited = run(field, "round", "visit", number, "--household", "4800000002", "--outcome", "will-pay-later", "--json")
    assert visited.returncode == 0, visited.stderr
    assert json.loads(visited.stdout)["outcome"] == "will_pay_later"
    refused = run(field, "--lang", "en", "round", "visit", number, "--household", "4899999999", "--outcome", "paid")
    assert refused.returncode == 1 and refused.stderr.strip().endswith(f"Household 4899999999 is not in round {number}.")
    results = run(field, "round", "export", number, "--out", str(stick / "results.json"), "--json")
    assert json.loads(results.stdout)["kind"] == "round_results"

    back = run(point, "round", "import", str(stick / "results.json"), "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["visits_added"] == 1
    shown = json.loads(run(point, "round", "show", number, "--json").stdout)
    assert [(e["household_code"], e["outcome"], e["state"]) for e in shown["entries"]] == [
        ("4800000001", None, "not_paid"), ("4800000002", "will_pay_later", "not_paid")]
    text = run(point, "round", "show", number).stdout
    assert "sẽ đóng sau" in text and "chưa đến" in text


@pytest.mark.parametrize("args", [("show", "77"), ("export", "77", "--out", "x.json"),
                                  ("visit", "77", "--household", "4800000001", "--outcome", "paid")])
def test_an_unknown_round_is_one_line(point: Path, args: tuple[str, ...]) -> None:
    result = run(point, "--lang", "en", "round", *args)
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        "collector-app: There is no visit round 77 on this device."]


def test_a_file_that_is_no_round_is_one_line(point: Path, tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text('{"households": []}', encoding="utf-8")
    result = run(point, "--lang", "en", "round", "import", str(tmp_path / "list.json"))
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        "collector-app: The file list.json is not a visit round file."]
