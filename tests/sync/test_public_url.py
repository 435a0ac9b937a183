"""The province's public verification address reaches the device (enrolment, then every sync) and goes
into the QR code of the receipts it prints next; receipts printed before keep verifying."""

from __future__ import annotations

from pathlib import Path

import requests
from sync_helpers import Collector, RunningServer, new_collector

from collector_app.domain.receipt_codes import payload_of
from collector_app.services.receipts import receipt_document
from collector_app.store.sync_state import sync_state


def _qr(collector: Collector, number: str) -> str:
    with collector.open() as store:
        return receipt_document(store, number, copy=False).qr_payload


def test_the_receipts_qr_follows_the_servers_public_url_from_enrolment_and_after_a_change(
    own_server: RunningServer, tmp_path: Path
):
    reached_at = own_server.url.removesuffix("/api/v1")
    collector = new_collector(tmp_path / "device", own_server)
    with collector.open() as store:
        assert sync_state(store).public_url == reached_at  # no --public-url: where the device reached it
    first = collector.pay(1)[0]
    printed = _qr(collector, first)
    assert printed.startswith(reached_at.upper() + "/V/BL1.")

    own_server.stop()
    own_server.options = ("--public-url", "https://bhxh.example.vn")
    own_server.start()
    assert collector.run("sync").returncode == 0
    with collector.open() as store:
        assert sync_state(store).public_url == "https://bhxh.example.vn"
    second = collector.pay(1)[0]
    assert _qr(collector, second).startswith("HTTPS://BHXH.EXAMPLE.VN/V/BL1.")

    # The receipt printed before the change still opens its page (the server answers at its own address),
    # and so does the bare payload of a receipt printed before the URL codes.
    for text in (printed, f"{reached_at}/v/{payload_of(printed)}"):
        page = requests.get(text, timeout=30)
        assert page.status_code == 200 and 'data-verdict="valid"' in page.text


def test_a_device_not_enrolled_prints_the_bare_signed_payload(tmp_path: Path):
    collector = new_collector(tmp_path / "device", None)
    number = collector.pay(1)[0]
    assert _qr(collector, number).startswith("BL1.")
