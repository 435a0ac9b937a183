"""The server's answers and requests, as its OpenAPI document describes them, have the keys of the wire TypedDicts."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from server_helpers import Device, Server

from collector_app import wire

ANSWERS = [  # (route, model in the document, the wire shape both sides read)
    (("/api/v1/devices/enrol", "post"), "EnrolResponse", wire.EnrolAnswer),
    (("/api/v1/changes", "get"), "ChangesModel", wire.ChangesPage),
    (("/api/v1/review/records/{record_id}", "post"), "DecisionModel", wire.DecisionNotice),
]


@pytest.fixture
def document(server: Server) -> dict[str, Any]:
    found: dict[str, Any] = requests.get(f"{server.url}/openapi.json", timeout=30).json()
    return found


def test_the_documented_answers_have_exactly_the_keys_of_the_wire_shapes(document: dict[str, Any]):
    schemas = document["components"]["schemas"]
    for (path, method), model, shape in ANSWERS:
        answer = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": f"#/components/schemas/{model}"}
        keys = set(typing.get_type_hints(shape))
        assert set(schemas[model]["properties"]) == keys, model
        assert set(schemas[model]["required"]) == keys, model
    decisions = schemas["ChangesModel"]["properties"]["decisions"]["items"]
    assert decisions == {"$ref": "#/components/schemas/DecisionModel"}


def test_the_documented_enrolment_request_has_the_keys_of_the_wire_request(document: dict[str, Any]):
    request = document["components"]["schemas"]["EnrolRequest"]
    assert set(request["properties"]) == set(typing.get_type_hints(wire.EnrolRequest))
    assert set(request["required"]) == wire.EnrolRequest.__required_keys__


def test_sealed_at_is_documented_as_the_one_wire_time_form(document: dict[str, Any]):
    sealed_at = document["components"]["schemas"]["SealedBatchModel"]["properties"]["sealed_at"]
    assert sealed_at["pattern"] == wire.WIRE_TIME_PATTERN


@pytest.mark.parametrize("sealed_at", ["2026-11-23T08:00:00.123456+00:00", "2026-11-23T15:00:00+07:00",
                                       "2026-11-23 08:00:00Z", "2026-11-23T08:00:00", "2026-02-30T08:00:00Z",
                                       "2026-11-23T24:00:00Z"])
def test_a_batch_sealed_at_in_another_form_is_refused(device: Device, sealed_at: str):
    batch = device.seal([])
    response = device.upload({**batch, "sealed_at": sealed_at})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"
    assert "sealed_at" in response.json()["error"]["message"]


def test_a_wire_time_is_utc_to_the_second_with_a_z():
    hanoi = timezone(timedelta(hours=7))
    assert wire.format_wire_time(datetime(2026, 11, 23, 15, 0, 30, 999, tzinfo=hanoi)) == "2026-11-23T08:00:30Z"
    assert wire.parse_wire_time("2026-11-23T08:00:30Z") == datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        wire.parse_wire_time("2026-11-23T08:00:30+00:00")
    with pytest.raises(ValueError):
        wire.format_wire_time(datetime(2026, 11, 23, 8, 0, 30))
