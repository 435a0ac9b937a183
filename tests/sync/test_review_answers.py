"""The review API's answers read into rows: a well-formed page becomes frozen rows, any field missing or of the
wrong type is a ProtocolError (never a half-filled row on screen), and the filter becomes query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from collector_app.sync.client import ProtocolError
from collector_app.sync.review import BatchFilter, batch_detail, batch_page, record_history

SUMMARY = {"batch_id": "b1", "point_code": "BD01", "series": "BD01M1", "received_at": "2026-03-05T08:00:00Z",
           "record_count": 2, "total_amount": 1_263_600, "accepted": 2, "rejected": 0, "pending_review": 1,
           "decided": 1, "state": "partly"}
RECORD = {"record_id": "r1", "kind": "payment", "status": "accepted", "code": None, "message": None,
          "review": "rejected", "receipt_number": "BD01M1-26-0000001", "person": "Nguyễn Thị Hằng",
          "citizen_id": "********4321", "scheme": "vsi", "period_start": "2026-03-01", "period_end": "2026-03-31",
          "amount": 631_800, "receipt_check": "valid",
          "decision": {"decision": "reject", "reason": "Sai số tiền", "decided_at": "2026-03-06T01:00:00Z",
                       "supervisor": "an.nguyen"}}


class Answers:
    """A source that answers each path with a canned object and remembers what it was asked."""

    def __init__(self, answers: Mapping[str, dict[str, Any]]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, Mapping[str, object] | None]] = []

    def get_json(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        self.asked.append((path, params))
        return self.answers[path]

    def post_json(self, path: str, body: Mapping[str, object]) -> dict[str, Any]:
        return self.answers[path]


def test_a_page_becomes_rows_with_the_totals_of_the_whole_filter_and_the_filter_becomes_parameters():
    source = Answers({"/review/batches": {"batches": [SUMMARY], "total": 41,
                                          "totals": {"records": 300, "amount": 9_000_000, "pending": 12}}})
    where = BatchFilter(commune="00070", received_from=date(2026, 3, 1), received_to=date(2026, 3, 31), state="new")
    page = batch_page(source, where, sort="total", descending=False, offset=100, limit=50)
    assert page.totals is not None
    assert (page.totals.batches, page.totals.records, page.totals.amount, page.totals.pending) == (
        41, 300, 9_000_000, 12)
    assert page.batches[0].series == "BD01M1" and page.batches[0].received_at.year == 2026
    assert source.asked == [("/review/batches", {"commune": "00070", "received_from": "2026-03-01",
                                                 "received_to": "2026-03-31", "state": "new", "sort": "total",
                                                 "order": "asc", "offset": 100, "limit": 50})]
    later = batch_page(source, where, offset=150, totals=False)  # a list paging on has them already
    assert later.totals is None and source.asked[-1][1]["totals"] == "false"  # type: ignore[index]


def test_a_batch_and_a_history_become_rows():
    source = Answers({"/review/batches/b1": {**SUMMARY, "records": [RECORD]},
                      "/review/records/r1/history": {"record_id": "r1", "events": [
                          {"kind": "delivery", "at": "2026-03-05T08:00:00Z", "batch_id": "b1", "status": "accepted",
                           "duplicate_of": None},
                          {"kind": "decision", "at": "2026-03-06T01:00:00Z", "batch_id": "b1", "decision": "reject",
                           "reason": "Sai số tiền", "supervisor": "an.nguyen", "supersedes": 7}]}})
    [record] = batch_detail(source, "b1").records
    assert (record.reason, record.decided_by, record.period_end) == ("Sai số tiền", "an.nguyen", date(2026, 3, 31))
    delivery, decision = record_history(source, "r1")
    assert (delivery.kind, delivery.duplicate, decision.supersedes) == ("delivery", False, True)


@pytest.mark.parametrize(("field", "value"), [("total_amount", "1263600"), ("received_at", "05/03/2026"),
                                              ("state", None), ("decided", True)])
def test_a_field_missing_or_of_the_wrong_type_is_a_protocol_error(field: str, value: object):
    broken = {**SUMMARY, field: value}
    source = Answers({"/review/batches": {"batches": [broken], "total": 1,
                                          "totals": {"records": 2, "amount": 1, "pending": 1}}})
    with pytest.raises(ProtocolError):
        batch_page(source, BatchFilter())
    with pytest.raises(ProtocolError):
        batch_detail(Answers({"/review/batches/b1": {**SUMMARY, "records": [{**RECORD, "amount": "631800"}]}}), "b1")
