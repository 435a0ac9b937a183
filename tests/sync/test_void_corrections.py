"""A void the server refuses can be corrected, so that the device and the province agree about the receipt.

Before, a void with a reason over the server's limit was recorded on the device and then refused for
ever: `resend` was refused again, and voiding again said "already void". Now the limit is the wire's,
enforced where the reason is typed; a void refused anyway (here: one recorded by an older version,
with a longer limit) is corrected by voiding the receipt again, and `resend` says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_helpers import Collector, RunningServer, assert_server_holds_everything_once, new_collector

from collector_app.wire import TextLimits


@pytest.fixture
def collector(tmp_path: Path, server: RunningServer) -> Collector:
    return new_collector(tmp_path / "device", server)


def test_a_void_reason_longer_than_the_wire_allows_is_refused_where_it_is_typed(collector: Collector):
    [number] = collector.pay(1)

    result = collector.run("void", number, "--reason", "x" * (TextLimits.VOID_REASON + 1))

    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert f"tối đa {TextLimits.VOID_REASON} ký tự" in result.stderr
    assert collector.status()["pending_records"] == 1  # the payment only: no void was written


def test_a_void_with_an_escape_sequence_or_a_direction_override_is_refused(collector: Collector):
    [number] = collector.pay(1)

    for reason in ("Thu nhầm\x1b[2J", "Thu nhầm \u202egnờưn"):
        result = collector.run("void", number, "--reason", reason)  # refused with the argument (exit 2)
        assert result.returncode in (1, 2) and "U+" in result.stderr and len(result.stderr.splitlines()) == 1
    assert collector.status()["pending_records"] == 1


def test_a_void_the_server_refused_is_corrected_by_voiding_again_and_then_both_sides_agree(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
):
    [number] = collector.pay(1)
    # A void recorded by an older version, whose limit was longer than the server's.
    monkeypatch.setattr(TextLimits, "VOID_REASON", 5_000)
    assert collector.run("void", number, "--reason", "Thu nhầm người. " * 200).returncode == 0
    monkeypatch.undo()

    first = collector.json("sync", exit_code=1)
    [refused] = first["rejected"]
    assert (refused["kind"], refused["code"]) == ("void", "sync.text_too_long")

    status = collector.run("status")
    resend = collector.run("resend", refused["record_id"])
    assert f"Hãy hủy lại biên lai số {number} với lý do đã sửa" in status.stdout
    assert resend.returncode == 1 and f"Hãy hủy lại biên lai số {number}" in resend.stderr

    corrected = collector.json("void", number, "--reason", "Thu nhầm người")
    second = collector.json("sync")

    assert corrected["corrects"] == refused["record_id"]
    assert second["delivered"][0]["accepted"] == 1 and second["rejected"] == []
    final = assert_server_holds_everything_once(collector)
    assert final["quarantined"] == []
    again = collector.run("void", number, "--reason", "Lần nữa")
    assert again.returncode == 1 and "đã bị hủy" in again.stderr
    receipt = collector.run("--lang", "en", "receipt", number, "--out", str(collector.data_dir / "r.pdf"))
    assert receipt.returncode == 0, receipt.stderr
