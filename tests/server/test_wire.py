"""The wire schema both sides share: canonical JSON, digests, integrity and signatures (collector_app.wire)."""

from __future__ import annotations

import hashlib
import math
import uuid

import pytest

from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.wire import (
    WireRecord,
    batch_digest,
    batch_file,
    batch_total,
    canonical_json,
    canonical_record,
    decode_key,
    encode_key,
    integrity_errors,
    records_digest,
    seal_batch,
    sign_document,
    verify_document,
)


def _payment(amount: int) -> WireRecord:
    return {"record_id": str(uuid.uuid4()), "kind": "payment", "payload": {"amount": amount, "payer_name": "Lê Văn Tám"}}


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_vietnamese_as_utf8():
    assert canonical_json({"b": 1, "a": ["Đức", {"z": None, "y": True}]}) == (
        '{"a":["Đức",{"y":true,"z":null}],"b":1}'.encode())


def test_canonical_json_refuses_nan():
    with pytest.raises(ValueError):
        canonical_json({"amount": math.nan})


def test_the_batch_digest_is_the_sha256_of_the_canonical_records_list():
    records = [_payment(1000)]
    assert batch_digest(records) == hashlib.sha256(canonical_json(records)).hexdigest()


def test_the_total_adds_the_amounts_of_payments_only():
    void: WireRecord = {"record_id": str(uuid.uuid4()), "kind": "void", "payload": {"amount": 999}}
    broken: WireRecord = {"record_id": str(uuid.uuid4()), "kind": "payment", "payload": {"amount": "12"}}
    assert batch_total([_payment(1000), void, _payment(2500), broken]) == 3500


def test_a_sealed_batch_has_a_matching_header_and_any_change_is_reported():
    batch = seal_batch(batch_id=str(uuid.uuid4()), device_id=str(uuid.uuid4()), device_sequence=1,
                       sealed_at="2026-11-23T08:00:00Z", records=[_payment(1000), _payment(2000)])
    assert (batch["record_count"], batch["total_amount"]) == (2, 3000)
    assert integrity_errors(batch) == []
    batch["records"][1]["payload"]["amount"] = 2001
    errors = integrity_errors(batch)
    assert [error.split(" ")[0] for error in errors] == ["total_amount", "sha256"]


def test_a_signed_document_verifies_only_unchanged_and_with_its_key():
    private, public = generate_device_keys()
    document = {"batch_id": "x", "records": [1, 2]}
    signature = sign_document(document, private)
    assert verify_document(document, signature, public)
    assert not verify_document({**document, "records": [1, 3]}, signature, public)
    assert not verify_document(document, signature, generate_device_keys()[1])
    assert not verify_document(document, "not a signature", public)


def test_a_batch_file_carries_the_batch_and_the_devices_signature():
    private, public = generate_device_keys()
    batch = seal_batch(batch_id=str(uuid.uuid4()), device_id=str(uuid.uuid4()), device_sequence=3,
                       sealed_at="2026-11-23T08:00:00Z", records=[_payment(5)])
    document = batch_file(batch, private)
    assert document["format"] == 1 and document["batch"] == batch
    assert verify_document(document["batch"], document["signature"], public)


def test_keys_travel_as_base64url_and_must_have_32_bytes():
    _, public = generate_device_keys()
    assert decode_key(encode_key(public)) == public
    assert "=" not in encode_key(public)
    with pytest.raises(ValueError):
        decode_key(encode_key(public[:31]))
    with pytest.raises(ValueError):
        decode_key("***")


def test_a_record_built_from_its_encoded_payload_is_the_same_bytes_as_encoding_it_whole():
    records = [_payment(1000), {"record_id": str(uuid.uuid4()), "kind": "void", "payload": {"reason": "Nhầm"}}]
    texts = [canonical_record(r["record_id"], r["kind"], canonical_json(r["payload"])) for r in records]
    assert texts == [canonical_json(record) for record in records]
    assert records_digest(texts) == batch_digest(records)
    assert records_digest([]) == batch_digest([])
