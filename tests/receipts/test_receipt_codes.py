"""The signed QR payload: short, verifiable with the device's public key, and any change breaks it."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import (
    ReceiptClaim,
    encode_payload,
    generate_device_keys,
    signature_of,
    signs,
    verify_payload,
)

CLAIM = ReceiptClaim("BD01M1-26-0000123", 1_263_600, date(2026, 3, 5), "BD01M1")
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    return generate_device_keys()


@pytest.fixture(scope="module")
def payload(keys: tuple[bytes, bytes]) -> str:
    return encode_payload(CLAIM, keys[0])


def _problem(text: str, public_key: bytes) -> ProblemCode:
    with pytest.raises(DomainError) as caught:
        verify_payload(text, public_key)
    [problem] = caught.value.problems
    return problem.code


def test_a_signed_payload_verifies_and_gives_back_the_claim(payload: str, keys: tuple[bytes, bytes]):
    assert verify_payload(payload, keys[1]) == CLAIM


def test_the_payload_reads_as_its_fields_and_keeps_to_the_qr_alphanumeric_set(payload: str):
    assert payload.startswith("BL1.BD01M1-26-0000123.1263600.20260305.BD01M1.")
    assert set(payload) <= QR_ALPHANUMERIC
    assert len(payload) <= 150


def test_device_keys_are_raw_32_byte_values_and_each_pair_is_new():
    private, public = generate_device_keys()
    assert len(private) == len(public) == 32
    assert generate_device_keys()[0] != private


def test_a_payload_whose_amount_was_changed_fails_verification(payload: str, keys: tuple[bytes, bytes]):
    tampered = payload.replace(".1263600.", ".1863600.")
    assert tampered != payload
    assert _problem(tampered, keys[1]) is ProblemCode.RECEIPT_CODE_BAD_SIGNATURE


@pytest.mark.parametrize(
    ("old", "new"),
    [("-0000123.", "-0000124."), (".20260305.", ".20260306."), (".BD01M1.", ".BD01M2.")],
)
def test_a_payload_with_any_other_field_changed_fails_verification(
    payload: str, keys: tuple[bytes, bytes], old: str, new: str
):
    assert _problem(payload.replace(old, new), keys[1]) is ProblemCode.RECEIPT_CODE_BAD_SIGNATURE


def test_a_payload_checked_against_another_devices_key_fails(payload: str):
    _, other_public = generate_device_keys()
    assert _problem(payload, other_public) is ProblemCode.RECEIPT_CODE_BAD_SIGNATURE


def test_a_scanned_payload_with_a_trailing_line_break_still_verifies(payload: str, keys: tuple[bytes, bytes]):
    assert verify_payload(payload + "\r\n", keys[1]) == CLAIM


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: "",
        lambda p: "https://example.com/receipt",
        lambda p: p[:-10],  # read incompletely
        lambda p: p.lower(),
        lambda p: p.replace("BL1.", "BL2."),
        lambda p: p.replace(".20260305.", ".20260231."),  # no such day
        lambda p: p.replace(".1263600.", ".01263600."),  # not the canonical spelling of the amount
        lambda p: p.replace(".", "|"),
    ],
    ids=[
        "empty",
        "a url",
        "truncated",
        "lower case",
        "unknown version",
        "impossible date",
        "leading zero",
        "other separator",
    ],
)
def test_text_that_is_not_a_receipt_code_of_this_format_is_malformed(
    payload: str, keys: tuple[bytes, bytes], mangle
):
    assert _problem(mangle(payload), keys[1]) is ProblemCode.RECEIPT_CODE_MALFORMED


def test_a_signature_spelled_with_its_unused_bits_set_is_malformed(payload: str, keys: tuple[bytes, bytes]):
    # 64 bytes in 103 base32 characters leave 3 unused bits in the last one: flip the lowest.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = alphabet[alphabet.index(payload[-1]) ^ 1]
    variant = payload[:-1] + last
    assert base64.b32decode(variant[-103:] + "=") == base64.b32decode(payload[-103:] + "=")
    assert _problem(variant, keys[1]) is ProblemCode.RECEIPT_CODE_MALFORMED


@pytest.mark.parametrize(
    "claim",
    [
        ReceiptClaim("BD01M1-26-0000123", -1, date(2026, 3, 5), "BD01M1"),
        ReceiptClaim("BD01M1-26-0000123", 1000, date(2026, 3, 5), "bd01m1"),
        ReceiptClaim("BD01M1 26 0000123", 1000, date(2026, 3, 5), "BD01M1"),
        ReceiptClaim("BD01M1-26-0000123", 1000, date(2026, 3, 5), "X" * 37),
    ],
    ids=["negative amount", "lower-case device", "spaces in number", "device id too long"],
)
def test_a_claim_the_payload_cannot_carry_is_refused_when_signing(
    claim: ReceiptClaim, keys: tuple[bytes, bytes]
):
    with pytest.raises(ValueError):
        encode_payload(claim, keys[0])


def test_a_public_key_of_the_wrong_length_is_a_callers_mistake(payload: str):
    with pytest.raises(ValueError):
        verify_payload(payload, b"\x00" * 31)


def test_the_signature_a_payment_record_carries_is_the_one_its_qr_code_prints(payload: str, keys: tuple[bytes, bytes]):
    signature = signature_of(CLAIM, keys[0])
    assert payload.endswith("." + signature)  # Ed25519 signs deterministically: the same text each time
    assert signs(signature, CLAIM, keys[1])


@pytest.mark.parametrize("change", ["amount", "date", "number", "key", "garbled", "lower-case", "empty"])
def test_a_signature_of_other_figures_another_key_or_no_signature_at_all_does_not_sign(
    keys: tuple[bytes, bytes], change: str
):
    signature, claim, public_key = signature_of(CLAIM, keys[0]), CLAIM, keys[1]
    if change == "amount":
        claim = ReceiptClaim(CLAIM.receipt_number, CLAIM.amount + 1_000, CLAIM.issued_on, CLAIM.device_id)
    elif change == "date":
        claim = ReceiptClaim(CLAIM.receipt_number, CLAIM.amount, date(2026, 3, 6), CLAIM.device_id)
    elif change == "number":
        claim = ReceiptClaim("BD01M1-26-0000124", CLAIM.amount, CLAIM.issued_on, CLAIM.device_id)
    elif change == "key":
        public_key = generate_device_keys()[1]
    elif change == "garbled":
        signature = signature[:50] + ("A" if signature[50] != "A" else "B") + signature[51:]
    elif change == "lower-case":
        signature = signature.lower()
    else:
        signature = ""
    assert not signs(signature, claim, public_key)
