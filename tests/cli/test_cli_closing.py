"""`collector-app day close` and `day report`: the figures, a second close, the closed day refusing money, bad counts."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from test_cli_payments import (  # noqa: F401 (data_dir: the fixture)
    COLLABORATOR_PASSWORD,
    HEAD,
    WIFE,
    data_dir,
    ok_json,
    one_line_error,
    run,
)

__all__ = ["data_dir"]


def pay(data_dir: Path, citizen_id: str, *extra: str) -> dict[str, object]:
    return ok_json(run(data_dir, "pay", "vsi", "--citizen-id", citizen_id, "--income", "1.500.000", "--months", "1",
                       "--group", "other", *extra, "--json"))


def test_day_close_prints_expected_counted_and_difference_and_refuses_a_second_close(data_dir: Path) -> None:
    paid = pay(data_dir, HEAD)  # today, cash: 231.000 đ (Hà Nội: 22 % of 1.500.000 less 20 % + 10 % support)
    transfer = pay(data_dir, WIFE, "--method", "transfer")
    closed = ok_json(run(data_dir, "day", "close", "--count", "200000=1,20000=1,10000=1", "--reason",
                         "Thiếu 1.000 đ tiền lẻ", "--json"))
    assert closed == {"date": date.today().isoformat(), "expected_cash": paid["payable"], "counted_cash": 230_000,
                      "difference": 230_000 - paid["payable"], "transfers": transfer["payable"],
                      "reason": "Thiếu 1.000 đ tiền lẻ"}
    again = run(data_dir, "day", "close", "--count", "200000=1")
    assert again.returncode == 1
    assert "đã chốt sổ" in one_line_error(again)

    late = run(data_dir, "pay", "vsi", "--citizen-id", HEAD, "--income", "1.500.000", "--months", "1")
    assert late.returncode == 1 and "chốt sổ" in one_line_error(late)
    void = run(data_dir, "void", str(paid["receipt_number"]), "--reason", "Nhầm")
    assert void.returncode == 1 and "chốt sổ" in one_line_error(void)
    english = run(data_dir, "--lang", "en", "void", str(paid["receipt_number"]), "--reason", "Nhầm")
    assert "is closed for" in one_line_error(english)


def test_day_close_without_a_reason_for_a_difference_is_refused_and_in_text_shows_the_figures(
    data_dir: Path,
) -> None:
    paid = pay(data_dir, HEAD, "--date", "2026-08-03")
    refused = run(data_dir, "--lang", "en", "day", "close", "--date", "2026-08-03", "--count", "500000=1")
    assert refused.returncode == 1
    assert "say why" in one_line_error(refused)
    closed = run(data_dir, "--lang", "en", "day", "close", "--date", "2026-08-03", "--count", "200000=1,20000=1,10000=1,1000=1")
    assert closed.returncode == 0, closed.stderr
    assert "Day 03/08/2026 closed." in closed.stdout
    assert "231.000 đ" in closed.stdout and paid["payable"] == 231_000


def test_day_report_writes_the_pdf(data_dir: Path, tmp_path: Path) -> None:
    paid = pay(data_dir, HEAD, "--date", "2026-08-03")
    ok_json(run(data_dir, "day", "close", "--date", "2026-08-03", "--count", "200000=1,20000=1,10000=1,1000=1",
                "--json"))
    out = tmp_path / "ngay.pdf"
    written = ok_json(run(data_dir, "day", "report", "--date", "2026-08-03", "--out", str(out), "--json"))
    assert written == {"date": "2026-08-03", "file": str(out)}
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert str(paid["receipt_number"]) in text and "Tiền mặt kiểm đếm" in text and "Ngày 03/08/2026" in text


@pytest.mark.parametrize("count", ["", "500000=-1", "300000=1", "500000=999999999999",
                                   "500000=1,500000=2"])
def test_a_bad_count_is_one_line_and_exit_2(data_dir: Path, count: str) -> None:
    result = run(data_dir, "day", "close", "--count", count)
    assert result.returncode == 2
    one_line_error(result)


def test_handover_record_and_list(data_dir: Path) -> None:
    lan = {"COLLECTOR_APP_PASSWORD": COLLABORATOR_PASSWORD}
    paid = ok_json(run(data_dir, "pay", "vsi", "--citizen-id", HEAD, "--income", "1.500.000", "--months", "1",
                       "--group", "other", "--date", "2026-08-03", "--user", "ctv.lan", "--json", env=lan))
    [held] = ok_json(run(data_dir, "handover", "list", "--json"))
    assert held == {"collaborator": "ctv.lan", "full_name": "Phạm Thị Lan", "collected": 231_000, "handed_over": 0,
                    "held": 231_000, "held_receipts": 1, "oldest_held": "2026-08-03"}
    short = run(data_dir, "handover", "record", "--collaborator", "ctv.lan", "--until", "2026-08-03",
                "--amount", "230.000")
    assert short.returncode == 1 and "lý do" in one_line_error(short)
    done = ok_json(run(data_dir, "handover", "record", "--collaborator", "ctv.lan", "--receipts",
                       str(paid["receipt_number"]), "--json"))
    assert (done["receipts"], done["expected"], done["amount"], done["difference"]) == (
        [paid["receipt_number"]], 231_000, 231_000, 0)
    listed = run(data_dir, "--lang", "en", "handover", "list")
    assert "Phạm Thị Lan (ctv.lan): collected 231.000 đ, handed over 231.000 đ, still held 0 đ" in listed.stdout
    by_her = run(data_dir, "handover", "record", "--collaborator", "ctv.lan", "--until", "2026-08-03",
                 "--user", "ctv.lan", env=lan)
    assert by_her.returncode == 1 and "cán bộ giám sát" in one_line_error(by_her)
