"""The dashboard as the window reads it: the server's answer into frozen rows, and an answer of another
shape refused in one line (the figures shown are the server's, never made up on the way)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from collector_app.sync.client import ProtocolError
from collector_app.sync.dashboard import DashboardRequest, fetch_dashboard

FIGURES = {"devices": 2, "silent_devices": 1, "batches_pending": 1, "records_pending": 3, "rejected_at_receipt": 0,
           "rejected_by_supervisor": 1, "this_month": 825_000, "last_month": 0,
           "vsi": {"participants": 1, "amount": 825_000, "target_participants": 4, "target_amount": None},
           "family_hi": {"participants": 0, "amount": 0, "target_participants": None, "target_amount": None},
           "behind_permille": 250}
ANSWER = {"year": 2026, "month": 3, "silent_days": 7, "as_of": "2026-03-31T10:00:00Z", "participants_on": "2026-03-31",
          "total": 1, "totals": FIGURES, "points": [{
              "point_code": "BD01", "name": "Bưu điện Ba Đình", "province_code": "01", "commune_code": "00004",
              "device_list": [{"series": "BD01M1", "name": "Máy 1", "last_contact": "2026-03-20T01:00:00Z",
                               "last_seen_at": "2026-03-20T01:00:00Z", "last_batch_at": None, "silent": True}],
              **FIGURES}]}


class Source:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.asked: list[tuple[str, dict[str, object]]] = []

    def get_json(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        self.asked.append((path, dict(params or {})))
        return self.answer


def test_the_request_asks_the_server_for_every_point_in_its_order():
    source = Source(ANSWER)
    board = fetch_dashboard(source, DashboardRequest(year=2026, month=3, sort="this_month", descending=True,
                                                     silent_only=True))
    path, params = source.asked[0]
    assert path == "/dashboard"
    assert params == {"year": 2026, "month": 3, "sort": "this_month", "desc": "true", "silent_only": "true",
                      "limit": 1_000}
    point = board.points[0]
    assert (point.code, point.figures.this_month, point.figures.vsi.target_participants) == ("BD01", 825_000, 4)
    assert point.devices[0].silent and board.totals.behind_permille == 250


@pytest.mark.parametrize("broken", [
    {**ANSWER, "points": [{**ANSWER["points"][0], "this_month": "825000"}]},  # a figure as text
    {**ANSWER, "totals": {**FIGURES, "vsi": {"participants": 1.5, "amount": 0, "target_participants": None,
                                             "target_amount": None}}},
    {**ANSWER, "as_of": "yesterday"},
    {key: value for key, value in ANSWER.items() if key != "totals"},
    {**ANSWER, "points": [{**ANSWER["points"][0], "behind_permille": True}]},
])
def test_an_answer_of_another_shape_is_refused(broken: dict[str, Any]):
    with pytest.raises(ProtocolError):
        fetch_dashboard(Source(broken), DashboardRequest(year=2026, month=3))
