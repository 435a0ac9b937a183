"""The batch path's quick ways give exactly what the plain ways give: body parsing, the answer's JSON, record checks.

Each quick way handles the usual case and hands anything else to the plain way; these tests hold
both to the same result over generated inputs, errors included.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from collector_app.domain.problems import Problem
from collector_app.wire import BatchAnswer, RecordResult, canonical_json, seal_batch
from provincial_server.api.batches import parse_batch
from provincial_server.schemas import SealedBatchModel
from provincial_server.services.canonical import canonical_answer
from provincial_server.services.records import _MONEY, _int, _money, _receipt_number, _receipt_year, _Rejected

SERIES = "BD01M1"


def _sealed_body() -> bytes:
    record = {"record_id": str(uuid.uuid4()), "kind": "payment",
              "payload": {"amount": 2**40, "name": "Đặng Thị Ánh", "items": [{"months": 12}], "note": None}}
    batch = seal_batch(batch_id=str(uuid.uuid4()), device_id=str(uuid.uuid4()), device_sequence=1,
                       sealed_at="2026-03-05T08:00:00Z", records=[record])  # type: ignore[list-item]
    return json.dumps(batch, ensure_ascii=False).encode("utf-8")


BODY = _sealed_body()


def _stdlib_parse(body: bytes) -> tuple[str, Any]:
    """What the upload gave before msgspec: the stdlib's reading, validated; or the kind of error."""
    floats = False

    def number(text: str) -> float:
        nonlocal floats
        floats = True
        return float(text)

    try:
        document = json.loads(body, parse_float=number, parse_constant=number)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, an integer of over 4,300 digits: all 422
        return "error", 422
    try:
        return "parsed", (SealedBatchModel.model_validate(document).as_wire(), not floats)
    except ValidationError:
        return "error", 422


def _parse(body: bytes) -> tuple[str, Any]:
    try:
        return "parsed", parse_batch(body)
    except RequestValidationError:
        return "error", 422
    except HTTPException as error:
        return "error", error.status_code


edits = st.lists(st.tuples(st.integers(0, len(BODY)), st.integers(0, 3), st.sampled_from([
    b"", b"1.5", b"1e400", b"NaN", b"-Infinity", b"123456789012345678901234567890", b"\xef\xbb\xbf", b"\xed\xa0\x80",
    b'"\\ud800"', b"\xff", b" \t\r\n", b"\x0c", b",", b"]", b"}", b'"', b"0", b"-0", b"true", b"null", b"\\",
])), max_size=3)


@settings(max_examples=1500, deadline=None)
@given(edits=edits)
def test_a_body_is_read_exactly_as_the_standard_library_reads_it_or_refused_alike(edits: list[tuple[int, int, bytes]]):
    body = bytearray(BODY)
    for position, removed, inserted in edits:
        body[position : position + removed] = inserted
    assert repr(_parse(bytes(body))) == repr(_stdlib_parse(bytes(body)))  # repr: NaN is not equal to itself


@pytest.mark.parametrize("value", ["1.5", "-0.0", "1e16", "2.5E-7", "123456789012345678901234567890", "NaN"])
def test_a_float_or_an_integer_beyond_64_bits_is_read_as_the_standard_library_reads_it(value: str):
    body = BODY.replace(b'"note": null', b'"note": ' + value.encode())

    parsed = _parse(body)

    assert repr(parsed) == repr(_stdlib_parse(body)) and parsed[0] == "parsed"
    assert parsed[1][1] is (value == "123456789012345678901234567890")  # no float in it: the fast encoding


results = st.lists(st.builds(
    RecordResult, record_id=st.text(), status=st.sampled_from(["accepted", "rejected"]),
    code=st.none() | st.text(), message=st.none() | st.text(),
    params=st.just({}) | st.dictionaries(st.text(), st.integers() | st.floats(allow_nan=False) | st.text()),
), max_size=6)


@settings(max_examples=300, deadline=None)
@given(batch_id=st.text(), results=results)
def test_an_answer_is_written_as_canonical_json_writes_it(batch_id: str, results: list[RecordResult]):
    answer = BatchAnswer(batch_id=batch_id, status="received", results=results)
    try:
        expected: bytes | type[Exception] = canonical_json(answer)
    except ValueError as error:  # a lone surrogate has no UTF-8 form
        expected = type(error)
    try:
        written: bytes | type[Exception] = canonical_answer(answer)
    except ValueError as error:
        written = ValueError if isinstance(error, ValueError) else type(error)
    assert written == expected


def _outcome(check: Any) -> int | tuple[int, ...] | Problem:
    try:
        return check()  # type: ignore[no-any-return]
    except _Rejected as rejected:
        return rejected.problem


receipt_texts = st.one_of(
    st.text(max_size=24),
    st.builds(lambda series, yy, number, tail: f"{series}-{yy}-{number}{tail}",
              st.sampled_from([SERIES, "BD01M2", "bd01m1", " BD01M1", "BD01M1 ", "B", "BD01M1X"]),
              st.from_regex(r"[0-9]{1,3}", fullmatch=True),
              st.sampled_from(["0000000", "0000001", "9999999"]) | st.from_regex(r"[0-9]{6,8}", fullmatch=True),
              st.sampled_from(["", " ", "\n", "0"])),
)


@settings(max_examples=1000, deadline=None)
@given(text=receipt_texts)
def test_a_receipt_number_is_judged_alike_by_the_quick_and_the_full_reading(text: str):
    assert _outcome(lambda: _receipt_year(text, SERIES)) == _outcome(lambda: _receipt_number(text, SERIES).year)


money_values = st.integers(min_value=0, max_value=10**15) | st.sampled_from(
    [None, True, False, -1, 10**15 + 1, 1.0, "5"])


@settings(max_examples=1000, deadline=None)
@given(values=st.fixed_dictionaries({name: money_values for name in _MONEY}).flatmap(
           lambda full: st.sets(st.sampled_from(_MONEY), max_size=1).map(
               lambda dropped: {k: v for k, v in full.items() if k not in dropped})),
       item=st.none() | st.integers(0, 3))
def test_money_fields_are_judged_alike_by_the_quick_and_the_field_by_field_check(values: dict[str, Any],
                                                                               item: int | None):
    where = "" if item is None else f"items[{item}]."
    assert _outcome(lambda: _money(values, item)) == _outcome(lambda: tuple(_int(values, name, where)
                                                                           for name in _MONEY))
