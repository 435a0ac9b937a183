"""The signed text in a receipt's QR code: what the receipt claims, and the device's Ed25519 signature.

`BL1.BD01M1-26-0000123.1263600.20260305.BD01M1.<signature>`: a version tag, the receipt number, the
amount paid (VND), the issue date (yyyymmdd), the device id, then the signature in base32.

A device that knows the province's public verification address prints the payload inside a URL of its
page, `HTTPS://BHXH.EXAMPLE.VN/V/BL1.…`, which any phone camera opens; receipts printed before (and by
a device not yet enrolled) carry the bare payload. Both verify alike (`payload_of`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from collector_app.domain.problems import DomainError, Problem, ProblemCode

# Every character of the payload is in the QR alphanumeric set (0-9, A-Z, space and $%*+-./:),
# which a QR code stores in 5.5 bits instead of 8: upper-case base32 (103 characters for a 64-byte
# signature) then makes a smaller code than base64url (86 characters, but byte mode). Measured at
# error-correction level M: base32, 145 characters -> version 6 (41 modules); base64url, 128
# characters -> version 7 (45 modules).
VERSION_TAG = "BL1"
SEPARATOR = "."
_SIGNATURE_LENGTH = 103  # 64 bytes in base32 without its "=" padding
_ID = r"[A-Z0-9][A-Z0-9-]{0,35}"  # receipt numbers and device ids: alphanumeric-mode characters
_PAYLOAD = re.compile(
    rf"{VERSION_TAG}\.(?P<number>{_ID})\.(?P<amount>0|[1-9][0-9]{{0,14}})\.(?P<date>[0-9]{{8}})"
    rf"\.(?P<device>{_ID})\.(?P<signature>[A-Z2-7]{{{_SIGNATURE_LENGTH}}})"
)
_ID_PATTERN = re.compile(_ID)
VERIFY_PATH = "V"  # the public page's path segment: /V/<payload>; the server takes /v/ too


@dataclass(frozen=True)
class ReceiptClaim:
    """What a receipt's QR code vouches for; the device's key signs exactly these four values."""

    receipt_number: str  # canonical text, e.g. "BD01M1-26-0000123"
    amount: int  # VND paid
    issued_on: date
    device_id: str  # short, upper-case letters, digits and "-": the id the server knows the key by

    def canonical(self) -> str:
        """The signed text: the payload without its signature. ValueError if a value cannot be carried."""
        for name, value in (("receipt_number", self.receipt_number), ("device_id", self.device_id)):
            if not _ID_PATTERN.fullmatch(value):
                raise ValueError(f"{name} must be 1-36 upper-case letters, digits or '-': {value!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"amount must be a non-negative int of VND: {self.amount!r}")
        issued = f"{self.issued_on.year:04d}{self.issued_on.month:02d}{self.issued_on.day:02d}"
        return SEPARATOR.join((VERSION_TAG, self.receipt_number, str(self.amount), issued, self.device_id))


def generate_device_keys() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair for a device, as raw 32-byte values: (private, public)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, public


def encode_payload(claim: ReceiptClaim, private_key: bytes) -> str:
    """The QR text for `claim`, signed with the device's raw 32-byte Ed25519 private key."""
    return claim.canonical() + SEPARATOR + signature_of(claim, private_key)


def signature_of(claim: ReceiptClaim, private_key: bytes) -> str:
    """The device's signature of `claim` as the QR code prints it (base32). Ed25519 signs deterministically:
    the payment's record carries the same text (`receipt.signature`), so the server can check the code
    printed without seeing it."""
    message = claim.canonical().encode("ascii")
    return _signature_text(Ed25519PrivateKey.from_private_bytes(private_key).sign(message))


def signs(signature: str, claim: ReceiptClaim, public_key: bytes) -> bool:
    """Whether `signature` (as `signature_of` writes it) is the signature of `claim` by the device whose
    raw 32-byte Ed25519 public key is `public_key`; False for any text that is not one."""
    try:
        raw = _signature_bytes(signature)
        Ed25519PublicKey.from_public_bytes(public_key).verify(raw, claim.canonical().encode("ascii"))
    except (ValueError, InvalidSignature):
        return False
    return True


def verify_payload(text: str, public_key: bytes) -> ReceiptClaim:
    """The claim in a scanned QR text (bare payload or verification URL), once its signature checks
    against the device's public key.

    Raises DomainError with RECEIPT_CODE_MALFORMED when the text is not a receipt code of this format,
    RECEIPT_CODE_BAD_SIGNATURE when it is one but the key did not sign it (altered or forged).
    Raises ValueError when `public_key` is not a raw 32-byte Ed25519 key (a caller's mistake).
    """
    key = Ed25519PublicKey.from_public_bytes(public_key)
    match = _PAYLOAD.fullmatch(payload_of(text))  # scanners often add a line break
    if match is None:
        raise DomainError(Problem(ProblemCode.RECEIPT_CODE_MALFORMED))
    try:
        issued_on = date(int(match["date"][:4]), int(match["date"][4:6]), int(match["date"][6:]))
        signature = _signature_bytes(match["signature"])
    except ValueError as error:  # no such day (20260231), or not a signature's spelling
        raise DomainError(Problem(ProblemCode.RECEIPT_CODE_MALFORMED)) from error
    claim = ReceiptClaim(match["number"], int(match["amount"]), issued_on, match["device"])
    try:
        key.verify(signature, claim.canonical().encode("ascii"))
    except InvalidSignature as error:
        problem = Problem(ProblemCode.RECEIPT_CODE_BAD_SIGNATURE, {"receipt_number": claim.receipt_number})
        raise DomainError(problem) from error
    return claim


def verification_text(payload: str, public_url: str | None) -> str:
    """What a receipt's QR code holds: the page on `public_url` that checks `payload`; the bare payload without one.

    Scheme and host are case-insensitive, so they are written upper-case: with the payload, the whole
    URL then stays in the QR alphanumeric mode (a path the address has keeps its case: it may matter).
    """
    if not public_url:
        return payload
    parts = urlsplit(public_url)
    base = f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path.rstrip('/')}"
    return f"{base}/{VERIFY_PATH}/{payload}"


def payload_of(text: str) -> str:
    """The signed payload in a scanned QR text: a verification URL's last path segment, else the text itself.

    Only the text after the last "/" is taken: whatever address printed it, the signature alone vouches.
    """
    text = text.strip()
    if "://" not in text:
        return text
    return urlsplit(text).path.rsplit("/", 1)[-1]


def _signature_text(signature: bytes) -> str:
    return base64.b32encode(signature).decode("ascii").rstrip("=")


def _signature_bytes(text: str) -> bytes:
    """The 64 bytes `_signature_text` wrote as `text`; ValueError for anything else."""
    if len(text) != _SIGNATURE_LENGTH:
        raise ValueError("not a signature's length")
    try:
        signature = base64.b32decode(text + "=")  # 103 characters + 1 pad = 104
    except binascii.Error as error:
        raise ValueError("not base32") from error
    if _signature_text(signature) != text:
        # The last character carries 3 unused bits: only the one spelling that sets them to 0 is valid.
        raise ValueError("not the one spelling of a signature")
    return signature
