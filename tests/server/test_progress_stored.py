"""The stored progress figures (services.progress, `progress_figures`) stay exactly what the rule computes from
the whole ledger, read afresh and filtered here on its own, after batches, voids, supervisors' decisions and
targets; on the real server, SQLite and PostgreSQL.

Two points of one commune, and X, a person who pays at both: voluntary SI at A in 2025, at B in 2026 (renewing at
B). Voiding A's 2025 payment makes X new at B, a point that sent nothing: the figures of every point where a
person paid follow a change to their payments anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from dashboard_helpers import new_commune, place
from server_helpers import Device, Server, Supervisor, enrol, family_hi_payment, new_point, void_record, vsi_payment
from sqlalchemy import event, func, select
from test_progress import _put, _upload, citizen_id

from collector_app.domain.policy import PolicyTable
from collector_app.domain.progress import Cover, Progress, Takings, Target, compute_progress, with_targets
from collector_app.wire import WireRecord
from provincial_server.services import progress
from provincial_server.services.dashboard import vietnam_month
from provincial_server.store.db import Database, open_database
from provincial_server.store.schema import (
    batch_records,
    ledger_versions,
    payment_items,
    payments,
    progress_figures,
    targets,
    voids,
)
from provincial_server.store.unit_of_work import UnitOfWork

YEAR = 2026


@pytest.fixture
def database(server: Server) -> Iterator[Database]:
    opened = open_database(server.database_url)
    yield opened
    opened.dispose()


def from_scratch(database: Database, code: str, year: int = YEAR) -> Progress:
    """The point's figures by the rule, from every row of the ledger: standing is not voided and not rejected
    by a supervisor; a person's earliest period is taken over every point."""
    with database.engine.connect() as connection:
        voided = set(connection.scalars(select(voids.c.receipt_number)))
        rejected = set(connection.scalars(select(batch_records.c.record_id).where(batch_records.c.review == "rejected")))
        standing = {row.payment_id: row for row in connection.execute(select(payments))
                    if row.receipt_number not in voided and row.record_id not in rejected}
        items = [row for row in connection.execute(select(payment_items)) if row.payment_id in standing]
        planned = [Target(row.scheme, row.participants, row.amount) for row in connection.execute(
            select(targets).where(targets.c.year == year, targets.c.point_code == code))]
    first: dict[tuple[str, str], date] = {}
    for item in items:
        key = (item.person_key, standing[item.payment_id].scheme)
        first[key] = min(first.get(key, item.period_start), item.period_start)
    covers = [Cover(item.person_key, standing[item.payment_id].scheme, item.period_start, item.period_end)
              for item in items if standing[item.payment_id].point_code == code]
    takings = [Takings(paid.scheme, paid.paid_on, paid.amount) for paid in standing.values() if paid.point_code == code]
    return compute_progress(year, covers, first, takings, planned)


def asked(supervisor: Supervisor, database: Database, code: str) -> Progress:
    """The point's figures as the server answers them (it stores what it computes), checked equal to the ones
    stored and to the rule's from scratch."""
    answer = supervisor.settled("/progress", {"year": YEAR, "scope": "point", "code": code})
    with database.engine.connect() as connection:
        kept = connection.scalar(select(progress_figures.c.figures).where(
            progress_figures.c.point_code == code, progress_figures.c.year == YEAR))
    assert kept is not None
    scratch = from_scratch(database, code)
    assert progress.unpack(YEAR, kept) == with_targets(scratch, ())  # stored without the targets
    expected = progress.as_json(progress.ScopeProgress("point", code, answer["name"], (code,), scratch))
    assert answer == expected
    return scratch


def test_stored_figures_stay_the_rules_after_batches_voids_decisions_and_targets(
        server: Server, supervisor: Supervisor, policy_table: PolicyTable, database: Database):
    commune = new_commune()
    a, b = new_point(server), new_point(server)
    for code in (a, b):
        place(server, code, commune)
    at_a, at_b = enrol(server, a), enrol(server, b)
    x = citizen_id()
    x_2025 = vsi_payment(at_a, policy_table, paid_on=date(2025, 9, 10), months=3, citizen_id=x)
    y = vsi_payment(at_a, policy_table, paid_on=date(2026, 2, 3), months=3, citizen_id=citizen_id())
    _upload(at_a, [x_2025, y, family_hi_payment(at_a, policy_table, members=3, paid_on=date(2026, 1, 20))])
    supported = sum(item["supported_months"] or 0 for item in x_2025["payload"]["items"])
    _upload(at_b, [vsi_payment(at_b, policy_table, paid_on=date(2026, 1, 15), months=6, citizen_id=x,
                               period_from=date(2026, 1, 1), supported_months_before=supported)])
    assert asked(supervisor, database, b).scheme("vsi").new == 0  # X paid at A in 2025: renewing

    def both() -> tuple[Progress, Progress]:
        return asked(supervisor, database, a), asked(supervisor, database, b)

    first_a, _ = both()
    assert first_a.scheme("vsi").participants == 1  # Y (X's months at A are 2025's)

    # A later batch at A; A's void of X's 2025 payment makes X new at B, which sent nothing.
    late = vsi_payment(at_a, policy_table, paid_on=date(2026, 5, 6), months=1, citizen_id=citizen_id())
    _upload(at_a, [late])
    _upload(at_a, [void_record(at_a, x_2025)])
    now_a, now_b = both()
    assert now_a.scheme("vsi").participants == 2
    assert now_b.scheme("vsi").new == 1

    # A target set; a supervisor rejects Y, then supersedes the rejection with an approval.
    assert _put(supervisor, f"/targets/{YEAR}/{a}/vsi", {"participants": 9, "amount": 10_000_000}).status_code == 200
    assert both()[0].scheme("vsi").target_participants == 9
    _decide(supervisor, y, "reject", "Sai người")
    assert both()[0].scheme("vsi").participants == 1
    _decide(supervisor, y, "approve", "Đã xác minh lại")
    assert both()[0].scheme("vsi").participants == 2

    # What a fresh process reads (nothing in its memory) is the stored figures, the same.
    progress._cache = progress._Cache()
    read = progress.figures_of(UnitOfWork(database, write=False), YEAR, [a, b])
    assert read == progress.Figures({a: from_scratch(database, a), b: from_scratch(database, b)}, as_of=None)


def _decide(supervisor: Supervisor, record: WireRecord, decision: str, reason: str) -> None:
    response = supervisor.post(f"/review/records/{record['record_id']}", {"decision": decision, "reason": reason})
    assert response.status_code == 200, response.text


def test_the_server_computes_the_figures_a_batch_moved_before_anyone_asks(server: Server, policy_table: PolicyTable,
                                                                           database: Database):
    device = enrol(server, new_point(server))
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 3, 2), months=3)])
    code, year = device.point_code, vietnam_month(datetime.now(UTC))[0]  # the server's year

    def stored_now() -> bool:
        with database.engine.connect() as connection:
            version = connection.scalar(select(ledger_versions.c.version).where(ledger_versions.c.point_code == code))
            kept = connection.scalar(select(progress_figures.c.version).where(
                progress_figures.c.point_code == code, progress_figures.c.year == year))
        return version is not None and kept == version

    for _ in range(600):  # the worker's thread computes them after its answer; no question is asked here
        if stored_now():
            break
        time.sleep(0.05)
    assert stored_now()
    progress._cache = progress._Cache()
    assert progress.figures_of(UnitOfWork(database, write=False), year, [code]).of == {
        code: from_scratch(database, code, year)}


def test_a_refresh_computes_only_what_is_missing_or_out_of_date(server: Server, policy_table: PolicyTable,
                                                               database: Database):
    device = enrol(server, new_point(server))
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 3, 2), months=3)])
    everyone = UnitOfWork(database)
    progress.refresh(everyone, year=YEAR)  # every point of the shared server: some tests' points are new
    assert progress.refresh(everyone, year=YEAR) == 0
    with UnitOfWork(database) as uow:  # what a batch or a decision does to the point, here without figures computed
        uow.progress.raise_versions([device.point_code])
        uow.commit()
    seen: list[tuple[int, int]] = []
    assert progress.refresh(everyone, year=YEAR, progress=lambda done, total: seen.append((done, total))) == 1
    assert seen[-1][0] == seen[-1][1]
    progress._cache = progress._Cache()
    assert progress.figures_of(UnitOfWork(database, write=False), YEAR, [device.point_code]).of == {
        device.point_code: from_scratch(database, device.point_code)}


def test_the_command_refreshes_and_says_how_many(server: Server, policy_table: PolicyTable):
    device: Device = enrol(server, new_point(server))
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 3, 2), months=3)])
    said = server.admin("refresh-progress", "--year", str(YEAR), "--json")
    assert '"computed"' in said
    again = server.admin("refresh-progress", "--year", str(YEAR))
    assert again.strip() == f"progress figures {YEAR}: 0 points computed; the other points' were up to date"


def test_a_worker_reads_the_stored_figures_into_memory_at_its_start(server: Server, policy_table: PolicyTable,
                                                                   database: Database):
    device = enrol(server, new_point(server))
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 3, 2), months=3)])
    progress.refresh(UnitOfWork(database), year=YEAR)
    with database.engine.connect() as connection:
        stored = connection.scalar(select(func.count()).select_from(progress_figures)
                                   .where(progress_figures.c.year == YEAR))
    progress._cache = progress._Cache()  # a worker just started
    progress.Refresher(lambda: UnitOfWork(database), lambda: YEAR).start()
    for _ in range(600):  # its thread reads them; nothing is asked meanwhile
        if len(progress._cache._held) >= stored:
            break
        time.sleep(0.05)
    assert len(progress._cache._held) >= stored
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    progress.figures_of(UnitOfWork(database, write=False), YEAR, [device.point_code])
    assert statements and not any("progress_figures" in sql for sql in statements)


def _reads_the_ledger(database: Database) -> list[str]:
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]) if "payment_items" in args[2] else None)
    return statements


def test_a_question_after_a_batch_answers_the_figures_kept_and_has_them_computed_off_the_request(
        server: Server, policy_table: PolicyTable, database: Database):
    device = enrol(server, new_point(server))
    code = device.point_code
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 3, 2), months=3)])
    before = progress.figures_of(UnitOfWork(database, write=False), YEAR, [code])  # computed and kept
    assert before.as_of is None
    with database.engine.connect() as connection:
        computed_at = connection.scalar(select(progress_figures.c.computed_at).where(
            progress_figures.c.point_code == code, progress_figures.c.year == YEAR))
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 4, 6), months=1, citizen_id=citizen_id())])
    own = open_database(server.database_url)  # the refresher's reads are not the question's
    refresher = progress.Refresher(lambda: UnitOfWork(own), lambda: YEAR)
    ledger_read = _reads_the_ledger(database)

    answered = progress.figures_of(UnitOfWork(database, write=False), YEAR, [code], catch_up=refresher)
    assert answered == progress.Figures(before.of, as_of=computed_at)  # the figures before the batch, so dated
    assert ledger_read == []  # not computed by the question

    for _ in range(600):  # the refresher computes the point at once (no quiet time for a point asked about)
        now = progress.figures_of(UnitOfWork(database, write=False), YEAR, [code], catch_up=refresher)
        if now.as_of is None:
            break
        time.sleep(0.05)
    assert now == progress.Figures({code: from_scratch(database, code)}, as_of=None)
    assert now.of[code].scheme("vsi").participants == before.of[code].scheme("vsi").participants + 1
    own.dispose()


def test_a_target_written_moves_no_figure_to_compute(server: Server, supervisor: Supervisor,
                                                     policy_table: PolicyTable, database: Database):
    device = enrol(server, new_point(server))
    code = device.point_code
    _upload(device, [vsi_payment(device, policy_table, paid_on=date(2026, 3, 2), months=3)])
    progress.figures_of(UnitOfWork(database, write=False), YEAR, [code])
    assert _put(supervisor, f"/targets/{YEAR}/{code}/vsi", {"participants": 4, "amount": 9_000_000}).status_code == 200
    ledger_read = _reads_the_ledger(database)
    found = progress.figures_of(UnitOfWork(database, write=False), YEAR, [code])
    assert ledger_read == []
    assert found == progress.Figures({code: from_scratch(database, code)}, as_of=None)
    vsi = found.of[code].scheme("vsi")
    assert (vsi.target_participants, vsi.target_amount, vsi.participants_percent) == (4, 9_000_000, 25.0)
