"""Closing a day on a real store: the expected cash, the count, the closed day refusing new money, the report."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from collector_app.domain.closing import parse_count
from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.closing import close_day, day_report, day_report_pdf, day_to_close
from collector_app.services.device import acting_user
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.accounts import add_user
from collector_app.store.audit_trail import verify_chain
from collector_app.store.db import Store
from collector_app.store.users import User
from da_nang import CODE, FOURTH, HEAD, THIRD, WIFE, da_nang_store

# Voids are stamped now (UTC): the day is taken in UTC so that "today" is theirs.
TODAY = datetime.now(UTC).date()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with da_nang_store(tmp_path / "store.sqlite3") as opened:
        yield opened


@pytest.fixture
def collector(store: Store) -> User:
    return acting_user(store)


def vsi(store: Store, user: User, citizen_id: str, *, on: date = TODAY, method: str = "cash"):
    return record_vsi_payment(store, citizen_id=citizen_id, monthly_income=2_000_000, months=1, on=on,
                              actor=user, method=method)


def close(store: Store, user: User, count: str, reason: str | None = None, *, on: date = TODAY):
    return close_day(store, actor=user, on=on, today=TODAY, count=parse_count(count), reason=reason, zone=UTC)


def refused(error: pytest.ExceptionInfo[DomainError]) -> ProblemCode:
    return error.value.problems[0].code


def test_the_expected_cash_is_the_days_cash_receipts_net_of_its_voids_with_transfers_apart(
    store: Store, collector: User
) -> None:
    vsi(store, collector, HEAD)  # 374.000 đ cash
    voided = vsi(store, collector, THIRD)  # 374.000 đ cash, voided the same day: handed back
    void_receipt(store, voided.receipt_number, reason="Ghi nhầm người", actor=collector)
    transfer = record_family_hi_payment(store, household_code=CODE, months=3, on=TODAY, actor=collector,
                                        method="transfer")
    vsi(store, collector, FOURTH, on=YESTERDAY)  # yesterday's drawer
    before = day_to_close(store, actor=collector, on=TODAY, zone=UTC)
    assert (before.expected_cash, before.transfers, before.closed) == (374_000, transfer.payable, None)

    # 374.000 đ expected; 1 × 200.000 + 1 × 100.000 + 1 × 50.000 + 1 × 20.000 = 370.000 đ counted: 4.000 đ short.
    with pytest.raises(DomainError) as error:
        close(store, collector, "200000=1,100000=1,50000=1,20000=1")
    assert refused(error) is ProblemCode.DAY_REASON_REQUIRED
    assert day_to_close(store, actor=collector, on=TODAY, zone=UTC).closed is None  # nothing written
    closed = close(store, collector, "200000=1,100000=1,50000=1,20000=1", "Thối nhầm cho người nộp")
    assert (closed.expected_cash, closed.counted_cash, closed.difference, closed.transfers) == (
        374_000, 370_000, -4_000, transfer.payable)
    row = day_to_close(store, actor=collector, on=TODAY, zone=UTC).closed
    assert row is not None and (row.counted_cash, row.difference, row.reason) == (
        370_000, -4_000, "Thối nhầm cho người nộp")
    assert row.counts[200_000] == 1 and row.counts[500_000] == 0
    report = verify_chain(store)  # the closing is a chained money event, its row covered
    assert report.sound and report.entries == 6


def test_a_closed_day_refuses_a_second_close_new_payments_and_voids(store: Store, collector: User) -> None:
    kept = vsi(store, collector, HEAD)
    earlier = vsi(store, collector, FOURTH, on=YESTERDAY)
    close(store, collector, "200000=1,100000=1,50000=1,20000=1,2000=2")  # 374.000 đ: no difference

    with pytest.raises(DomainError) as again:
        close(store, collector, "200000=1,100000=1,50000=1,20000=1,2000=2")
    assert refused(again) is ProblemCode.DAY_ALREADY_CLOSED
    with pytest.raises(DomainError) as paying:
        vsi(store, collector, THIRD)
    assert refused(paying) is ProblemCode.DAY_CLOSED
    assert paying.value.problems[0].params["date"] == TODAY
    with pytest.raises(DomainError) as voiding:
        void_receipt(store, kept.receipt_number, reason="Nhầm", actor=collector)
    assert refused(voiding) is ProblemCode.DAY_CLOSED
    # A void made today of yesterday's receipt would show in today's closed report: refused too.
    with pytest.raises(DomainError) as late:
        void_receipt(store, earlier.receipt_number, reason="Nhầm", actor=collector)
    assert refused(late) is ProblemCode.DAY_CLOSED
    # A supervisor voiding the collector's receipt of the closed day, before its end, would change it.
    boss = add_user(store, username="giamsat", full_name="Ngô Văn Sáu", role=Role.SUPERVISOR, actor="test")
    with pytest.raises(DomainError) as theirs:
        void_receipt(store, kept.receipt_number, reason="Nhầm", actor=boss)
    assert refused(theirs) is ProblemCode.DAY_CLOSED
    # Nothing of it was written; the next day is open, and another collector's day is theirs to close.
    assert day_to_close(store, actor=collector, on=TODAY, zone=UTC).expected_cash == 374_000
    colleague = add_user(store, username="lan", full_name="Võ Thị Lan", role=Role.COLLECTOR, actor="test")
    assert vsi(store, colleague, THIRD).payable == 374_000
    assert vsi(store, collector, WIFE, on=YESTERDAY).payable == 374_000  # a day not closed
    assert verify_chain(store).sound


def test_the_guard_is_the_stores_and_the_table_keeps_one_unchangeable_closing(
    store: Store, collector: User
) -> None:
    close(store, collector, "1000=0")
    with store.begin() as connection, pytest.raises(IntegrityError):
        connection.exec_driver_sql("UPDATE day_closings SET counted_cash = 0")
    with store.begin() as connection, pytest.raises(IntegrityError):
        connection.exec_driver_sql("DELETE FROM day_closings")


def test_a_day_not_yet_come_cannot_be_closed(store: Store, collector: User) -> None:
    with pytest.raises(DomainError) as error:
        close(store, collector, "1000=1", "x", on=TODAY + timedelta(days=1))
    assert refused(error) is ProblemCode.DAY_IN_FUTURE


def test_the_report_pdf_reads_back_with_the_receipts_totals_count_and_signatures(
    store: Store, collector: User, tmp_path: Path
) -> None:
    paid = vsi(store, collector, HEAD)
    voided = vsi(store, collector, THIRD)
    void_receipt(store, voided.receipt_number, reason="Ghi nhầm người", actor=collector)
    transfer = record_family_hi_payment(store, household_code=CODE, months=3, on=TODAY, actor=collector,
                                        method="transfer")
    open_report = day_report(store, actor=collector, on=TODAY, zone=UTC)
    assert open_report.count is None and open_report.expected_cash == 374_000
    close(store, collector, "500000=1", "Người nộp gửi lại tiền thừa")  # 126.000 đ too much
    pdf = tmp_path / "day.pdf"
    pdf.write_bytes(day_report_pdf(store, actor=collector, on=TODAY, zone=UTC))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "BẢNG KÊ THU TIỀN VÀ ĐỐI CHIẾU TIỀN MẶT CUỐI NGÀY" in text
    assert TODAY.strftime("%d/%m/%Y") in text
    for number in (paid.receipt_number, voided.receipt_number, transfer.receipt_number):
        assert number in text
    assert "ĐÃ HỦY" in text and "Đặng Văn Hùng" in text
    assert "Tiền mặt kiểm đếm" in text and "500.000 đ" in text
    assert "+126.000 đ" in text and "Người nộp gửi lại tiền thừa" in text
    cash_line = next(line for line in text.splitlines() if "Tiền mặt: " in line)
    assert "1 biên lai" in cash_line and cash_line.rstrip().endswith("374.000 đ")
    assert "Cộng: 2 biên lai" in text
    assert "Người thu tiền" in text and "(Ký, ghi rõ họ tên)" in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf), str(tmp_path / "day")], check=True)
    assert (tmp_path / "day.png").stat().st_size > 1000
    assert json.loads(json.dumps(open_report.total)) == [2, 374_000 + transfer.payable]
