"""The command-line contract: JSON keys, exit codes, one-line errors, Vietnamese by default, no Qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

APP = str(Path(sys.executable).with_name("collector-app"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store_dir(data_dir: Path) -> Path:
    """A data folder whose store `init` made, with the test user (COLLECTOR_APP_USER/PASSWORD) first."""
    assert run("init", data_dir=data_dir).returncode == 0
    return data_dir


def run(*args: str, data_dir: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    if data_dir is not None:
        environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    environment.update(env or {})
    return subprocess.run([APP, *args], capture_output=True, text=True, timeout=120, env=environment)


def json_of(result: subprocess.CompletedProcess[str]):
    return json.loads(result.stdout)


def assert_one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_quote_vsi_gives_the_whole_period_amounts_as_json():
    result = run("quote", "vsi", "--income", "1500000", "--months", "12", "--group", "other",
                 "--date", "2026-08-01", "--json")
    assert result.returncode == 0, result.stderr
    quote = json_of(result)
    assert {k: quote[k] for k in ("monthly_income", "months", "gross", "state_support", "local_support", "payable")} == {
        "monthly_income": 1_500_000, "months": 12, "gross": 3_960_000, "state_support": 792_000,
        "local_support": 0, "payable": 3_168_000,
    }
    assert quote["period_from"] == "2026-08-01" and quote["period_to"] == "2027-07-31"
    assert quote["payable_in_words"] == "Ba triệu một trăm sáu mươi tám nghìn đồng"


def test_quote_vsi_uses_the_new_poverty_line_from_2027():
    result = run("quote", "vsi", "--income", "2200000", "--months", "6", "--group", "poor",
                 "--date", "2027-03-01", "--json")
    assert json_of(result)["payable"] == 1_452_000


def test_quote_vsi_applies_the_hanoi_top_up_when_asked():
    result = run("quote", "vsi", "--income", "1.500.000", "--months", "1", "--group", "near-poor",
                 "--province", "01", "--date", "2026-08-01", "--json")
    quote = json_of(result)
    assert (quote["state_support"], quote["local_support"], quote["payable"]) == (132_000, 198_000, 0)


def test_quote_hi_lists_members_that_add_up_to_the_total():
    result = run("quote", "hi", "--members", "2", "--months", "12", "--date", "2026-08-01", "--json")
    assert result.returncode == 0, result.stderr
    quote = json_of(result)
    assert quote["months"] == 12 and quote["total"] == 2_322_540
    assert quote["members"][0]["order"] == 1 and quote["members"][1]["amount"] == 956_340
    assert sum(m["amount"] for m in quote["members"]) == quote["total"]


def test_an_income_under_the_floor_is_refused_in_one_vietnamese_line():
    result = run("quote", "vsi", "--income", "1000000", "--months", "12", "--date", "2026-08-01")
    assert result.returncode == 1
    line = assert_one_clear_line(result)
    assert "1.000.000 đ" in line and "1.500.000 đ" in line and "01/08/2026" in line
    assert "thấp hơn" in line


def test_an_income_under_the_floor_is_refused_in_english_when_asked():
    result = run("--lang", "en", "quote", "vsi", "--income", "1000000", "--months", "12", "--date", "2026-08-01")
    assert result.returncode == 1
    assert "below the minimum" in assert_one_clear_line(result)


def test_a_refusal_with_json_carries_the_problem_code():
    result = run("quote", "vsi", "--income", "2000000", "--months", "12", "--group", "rich",
                 "--date", "2026-08-01", "--json")
    assert result.returncode == 1
    assert json_of(result)["errors"][0]["code"] == "vsi.unknown_support_group"


def test_prepaying_years_is_refused_while_no_fund_return_is_published():
    result = run("quote", "vsi", "--income", "1500000", "--months", "36", "--date", "2026-08-01", "--json")
    assert result.returncode == 1
    assert json_of(result)["errors"][0]["code"] == "vsi.prepay_needs_fund_return"


def test_a_date_before_the_policy_table_is_refused():
    result = run("quote", "hi", "--members", "1", "--months", "12", "--date", "2020-01-01")
    assert result.returncode == 1
    assert "01/01/2020" in assert_one_clear_line(result)


@pytest.mark.parametrize(
    "args",
    [
        ("quote", "vsi", "--income", "abc", "--months", "12"),
        ("quote", "vsi", "--income", "1500000", "--months", "12", "--date", "01/08/2026"),
        ("quote", "hi", "--members", "0", "--months", "12"),
        ("quote", "hi", "--months", "12"),
        ("no-such-command",),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2
    assert_one_clear_line(result)


def test_check_id_accepts_a_matching_number_and_decodes_it():
    result = run("check-id", "068195000123", "--dob", "1995-04-02", "--sex", "female", "--json")
    assert result.returncode == 0
    decoded = json_of(result)
    assert decoded["valid"] is True and decoded["errors"] == []
    assert (decoded["birth_place"], decoded["sex"], decoded["birth_year"]) == ("Lâm Đồng", "female", 1995)


def test_check_id_reports_a_sex_mismatch_with_code_and_message():
    result = run("check-id", "068195000123", "--dob", "1995-04-02", "--sex", "male", "--json")
    assert result.returncode == 1
    decoded = json_of(result)
    assert decoded["valid"] is False
    assert [e["code"] for e in decoded["errors"]] == ["cccd.sex_mismatch"]
    assert decoded["errors"][0]["message"]


def test_check_id_refuses_a_number_of_the_wrong_length():
    result = run("check-id", "06819500012")
    assert result.returncode == 1
    assert "06819500012" in result.stdout


def test_sub_commands_never_import_qt():
    code = (
        "import sys\n"
        "from collector_app.cli import main\n"
        "main(['quote', 'hi', '--members', '1', '--months', '3', '--date', '2026-08-01', '--json'])\n"
        "main(['check-id', '068195000123'])\n"
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_window_without_a_display_says_how_to_run_it(data_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    result = subprocess.run([APP], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "xvfb-run" in result.stderr and "QT_QPA_PLATFORM=offscreen" in result.stderr


# ---- store commands --------------------------------------------------------------------------------


def test_init_is_idempotent_and_creates_the_store_where_asked(data_dir):
    first = run("init", "--json", data_dir=data_dir)
    second = run("init", "--json", data_dir=data_dir)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert json_of(first)["store"] == json_of(second)["store"]
    assert Path(json_of(first)["store"]).parent == data_dir


def test_demo_then_search_without_accents_finds_names_with_accents(store_dir):
    assert run("demo", "--people", "300", "--json", data_dir=store_dir).returncode == 0
    result = run("search", "nguyen", "--json", "--limit", "5", data_dir=store_dir)
    assert result.returncode == 0, result.stderr
    hits = json_of(result)
    assert 0 < len(hits) <= 5
    for hit in hits:
        assert {"full_name", "citizen_id", "household_id"} <= set(hit)
        assert "nguyễn" in hit["full_name"].lower()


def test_demo_if_empty_adds_nothing_the_second_time(store_dir):
    assert json_of(run("demo", "--people", "50", "--json", data_dir=store_dir))["people"] == 50
    again = run("demo", "--people", "50", "--if-empty", data_dir=store_dir)
    assert again.returncode == 0
    hits = json_of(run("search", "a", "--json", "--limit", "1000", data_dir=store_dir))
    assert len(hits) <= 50


def test_search_by_citizen_id_prefix_finds_the_person(store_dir):
    run("demo", "--people", "40", data_dir=store_dir)
    someone = json_of(run("search", "nguyen", "--json", "--limit", "1", data_dir=store_dir))
    if not someone:
        someone = json_of(run("search", "thi", "--json", "--limit", "1", data_dir=store_dir))
    citizen_id = someone[0]["citizen_id"]
    hits = json_of(run("search", citizen_id[:9], "--json", data_dir=store_dir))
    assert citizen_id in {h["citizen_id"] for h in hits}


CSV_HEADER = "household_code,full_name,date_of_birth,sex,citizen_id,phone,address,commune,province\n"


def test_import_reports_bad_rows_by_line_and_writes_the_good_ones(store_dir, tmp_path):
    csv = tmp_path / "households.csv"
    csv.write_text(
        CSV_HEADER
        + "HGD001,Đặng Thị Hằng,02/04/1995,nữ,068195000123,0912345678,Số 5 thôn Đông,Ba Đình,Hà Nội\n"
        + "HGD002,Lê Văn Bình,1980-01-15,nam,001080000777,,Số 7,Phường Không Có,Hà Nội\n",
        encoding="utf-8-sig",
    )
    dry = run("import", "households", str(csv), "--dry-run", "--json", data_dir=store_dir)
    assert dry.returncode == 1
    assert json_of(dry)["dry_run"] is True and json_of(dry)["households_written"] == 1
    assert json_of(run("search", "hang", "--json", data_dir=store_dir)) == []

    result = run("import", "households", str(csv), "--json", data_dir=store_dir)
    report = json_of(result)
    assert result.returncode == 1
    assert report["people_written"] == 1
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(3, "import.unknown_commune")]
    hits = json_of(run("search", "dang thi h", "--json", data_dir=store_dir))
    assert [h["full_name"] for h in hits] == ["Đặng Thị Hằng"]


def test_importing_a_missing_file_is_one_line(store_dir, tmp_path):
    result = run("import", "households", str(tmp_path / "nope.csv"), data_dir=store_dir)
    assert result.returncode == 2
    assert "nope.csv" in assert_one_clear_line(result)
