"""The canonical JSON of a batch's payloads and records, with orjson where that writes the very same bytes.

With sorted keys, orjson writes what `collector_app.wire.canonical_json` writes for JSON that
holds no float: the same escapes, raw UTF-8, keys in code point order, no spaces (tests compare the
two over generated documents and every character). Floats, NaN and infinities are written
differently, so a payload that may hold one goes through `canonical_json`; so does any value orjson
refuses (an integer beyond 64 bits, a lone surrogate, deep nesting), which then encodes or fails
exactly as `canonical_json` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from collector_app.wire import BatchAnswer, canonical_json, canonical_record


def canonical_payloads(payloads: Iterable[Any], *, without_floats: bool) -> list[bytes]:
    """`canonical_json` of each payload; `without_floats`: the caller knows none holds a float, NaN or infinity.

    ValueError as from `canonical_json` (text with no UTF-8 form, NaN).
    """
    if not without_floats:
        return [canonical_json(payload) for payload in payloads]
    encoded = []
    for payload in payloads:
        try:
            encoded.append(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS))
        except orjson.JSONEncodeError:
            encoded.append(canonical_json(payload))
    return encoded


def canonical_records(records: Sequence[Mapping[str, Any]], payloads_json: Sequence[bytes]) -> list[bytes]:
    """`wire.canonical_record` of each record, given its payload's canonical JSON.

    The same bytes, with the record id and kind (text, which orjson writes exactly as canonical_json
    does) encoded by orjson; text orjson refuses goes through `canonical_record` and fails there.
    """
    encoded = []
    for record, payload_json in zip(records, payloads_json, strict=True):
        record_id, kind = str(record["record_id"]), str(record["kind"])
        try:
            encoded.append(b'{"kind":' + orjson.dumps(kind) + b',"payload":' + payload_json + b',"record_id":'
                           + orjson.dumps(record_id) + b"}")
        except orjson.JSONEncodeError:
            encoded.append(canonical_record(record_id, kind, payload_json))
    return encoded


def canonical_answer(answer: BatchAnswer) -> bytes:
    """`canonical_json` of a batch's answer.

    When no result has params (every record accepted as new: the usual answer) it holds only ids,
    statuses and nulls, so orjson writes it; any params (numbers from the records among them) go
    through `canonical_json`.
    """
    if any(result["params"] for result in answer["results"]):
        return canonical_json(answer)
    return orjson.dumps(answer, option=orjson.OPT_SORT_KEYS)
