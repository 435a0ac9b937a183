"""The server's fast canonical encoding of payloads gives exactly the bytes of `wire.canonical_json`, or its error."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector_app.wire import canonical_json, canonical_record
from provincial_server.services.canonical import canonical_payloads, canonical_records

# What a JSON body can hold once parsed, floats aside: integers of any size (orjson stops at 64
# bits), any text (lone surrogates included: "\ud800" parses), nesting.
json_without_floats = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=40,
)


def _outcome(encode, value):  # type: ignore[no-untyped-def]
    try:
        return encode(value)
    except ValueError as error:
        return type(error)


@given(payloads=st.lists(json_without_floats, max_size=4))
@settings(max_examples=400, deadline=None)
def test_the_fast_encoding_of_any_json_without_floats_is_canonical_json_or_its_error(payloads: list[object]):
    expected = [_outcome(canonical_json, payload) for payload in payloads]
    if any(isinstance(outcome, type) for outcome in expected):
        with pytest.raises(ValueError):
            canonical_payloads(payloads, without_floats=True)
    else:
        assert canonical_payloads(payloads, without_floats=True) == expected


def test_every_character_in_keys_and_text_is_written_as_canonical_json_writes_it():
    characters = [chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]
    payloads = [{"k" + "".join(characters[i : i + 64]): "t" + "".join(characters[i : i + 64])}
                for i in range(0, len(characters), 64)]
    assert canonical_payloads(payloads, without_floats=True) == [canonical_json(p) for p in payloads]


def test_keys_sort_by_code_point_across_scripts():
    payload = {"ễ": 1, "E": 2, "e": 3, "é": 4, "\U0001f600": 5, "\uffff": 6, "Đ": 7, "": 8}
    assert canonical_payloads([payload], without_floats=True) == [canonical_json(payload)]


@pytest.mark.parametrize("value", [0.1, 1e16, 1e-7, 2.5e300, -0.0, 100.0])
def test_floats_are_left_to_canonical_json_when_the_caller_says_there_may_be_some(value: float):
    payload = {"amount": 1000, "gps": [value, 106.7]}
    assert canonical_payloads([payload], without_floats=False) == [canonical_json(payload)]


def test_nan_is_refused_as_canonical_json_refuses_it():
    with pytest.raises(ValueError):
        canonical_payloads([{"amount": math.nan}], without_floats=False)


@given(records=st.lists(st.fixed_dictionaries({"record_id": st.text(), "kind": st.text(max_size=32),
                                               "payload": json_without_floats}), max_size=4))
@settings(max_examples=300, deadline=None)
def test_records_are_encoded_as_the_wire_module_encodes_them(records: list[dict[str, object]]):
    try:
        payloads = [canonical_json(record["payload"]) for record in records]
        expected = [canonical_record(r["record_id"], r["kind"], p)  # type: ignore[arg-type]
                    for r, p in zip(records, payloads, strict=True)]
    except ValueError:
        return  # text with no UTF-8 form: refused before this point
    assert canonical_records(records, payloads) == expected
    assert canonical_records(records, payloads) == [canonical_json(record) for record in records]
