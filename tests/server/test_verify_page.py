"""The public receipt page (`GET /v/<payload>`) in a real browser: headless Chromium opens the address a
phone camera would, on the real server, on SQLite and PostgreSQL; the page says valid, valid but not yet
received, or not valid (and why), in Vietnamese or English, showing no more than initials of anyone."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from browser import open_page
from server_helpers import (
    PAID_ON,
    POLICY_FILE,
    SERVER_EXE,
    Device,
    Server,
    enrol,
    enrolment_code,
    family_hi_payment,
    free_port,
    new_point,
    void_record,
)
from sqlalchemy import text, update

from collector_app.domain.policy import PolicyTable
from collector_app.domain.receipt_codes import ReceiptClaim, encode_payload, generate_device_keys, verification_text
from collector_app.wire import encode_key
from provincial_server import cli
from provincial_server.api.limits import TokenBuckets
from provincial_server.store.schema import devices, points


def _qr(device: Device, number: str, amount: int, issued_on: date = PAID_ON, *, key: bytes | None = None) -> str:
    return encode_payload(ReceiptClaim(number, amount, issued_on, device.series), key or device.private_key)


def _public(server: Server) -> str:
    return server.url.removesuffix("/api/v1")


def _uploaded(device: Device, table: PolicyTable) -> tuple[str, int, str]:
    """A family HI payment the server holds: its receipt number, amount and QR payload."""
    payment = family_hi_payment(device, table)
    assert device.upload(device.seal([payment])).status_code == 200
    number, amount = payment["payload"]["receipt"]["number"], payment["payload"]["amount"]
    return number, amount, _qr(device, number, amount)


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def test_a_receipt_the_province_holds_is_valid_with_its_number_date_amount_point_and_initials(
    server: Server, device: Device, policy_table: PolicyTable
):
    number, amount, payload = _uploaded(device, policy_table)
    # As the device prints it: upper-case scheme, host and /V/, the whole URL in QR alphanumeric mode.
    page = open_page(verification_text(payload, _public(server)))
    assert page.root["data-verdict"] == "valid"
    assert page.root["lang"] == "vi"
    assert "Biên lai hợp lệ" in page.text
    assert "Cơ quan Bảo hiểm xã hội tỉnh đã nhận khoản tiền này." in page.text
    for shown in (number, "05/03/2026", _money(amount), f"Điểm thu thử {device.point_code}", "N.T.H.", "Đã nhận"):
        assert shown in page.text
    assert "Nguyễn" not in page.text and "Hằng" not in page.text  # initials only


def test_a_signed_receipt_not_yet_synced_is_valid_not_received_with_the_date_it_was_signed(
    server: Server, device: Device
):
    number = device.next_receipt()
    page = open_page(f"{_public(server)}/v/{_qr(device, number, 1_263_600, date(2026, 3, 9))}")
    assert page.root["data-verdict"] == "valid-not-received"
    assert "Hợp lệ, chưa được tiếp nhận" in page.text
    assert "đã ký biên lai này ngày 09/03/2026" in page.text
    assert number in page.text and "1.263.600 đ" in page.text and "Chưa" in page.text
    assert "N.T.H." not in page.text  # the province holds no payer's name for it


def test_the_page_is_in_english_by_lang_or_by_the_browsers_language(server: Server, device: Device,
                                                                     policy_table: PolicyTable):
    number, amount, payload = _uploaded(device, policy_table)
    by_language = open_page(f"{_public(server)}/V/{payload}", language="en-US,en")
    by_query = open_page(f"{_public(server)}/v/{payload}?lang=en", language="vi")
    for page in (by_language, by_query):
        assert (page.root["data-verdict"], page.root["lang"]) == ("valid", "en")
        assert "Valid receipt" in page.text and "Received by the province Yes" in page.text
        assert _money(amount) in page.text and "05/03/2026" in page.text
    assert open_page(f"{_public(server)}/v/{payload}?lang=vi", language="en").root["lang"] == "vi"


@pytest.mark.parametrize(("case", "reason"), [
    ("forged", "Chữ ký số không khớp"),
    ("altered amount", "Chữ ký số không khớp"),
    ("unknown device", "máy thu mà cơ quan Bảo hiểm xã hội tỉnh không quản lý"),
    ("malformed", "Mã này không phải mã biên lai"),
])
def test_a_code_the_device_did_not_sign_is_invalid_and_says_why(
    server: Server, device: Device, policy_table: PolicyTable, case: str, reason: str
):
    number, amount, payload = _uploaded(device, policy_table)
    other_key, _ = generate_device_keys()
    scanned = {
        "forged": _qr(device, number, amount, key=other_key),
        "altered amount": payload.replace(f".{amount}.", f".{amount + 1_000_000}."),
        "unknown device": payload.replace(f".{device.series}.", ".ZZ99M9."),
        "malformed": "BL1.HELLO",
    }[case]
    assert scanned != payload
    page = open_page(f"{_public(server)}/v/{scanned}")
    assert page.root["data-verdict"] == "invalid"
    assert "Biên lai không hợp lệ" in page.text and reason in page.text
    assert "Nếu bạn đã nộp tiền, hãy liên hệ điểm thu" in page.text
    # Nothing a forger wrote is repeated as if vouched for.
    assert _money(amount) not in page.text and _money(amount + 1_000_000) not in page.text
    assert "Đã nhận" not in page.text


def test_a_voided_receipt_is_invalid_and_says_voided(server: Server, device: Device, policy_table: PolicyTable):
    payment = family_hi_payment(device, policy_table)
    device.upload(device.seal([payment, void_record(device, payment)]))
    number, amount = payment["payload"]["receipt"]["number"], payment["payload"]["amount"]
    page = open_page(f"{_public(server)}/v/{_qr(device, number, amount)}")
    assert page.root["data-verdict"] == "invalid"
    assert "Biên lai này đã bị hủy." in page.text and number in page.text
    assert "N.T.H." not in page.text


def test_a_revoked_devices_receipts_are_valid_up_to_the_day_it_was_revoked_and_invalid_after(
    server: Server, policy_table: PolicyTable
):
    device = enrol(server, new_point(server))
    held_number, held_amount, held = _uploaded(device, policy_table)
    revoked_on = PAID_ON + timedelta(days=10)
    server.execute(update(devices).where(devices.c.id == device.device_id)
                   .values(revoked_at=datetime(revoked_on.year, revoked_on.month, revoked_on.day, 10, tzinfo=UTC)))
    before = _qr(device, device.next_receipt(), 500_000, revoked_on)
    after = _qr(device, device.next_receipt(), 500_000, revoked_on + timedelta(days=1))
    pages = [open_page(f"{_public(server)}/v/{scanned}") for scanned in (held, before, after)]
    assert [page.root["data-verdict"] for page in pages] == ["valid", "valid-not-received", "invalid"]
    assert "đã bị thu hồi trước ngày ghi trên biên lai" in pages[2].text


def test_the_page_is_small_self_contained_and_safe_to_show_any_point_name(
    server: Server, device: Device, policy_table: PolicyTable
):
    point = new_point(server)
    server.execute(update(points).where(points.c.code == point)
                   .values(name='Điểm <b>"thu"</b> & <script>alert(1)</script>'))
    other = enrol(server, point)
    number, amount, payload = _uploaded(other, policy_table)
    response = requests.get(f"{_public(server)}/v/{payload}", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert len(response.content) < 10_000
    body = response.text
    assert "<script" not in body and "src=" not in body and "http" not in body.split("</title>", 1)[1]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = open_page(f"{_public(server)}/v/{payload}")
    assert 'Điểm <b>"thu"</b> & <script>alert(1)</script>' in page.text  # shown as text, never as markup


def test_the_devices_and_supervisors_check_takes_the_url_as_well_as_the_bare_payload(
    server: Server, device: Device, policy_table: PolicyTable
):
    number, _, payload = _uploaded(device, policy_table)
    for scanned in (payload, verification_text(payload, "https://bhxh.example.vn"), f"{_public(server)}/v/{payload}"):
        answer = device.post("/receipts/verify", {"payload": scanned}).json()
        assert (answer["valid"], answer["recorded"], answer["receipt_number"]) == (True, True, number)


@pytest.mark.parametrize("scanned", [
    "BL1.", "BL1." + "." * 40, "bl1.abc.1.20260305.x.y", "%00", "%E1%BA%A1", "x" * 600, "BL1.A.1.20261399.B." + "A" * 103,
    "BL1.A-26-0000001.99999999999999999999.20260305.ZZ99M9." + "A" * 103,
])
def test_any_text_after_v_gets_an_invalid_page_never_an_error(server: Server, scanned: str):
    answer = requests.get(f"{_public(server)}/v/{scanned}", timeout=30)
    assert answer.status_code == 200 and 'data-verdict="invalid"' in answer.text


# ---- the address devices print, and the rate limit ----------------------------------------------


@contextmanager
def _serving(folder: Path, *options: str) -> Iterator[Server]:
    """A server of its own on SQLite, started with `options` (the rate limit is per worker, in memory)."""
    database_url = f"sqlite:///{folder / 'server.sqlite3'}"
    port = free_port()
    with (folder / "serve.log").open("wb") as log:
        process = subprocess.Popen([str(SERVER_EXE), "serve", "--database-url", database_url, "--port", str(port),
                                    "--no-access-log", "--log-level", "warning", *options],
                                   stdout=log, stderr=subprocess.STDOUT)
    running = Server(url=f"http://127.0.0.1:{port}/api/v1", database_url=database_url, backend="sqlite",
                     process=process)
    try:
        for _ in range(600):
            with suppress(requests.ConnectionError):
                if requests.get(f"{running.url}/openapi.json", timeout=2).status_code == 200:
                    break
            assert process.poll() is None, (folder / "serve.log").read_text()
            time.sleep(0.1)
        yield running
    finally:
        running.dispose()
        process.terminate()
        process.wait(timeout=30)


def test_devices_get_the_address_the_server_is_reached_at_when_no_public_url_is_set(server: Server):
    device = enrol(server, new_point(server))
    code = enrolment_code(server, device.point_code)
    _, public_key = generate_device_keys()
    answer = requests.post(f"{server.url}/devices/enrol", timeout=30, json={
        "code": code, "device_id": str(uuid.uuid4()), "device_name": "Máy thu 2", "public_key": encode_key(public_key),
    }).json()
    assert answer["public_url"] == _public(server)
    assert device.get("/changes").json()["reference"]["public_url"] == _public(server)


def test_a_set_public_url_reaches_devices_and_the_limit_counts_the_trusted_headers_client(tmp_path: Path):
    with _serving(tmp_path, "--public-url", "https://bhxh.example.vn/", "--checks-per-minute", "2",
                  "--client-ip-header", "X-Forwarded-For") as own:
        device = enrol(own, new_point(own))
        assert device.get("/changes").json()["reference"]["public_url"] == "https://bhxh.example.vn"
        page = f"{_public(own)}/V/{_qr(device, device.next_receipt(), 500_000)}"

        def check(client: str) -> requests.Response:
            return requests.get(page, headers={"X-Forwarded-For": client}, timeout=30)

        assert [check("203.0.113.7").status_code for _ in range(2)] == [200, 200]
        refused = check("203.0.113.7")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "Quá nhiều lượt kiểm tra" in refused.text and "data-verdict" not in refused.text
        # Only the address our proxy wrote last counts: what a client writes before it proves nothing.
        assert check("198.51.100.1, 203.0.113.7").status_code == 429
        assert check("203.0.113.8").status_code == 200


def test_without_a_trusted_header_the_limit_counts_the_connecting_address_whatever_headers_say(tmp_path: Path):
    with _serving(tmp_path, "--checks-per-minute", "3") as own:
        page = f"{_public(own)}/v/BL1.HELLO"
        answers = [requests.get(page, headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"10.0.0.{n}"},
                                timeout=30) for n in range(5)]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
        english = requests.get(page + "?lang=en", timeout=30)
        assert english.status_code == 429 and "Too many checks" in english.text


def test_a_check_the_server_cannot_make_is_a_503_page_in_the_phones_language_not_json(
    tmp_path: Path, policy_table: PolicyTable
):
    with _serving(tmp_path) as own:
        own.admin("publish-policy", str(POLICY_FILE))
        device = enrol(own, new_point(own))
        _, _, payload = _uploaded(device, policy_table)
        own.execute(text("ALTER TABLE voids RENAME TO voids_gone"))  # the check of a held receipt fails
        answer = requests.get(f"{_public(own)}/v/{payload}?lang=en", timeout=30)
        assert answer.status_code == 503 and answer.headers["content-type"].startswith("text/html")
        assert "Cannot check now" in answer.text and "data-verdict" not in answer.text
        assert "Traceback" not in answer.text


def test_a_bucket_holds_n_checks_and_refills_one_every_60_over_n_seconds_per_client():
    now = [0.0]
    buckets = TokenBuckets(per_minute=6, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(6)] == [0.0] * 6
    assert buckets.take("a") == pytest.approx(10.0)  # one token every 10 s
    assert buckets.take("b") == 0.0
    now[0] = 9.0
    assert buckets.take("a") == pytest.approx(1.0)
    now[0] = 10.0
    assert buckets.take("a") == 0.0 and buckets.take("a") > 0


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--public-url", "ftp://bhxh.example.vn", "must be an http:// or https:// address"),
    ("--public-url", "https://bhxh.example.vn/?a=1", "no user, query or fragment"),
    ("--client-ip-header", "X Forwarded", "a header name is"),
])
def test_serve_refuses_a_bad_public_url_or_header_in_one_line(option: str, value: str, says: str,
                                                                capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", option, value])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("provincial-server: error: ") and says in error and error.count("\n") == 1
