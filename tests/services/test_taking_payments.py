"""Taking payments as the collector does: look-ups, quotes on the payment date, the amount check, receipts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collector_app.domain.enrolments import NewEnrolment, Scheme
from collector_app.domain.payments import Role
from collector_app.domain.people import NewHousehold, NewPerson, Sex, SupportGroup
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import verify_payload
from collector_app.messages import message
from collector_app.services.device import acting_user, device_of, set_up
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import receipt_document, receipt_numbers, void_receipt
from collector_app.store import schema
from collector_app.store.db import Store
from collector_app.store.people import get_household
from collector_app.store.registration import add_enrolments, add_households
from collector_app.store.users import User
from collector_app.store.accounts import add_user
from signing import open_test_store

ON = date(2026, 8, 1)
HEAD, WIFE, CHILD = "001080012345", "001182012345", "001316012345"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        [household_id] = add_households(
            opened,
            [
                NewHousehold(
                    "0112345678",
                    "Số 5, thôn Đông",
                    "00004",
                    "01",
                    (
                        NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD, si_code="0112345678"),
                        NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
                        NewPerson("Đặng Minh Khôi", date(2016, 9, 1), Sex.MALE, CHILD),
                    ),
                )
            ],
            actor="test",
        )
        members = get_household(opened, household_id).members
        add_enrolments(
            opened,
            [
                NewEnrolment(
                    members[0].person_id, Scheme.VSI, date(2026, 1, 1), SupportGroup.NEAR_POOR, 2_000_000
                ),
                NewEnrolment(members[0].person_id, Scheme.FAMILY_HI, date(2025, 8, 31)),
                NewEnrolment(members[1].person_id, Scheme.FAMILY_HI, date(2025, 8, 31)),
            ],
            actor="test",
        )
        yield opened


@pytest.fixture
def collector(store: Store) -> User:
    return acting_user(store)


def count(store: Store, table: schema.Table) -> int:
    with store.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def refusal(call) -> list[ProblemCode]:
    with pytest.raises(DomainError) as refused:
        call()
    for problem in refused.value.problems:
        assert message(problem)  # every refusal reads as a sentence
    return [p.code for p in refused.value.problems]


def test_voluntary_si_is_quoted_with_the_enrolment_group_and_recorded(store: Store, collector: User):
    paid = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=1_500_000, months=12, on=ON, actor=collector, method="transfer"
    )

    assert paid.receipt_number == "BD01M1-26-0000001"
    # Near-poor: 40 % of 22 % × 1.500.000 = 132.000 a month of state support; the household lives in
    # Hà Nội, which adds 60 % of the same base, capped at the rest: 198.000. Pays 0 (domain.md §7.2).
    assert (paid.gross, paid.state_support, paid.local_support, paid.payable) == (
        3_960_000,
        1_584_000,
        2_376_000,
        0,
    )
    [person] = paid.participants
    assert (person.full_name, person.period_start, person.period_end) == (
        "Đặng Văn Hùng",
        date(2026, 8, 1),
        date(2027, 7, 31),
    )
    assert count(store, schema.enrolments) == 3  # the existing enrolment was used


def test_the_next_voluntary_si_payment_continues_after_the_months_paid(store: Store, collector: User):
    record_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=ON, actor=collector)

    later = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=date(2026, 9, 10), actor=collector
    )

    assert (later.participants[0].period_start, later.participants[0].period_end) == (
        date(2026, 11, 1),
        date(2027, 1, 31),
    )
    assert later.receipt_number == "BD01M1-26-0000002"


def test_state_support_stops_after_120_supported_months_paid_before(store: Store, collector: User):
    supports = [
        record_vsi_payment(
            store, citizen_id=HEAD, monthly_income=1_500_000, months=12, on=ON, actor=collector, group="other"
        ).state_support
        for _ in range(11)
    ]

    assert supports == [792_000] * 10 + [0]


def test_a_period_already_paid_is_refused(store: Store, collector: User):
    record_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=ON, actor=collector)

    codes = refusal(
        lambda: record_vsi_payment(
            store,
            citizen_id=HEAD,
            monthly_income=1_500_000,
            months=1,
            on=date(2026, 9, 2),
            actor=collector,
            period_from=date(2026, 9, 1),
        )
    )

    assert codes == [ProblemCode.PAYMENT_PERIOD_ALREADY_PAID]
    assert count(store, schema.payments) == 1


def test_a_voided_payment_frees_its_months(store: Store, collector: User):
    first = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=1_500_000, months=3, on=ON, actor=collector
    )
    void_receipt(store, first.receipt_number, reason="Sai mức thu nhập", actor=collector)

    again = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=2_000_000, months=3, on=ON, actor=collector
    )

    assert again.participants[0].period_start == date(2026, 8, 1)


def test_a_person_without_an_enrolment_gets_one_with_the_payment(store: Store, collector: User):
    paid = record_vsi_payment(
        store, citizen_id=WIFE, monthly_income=1_500_000, months=1, on=ON, actor=collector, group="poor"
    )

    assert (paid.state_support, paid.local_support, paid.payable) == (165_000, 165_000, 0)  # Hà Nội, poor
    with store.read() as connection:
        enrolment = connection.execute(
            select(schema.enrolments).where(
                schema.enrolments.c.scheme == "vsi", schema.enrolments.c.created_by == collector.user_id
            )
        ).one()
    assert (enrolment.support_group, enrolment.monthly_income, enrolment.start_date) == (
        "poor",
        1_500_000,
        date(2026, 8, 1),
    )


@pytest.mark.parametrize(
    ("kwargs", "codes"),
    [
        ({"citizen_id": HEAD, "amount": 3_000_000}, [ProblemCode.PAYMENT_AMOUNT_MISMATCH]),
        ({"citizen_id": CHILD}, [ProblemCode.VSI_UNDER_MIN_AGE]),
        ({"citizen_id": "079099000001"}, [ProblemCode.PAYMENT_PERSON_NOT_FOUND]),
        ({"citizen_id": HEAD, "method": "cheque"}, [ProblemCode.PAYMENT_UNKNOWN_METHOD]),
        ({"citizen_id": HEAD, "group": "rich"}, [ProblemCode.UNKNOWN_SUPPORT_GROUP]),
        ({"citizen_id": WIFE, "amount": 1}, [ProblemCode.PAYMENT_AMOUNT_MISMATCH]),
    ],
)
def test_a_refused_voluntary_si_payment_writes_nothing(store: Store, collector: User, kwargs, codes):
    enrolments = count(store, schema.enrolments)
    arguments = {"monthly_income": 1_500_000, "months": 12, "on": ON, "actor": collector, **kwargs}

    assert refusal(lambda: record_vsi_payment(store, **arguments)) == codes
    assert count(store, schema.payments) == count(store, schema.outbox) == 0
    assert count(store, schema.enrolments) == enrolments


def test_a_household_pays_family_hi_for_every_member_in_declared_order(store: Store, collector: User):
    paid = record_family_hi_payment(store, household_code="0112345678", months=12, on=ON, actor=collector)

    assert paid.payable == 1_366_200 + 956_340 + 819_720  # base salary 2.530.000 (domain.md §2.6)
    assert [(p.member_rank, p.full_name, p.amount) for p in paid.participants] == [
        (1, "Đặng Văn Hùng", 1_366_200),
        (2, "Lê Thị Hằng", 956_340),
        (3, "Đặng Minh Khôi", 819_720),
    ]
    # Nobody had a card yet: every card starts 30 days after payment.
    assert {(p.period_start, p.period_end) for p in paid.participants} == {
        (date(2026, 8, 31), date(2027, 8, 30))
    }
    assert count(store, schema.enrolments) == 4  # the child got a family HI enrolment


def test_a_renewal_continues_each_card_from_its_end(store: Store, collector: User):
    record_family_hi_payment(store, household_code="0112345678", months=6, on=ON, actor=collector)

    renewal = record_family_hi_payment(
        store,
        household_code="0112345678",
        months=6,
        on=date(2027, 2, 1),
        actor=collector,
        amount=683_100 + 478_170 + 409_860,
        today=date(2027, 2, 1),
    )

    assert {(p.period_start, p.period_end) for p in renewal.participants} == {
        (date(2027, 2, 28), date(2027, 8, 27))
    }


def test_an_unknown_household_code_is_refused(store: Store, collector: User):
    codes = refusal(
        lambda: record_family_hi_payment(store, household_code="9999", months=12, on=ON, actor=collector)
    )

    assert codes == [ProblemCode.PAYMENT_HOUSEHOLD_NOT_FOUND]


def test_a_supervisor_takes_no_money_and_nothing_is_created(store: Store):
    supervisor = add_user(
        store, username="giamsat", full_name="Trần Văn Giám", role=Role.SUPERVISOR, actor="t"
    )

    codes = refusal(
        lambda: record_family_hi_payment(
            store, household_code="0112345678", months=12, on=ON, actor=supervisor
        )
    )

    assert codes == [ProblemCode.ROLE_MAY_NOT_RECORD_PAYMENTS]
    assert count(store, schema.enrolments) == 3


def test_the_receipt_document_shows_the_payment_and_a_qr_payload_the_device_key_signed(
    store: Store, collector: User
):
    paid = record_family_hi_payment(store, household_code="0112345678", months=12, on=ON, actor=collector)

    document = receipt_document(store, paid.receipt_number, copy=False)

    device = device_of(store)
    assert (document.receipt_number, document.issued_on, document.scheme) == (
        paid.receipt_number,
        ON,
        "family_hi",
    )
    assert (document.organisation, document.collection_point, document.form_number) == (
        "Bưu điện thành phố Hà Nội",
        "Điểm Bưu điện - Văn hóa xã Đông Anh (BD01)",
        "C45-BB",
    )
    assert (document.payer_name, document.payer_address) == (
        "Đặng Văn Hùng",
        "Số 5, thôn Đông, Phường Ba Đình, Thành phố Hà Nội",
    )
    assert [(p.full_name, p.member_rank, p.amount) for p in document.participants] == [
        ("Đặng Văn Hùng", 1, 1_366_200),
        ("Lê Thị Hằng", 2, 956_340),
        ("Đặng Minh Khôi", 3, 819_720),
    ]
    assert document.participants[0].si_code == "0112345678"
    assert (document.gross, document.payable, document.months) == (3_142_260, 3_142_260, 12)
    assert (document.period_from, document.period_to) == (date(2026, 8, 31), date(2027, 8, 30))
    assert document.amount_in_words == "Ba triệu một trăm bốn mươi hai nghìn hai trăm sáu mươi đồng"
    assert (document.collector_name, document.method, document.copy_number, document.voided) == (
        "Nhân viên thu",
        "cash",
        0,
        False,
    )
    claim = verify_payload(document.qr_payload, device.public_key)
    assert (claim.receipt_number, claim.amount, claim.issued_on, claim.device_id) == (
        paid.receipt_number,
        3_142_260,
        ON,
        "BD01M1",
    )


def test_each_copy_is_counted_and_numbered_and_the_original_is_not(store: Store, collector: User):
    paid = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=1_500_000, months=1, on=ON, actor=collector
    )

    copies = [receipt_document(store, paid.receipt_number, copy=True).copy_number for _ in range(2)]
    original = receipt_document(store, paid.receipt_number, copy=False)

    assert copies == [1, 2] and original.copy_number == 0
    assert count(store, schema.reprints) == 2


def test_a_void_receipt_says_so_with_its_reason(store: Store, collector: User):
    paid = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=1_500_000, months=1, on=ON, actor=collector
    )

    void_receipt(store, paid.receipt_number, reason="Ghi sai thu nhập", actor=collector)
    document = receipt_document(store, paid.receipt_number, copy=False)

    assert (document.voided, document.void_reason, document.receipt_number) == (
        True,
        "Ghi sai thu nhập",
        paid.receipt_number,
    )
    assert receipt_numbers(store) == [paid.receipt_number]


def test_a_collaborator_cannot_void(store: Store, collector: User):
    paid = record_vsi_payment(
        store, citizen_id=HEAD, monthly_income=1_500_000, months=1, on=ON, actor=collector
    )
    collaborator = add_user(
        store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="t"
    )

    codes = refusal(lambda: void_receipt(store, paid.receipt_number, reason="Nhầm", actor=collaborator))

    assert codes == [ProblemCode.ROLE_MAY_NOT_VOID_RECEIPTS]


def test_an_unknown_or_malformed_receipt_number_is_refused(store: Store):
    assert refusal(lambda: receipt_document(store, "BD01M1-26-0000042", copy=False)) == [
        ProblemCode.RECEIPT_NOT_FOUND
    ]
    assert refusal(lambda: receipt_document(store, "42", copy=False)) == [ProblemCode.RECEIPT_NUMBER_FORMAT]


def test_an_unknown_user_is_refused(store: Store):
    assert refusal(lambda: acting_user(store, "nobody")) == [ProblemCode.UNKNOWN_USER]
    assert acting_user(store).username == "collector"


def test_the_top_up_follows_the_household_province_and_cannot_be_chosen(store: Store, collector: User):
    """Hà Nội's top-up for its residents only (domain.md §1.5): asking for another province's is refused."""
    codes = refusal(
        lambda: record_vsi_payment(
            store, citizen_id=HEAD, monthly_income=1_500_000, months=1, on=ON, actor=collector, province="40"
        )
    )

    assert codes == [ProblemCode.PAYMENT_TOP_UP_NOT_RESIDENT]
    assert count(store, schema.payments) == 0


def test_a_household_outside_a_province_with_a_top_up_gets_only_the_state_support(tmp_path: Path):
    with open_test_store(tmp_path / "nghe-an.sqlite3") as opened:
        set_up(opened)
        add_households(opened, [NewHousehold(None, "Xóm 3", "17611", "40", (
            NewPerson("Hồ Văn Nam", date(1975, 2, 3), Sex.MALE, "040075001234"),))], actor="test")
        collector = acting_user(opened)

        paid = record_vsi_payment(opened, citizen_id="040075001234", monthly_income=1_500_000, months=1, on=ON,
                                  actor=collector, group="other")

    assert (paid.gross, paid.state_support, paid.local_support, paid.payable) == (330_000, 66_000, 0, 264_000)


def test_a_payment_dated_after_today_is_refused_and_nothing_is_written(store: Store, collector: User):
    for record in (
        lambda: record_vsi_payment(store, citizen_id=HEAD, monthly_income=1_500_000, months=1,
                                   on=date(2026, 8, 2), actor=collector, today=ON),
        lambda: record_family_hi_payment(store, household_code="0112345678", months=12, on=date(2027, 6, 1),
                                         actor=collector, today=ON),
    ):
        assert refusal(record) == [ProblemCode.PAYMENT_DATE_IN_FUTURE]
    assert count(store, schema.payments) == count(store, schema.receipts) == count(store, schema.outbox) == 0
