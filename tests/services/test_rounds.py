"""Visit rounds on real stores: made from the due list on the point's device, carried as a signed file to a
collaborator's device (its own store), visited and paid there, and the results brought back; what counts
as paid is computed from standing payments, never from the visit's outcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.domain.rounds import PaidState
from collector_app.domain.text import fold
from collector_app.services import rounds
from collector_app.services.device import acting_user, set_up
from collector_app.services.due import due_list
from collector_app.services.payments import record_family_hi_payment, record_vsi_payment
from collector_app.services.receipts import void_receipt
from collector_app.store.db import Store
from collector_app.store.registration import add_households
from collector_app.wire import RoundFileKind, encode_key, round_file
from signing import open_test_store

DA_NANG = "48"
HEAD, WIFE, THIRD = "048080012345", "048182012345", "048075000111"
CODE_A, CODE_B = "4800000001", "4800000002"
ON = date(2026, 11, 23)


@pytest.fixture
def point(tmp_path: Path) -> Iterator[Store]:
    """The point's device: household A (the head pays voluntary SI through 11/2026, the family card runs to
    19/12/2026) and household B (voluntary SI stopped after 08/2026; a daughter enrolled in nothing)."""
    with open_test_store(tmp_path / "point.sqlite3") as opened:
        set_up(opened, point_code="DA07", device_code="M1")
        add_households(opened, [
            NewHousehold(CODE_A, "Thôn An Hải", "20242", DA_NANG, (
                NewPerson("Đặng Văn Hùng", date(1980, 3, 4), Sex.MALE, HEAD, None, "0912345678"),
                NewPerson("Lê Thị Hằng", date(1982, 5, 6), Sex.FEMALE, WIFE),
            )),
            NewHousehold(CODE_B, "Thôn Phú Sơn", "20242", DA_NANG, (
                NewPerson("Trần Văn Bình", date(1975, 1, 2), Sex.MALE, THIRD),
                NewPerson("Trần Thị Lan", date(2001, 9, 1), Sex.FEMALE, None),
            )),
        ], actor="test")
        actor = acting_user(opened)
        for citizen_id, on in ((HEAD, date(2026, 11, 2)), (THIRD, date(2026, 8, 3))):
            record_vsi_payment(opened, citizen_id=citizen_id, monthly_income=2_000_000, months=1, on=on,
                               period_from=on.replace(day=1), actor=actor, today=on)
        record_family_hi_payment(opened, household_code=CODE_A, months=12, on=date(2025, 11, 20), actor=actor,
                                 today=date(2025, 11, 20))
        yield opened


def collaborator_store(path: Path, *, point_code: str = "DA07") -> Store:
    opened = open_test_store(path)
    set_up(opened, point_code=point_code, device_code="C1")
    return opened


@pytest.fixture
def field(tmp_path: Path) -> Iterator[Store]:
    """The collaborator's own laptop: a device of the same point, with an empty store."""
    with collaborator_store(tmp_path / "field.sqlite3") as opened:
        yield opened


def made(store: Store, households: list[str] | None = None) -> rounds.RoundMade:
    report = due_list(store, on=ON)
    chosen = [h for h in report.households if households is None or h.household_code in households]
    return rounds.make_round(store, chosen, collaborator=None, made_on=ON, actor=acting_user(store))


def exported(store: Store, header: rounds.RoundHeader, path: Path) -> Path:
    path.write_bytes(rounds.export_round(store, header).data)
    return path


def people_of(store: Store) -> list[str]:
    with store.read() as connection:
        return sorted(row[0] for row in connection.exec_driver_sql("SELECT full_name FROM people"))


def problem_of(error: pytest.ExceptionInfo[DomainError]) -> ProblemCode:
    return error.value.problems[0].code


def test_a_round_is_numbered_and_keeps_each_members_renewal_as_the_due_list_priced_it(point: Store) -> None:
    report = due_list(point, on=ON)
    first, second = made(point), made(point, [CODE_B])

    assert (first.header.number, second.header.number) == (1, 2)
    assert [(m.person_id, m.scheme, m.state, m.amount) for h in first.households for m in h.members] == [
        (e.person_id, e.scheme.value, e.state.value, e.amount) for e in report.entries]
    # What each renewal is priced from, for a device holding none of the payments: voluntary SI's only.
    assert [(m.ends_on, m.supported_months, m.support_group, m.monthly_income)
            for h in first.households for m in h.members] == [
        (e.ends_on, *((e.supported_months, e.support_group, e.monthly_income) if e.scheme.value == "vsi" else
                      (None, None, None))) for e in report.entries]
    assert any(m.scheme == "vsi" for h in first.households for m in h.members)
    assert rounds.households_of(point, first.header) == first.households
    assert [h.household_code for h in second.households] == [CODE_B]
    listed = rounds.rounds_progress(point)
    assert [(p.header.number, p.households, p.visited, p.paid, p.to_collect, p.collected) for p in listed] == [
        (2, 1, 0, 0, second.households[0].amount, 0), (1, 2, 0, 0, report.amount, 0)]
    assert rounds.find_round(point, "1") == first.header
    with pytest.raises(DomainError) as unknown:
        rounds.find_round(point, "9")
    assert problem_of(unknown) is ProblemCode.ROUND_UNKNOWN
    with pytest.raises(DomainError) as empty:
        rounds.make_round(point, [], collaborator=None, made_on=ON, actor=acting_user(point))
    assert problem_of(empty) is ProblemCode.ROUND_EMPTY


def test_paid_is_computed_from_standing_payments_on_or_after_the_rounds_day_never_from_a_visit(point: Store) -> None:
    header = made(point).header
    actor = acting_user(point)
    rounds.visit(point, header, household=CODE_B, outcome="paid", actor=actor)  # a claim at the door
    detail = rounds.round_detail(point, header)
    assert [(h.household.household_code, h.visit is not None, h.state) for h in detail.households] == [
        (CODE_A, False, PaidState.NOT_PAID), (CODE_B, True, PaidState.NOT_PAID)]

    paid = record_vsi_payment(point, citizen_id=THIRD, monthly_income=2_000_000, months=1, on=date(2026, 11, 24),
                              period_from=date(2026, 11, 1), actor=actor, today=date(2026, 11, 24))
    detail = rounds.round_detail(point, header)
    b = detail.households[1]
    assert (b.state, b.collected, b.receipt_numbers) == (PaidState.PAID, paid.payable, (paid.receipt_number,))
    assert (detail.progress.visited, detail.progress.paid, detail.progress.collected) == (1, 1, paid.payable)

    void_receipt(point, paid.receipt_number, reason="Thu nhầm kỳ", actor=actor)
    b = rounds.round_detail(point, header).households[1]
    assert (b.state, b.collected, b.receipt_numbers) == (PaidState.NOT_PAID, 0, ())


def test_a_round_file_brings_in_only_the_households_and_people_the_round_lists(point: Store, field: Store,
                                                                              tmp_path: Path) -> None:
    header = made(point).header
    path = exported(point, header, tmp_path / "round-1.json")
    actor = acting_user(field)

    done = rounds.import_round_file(field, path, actor=actor)

    assert (done.kind, done.households_added, done.people_added) == (RoundFileKind.ROUND, 2, 3)
    assert people_of(field) == ["Lê Thị Hằng", "Trần Văn Bình", "Đặng Văn Hùng"]  # not the daughter: not in the round
    with field.read() as connection:  # with the folded address the due list orders and searches by
        addresses = connection.exec_driver_sql("SELECT address, address_folded FROM households").all()
    assert addresses and all(folded == fold(address) for address, folded in addresses)
    here = rounds.find_round(field, "1")
    assert (here.round_id, here.imported_at is not None) == (header.round_id, True)
    assert rounds.households_of(field, here) == rounds.households_of(point, header)
    with pytest.raises(DomainError) as again:
        rounds.import_round_file(field, path, actor=actor)
    assert problem_of(again) is ProblemCode.ROUND_FILE_ALREADY_IMPORTED
    assert people_of(field) == ["Lê Thị Hằng", "Trần Văn Bình", "Đặng Văn Hùng"] and len(rounds.rounds_progress(field)) == 1
    with pytest.raises(DomainError) as own:  # the point's device has it: it made it
        rounds.import_round_file(point, path, actor=acting_user(point))
    assert problem_of(own) is ProblemCode.ROUND_FILE_ALREADY_IMPORTED


def test_an_altered_a_forged_another_points_or_an_unreadable_file_is_refused_and_nothing_is_written(
        point: Store, field: Store, tmp_path: Path) -> None:
    first = made(point, [CODE_A]).header
    genuine = exported(point, first, tmp_path / "round-1.json")
    actor = acting_user(field)
    signed = json.loads(genuine.read_text(encoding="utf-8"))

    altered = dict(signed, document={**signed["document"], "collaborator_name": "Kẻ Giả Mạo"})
    (tmp_path / "altered.json").write_text(json.dumps(altered), encoding="utf-8")
    # Signed, but by another key than the point's device's, under its name: refused once the genuine key is known.
    private, public = generate_device_keys()
    second = made(point, [CODE_B]).header
    document = rounds.round_document(point, second)
    document["public_key"] = encode_key(public)
    (tmp_path / "forged.json").write_text(json.dumps(round_file(RoundFileKind.ROUND, document, private)),
                                          encoding="utf-8")
    (tmp_path / "garbage.json").write_text("{\"format\": 1, \"kind\": \"round\"", encoding="utf-8")

    for name, code in (("altered.json", ProblemCode.ROUND_FILE_FORGED),
                       ("garbage.json", ProblemCode.ROUND_FILE_UNREADABLE)):
        with pytest.raises(DomainError) as refused:
            rounds.import_round_file(field, tmp_path / name, actor=actor)
        assert problem_of(refused) is code, name
    assert rounds.import_round_file(field, genuine, actor=actor).households_added == 1
    with pytest.raises(DomainError) as forged:
        rounds.import_round_file(field, tmp_path / "forged.json", actor=actor)
    assert problem_of(forged) is ProblemCode.ROUND_FILE_FORGED
    assert [p.header.number for p in rounds.rounds_progress(field)] == [1]
    assert people_of(field) == ["Lê Thị Hằng", "Đặng Văn Hùng"]

    with collaborator_store(tmp_path / "other.sqlite3", point_code="BD01") as other:
        with pytest.raises(DomainError) as elsewhere:
            rounds.import_round_file(other, genuine, actor=acting_user(other))
        assert problem_of(elsewhere) is ProblemCode.ROUND_FILE_OTHER_POINT
        assert people_of(other) == []


def test_visits_and_payments_on_the_collaborators_device_reach_the_point_by_its_results_file(
        point: Store, field: Store, tmp_path: Path) -> None:
    header = made(point).header
    rounds.import_round_file(field, exported(point, header, tmp_path / "round.json"), actor=acting_user(field))
    there, collaborator = rounds.find_round(field, "1"), acting_user(field)
    rounds.visit(field, there, household=CODE_A, outcome="not_at_home", actor=collaborator)
    rounds.visit(field, there, household=CODE_B, outcome="paid", actor=collaborator)
    paid = record_vsi_payment(field, citizen_id=THIRD, monthly_income=2_000_000, months=1, on=date(2026, 11, 25),
                              period_from=date(2026, 11, 1), actor=collaborator, today=date(2026, 11, 25))
    with pytest.raises(DomainError) as outcome:
        rounds.visit(field, there, household=CODE_B, outcome="asleep", actor=collaborator)
    assert problem_of(outcome) is ProblemCode.ROUND_OUTCOME_UNKNOWN
    with pytest.raises(DomainError) as stranger:
        rounds.visit(field, there, household="4899999999", outcome="paid", actor=collaborator)
    assert problem_of(stranger) is ProblemCode.ROUND_HOUSEHOLD_NOT_IN_ROUND

    results = exported(field, there, tmp_path / "round-results.json")
    done = rounds.import_round_file(point, results, actor=acting_user(point))

    assert (done.kind, done.visits_added, done.receipts_changed) == (RoundFileKind.RESULTS, 2, 1)
    detail = rounds.round_detail(point, header)
    assert [(h.visit.outcome if h.visit else None, h.state, h.receipt_numbers) for h in detail.households] == [
        ("not_at_home", PaidState.NOT_PAID, ()), ("paid", PaidState.PAID, (paid.receipt_number,))]
    assert (detail.progress.visited, detail.progress.paid, detail.progress.collected) == (2, 1, paid.payable)
    with pytest.raises(DomainError) as again:
        rounds.import_round_file(point, results, actor=acting_user(point))
    assert problem_of(again) is ProblemCode.ROUND_FILE_ALREADY_IMPORTED
    with pytest.raises(DomainError) as not_here:  # results go to the device that made the round
        rounds.import_round_file(field, results, actor=collaborator)
    assert problem_of(not_here) is ProblemCode.ROUND_RESULTS_NOT_MADE_HERE

    # A collector voids it on the collaborator's device (collaborators may not): the next results say so.
    void_receipt(field, paid.receipt_number, reason="Thu nhầm", actor=acting_user(field, "collector"))
    later = rounds.import_round_file(point, exported(field, there, tmp_path / "later.json"), actor=acting_user(point))
    assert (later.visits_added, later.receipts_changed) == (0, 1)
    b = rounds.round_detail(point, header).households[1]
    assert (b.visit is not None and b.visit.outcome, b.state, b.collected) == ("paid", PaidState.NOT_PAID, 0)


def test_a_file_signed_by_a_key_seen_for_the_first_time_still_brings_in_no_hostile_text(
        point: Store, field: Store, tmp_path: Path) -> None:
    private, public = generate_device_keys()
    document = rounds.round_document(point, made(point, [CODE_B]).header)
    document |= {"device_id": "0194f8a0-0000-7000-8000-0000000000ee", "public_key": encode_key(public)}
    document["people"][0]["full_name"] = "Trần\u202eVăn Bình"  # a right-to-left override
    (tmp_path / "hostile.json").write_text(json.dumps(round_file(RoundFileKind.ROUND, document, private)),
                                           encoding="utf-8")
    with pytest.raises(DomainError) as refused:
        rounds.import_round_file(field, tmp_path / "hostile.json", actor=acting_user(field))
    assert problem_of(refused) is ProblemCode.ROUND_FILE_UNREADABLE
    assert people_of(field) == [] and rounds.rounds_progress(field) == []


def test_a_rounds_document_carries_the_renewal_basis_and_older_documents_without_it_still_read(point: Store) -> None:
    first = made(point).header
    document = rounds.round_document(point, first)
    parsed = rounds.stored.parse_round(document)
    assert parsed.households == rounds.households_of(point, first)
    older = json.loads(json.dumps(document))  # a file written before the basis was carried
    for household in older["households"]:
        for member in household["members"]:
            for name in ("supported_months", "support_group", "monthly_income"):
                del member[name]
    assert {(m.supported_months, m.support_group, m.monthly_income)
            for h in rounds.stored.parse_round(older).households for m in h.members} == {(None, None, None)}
    vsi = next(m for h in document["households"] for m in h["members"] if m["scheme"] == "vsi")
    for name, wrong in (("supported_months", -1), ("supported_months", "3"), ("support_group", "rich"),
                        ("monthly_income", True)):
        hostile = json.loads(json.dumps(document))
        next(m for h in hostile["households"] for m in h["members"] if m["person_id"] == vsi["person_id"])[name] = wrong
        with pytest.raises(ValueError):
            rounds.stored.parse_round(hostile)
