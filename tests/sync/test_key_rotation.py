"""Devices following the province's release key through its rotations (`release-key rotate`), against a server of
the test's own on 127.0.0.1 (SQLite and PostgreSQL): a device that pinned an older key follows the handovers and
verifies the releases signed again; a forged, truncated or foreign chain leaves its pin, and the release refused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sync_helpers import Collector, RunningServer, new_collector

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.updates import Update, available_update, download_update
from collector_app.store.sync_state import sync_state
from collector_app.sync.client import ProtocolError, _changes_page, _enrol_answer
from collector_app.sync.engine import client_for, sync_once
from collector_app.wire import encode_key, sign_handover
from provincial_server import cli
from provincial_server.services.releases import load_release_key
from provincial_server.store.schema import release_key_handovers


class Province:
    """The release keys a test's own server went through, K0 first, each in a folder of its own."""

    def __init__(self, server: RunningServer, folder: Path) -> None:
        self.server, self.folder = server, folder
        assert cli.main(["release-key", "new", "--out", str(folder / "k0")]) == 0
        self.keys = [folder / "k0" / "release-key.pem"]

    def public(self, index: int) -> str:
        return (self.keys[index].parent / "release-key.pub").read_text().strip()

    def publish(self, version: str) -> bytes:
        installer = self.folder / f"collector-app_{version}_amd64.deb"
        installer.write_bytes(content := os.urandom(150_000))
        self.server.admin("publish-release", str(installer), "--version", version, "--platform", "linux-deb",
                          "--key", str(self.keys[-1]), "--releases-dir", str(self.folder / "server-releases"))
        return content

    def rotate(self) -> None:
        out = self.folder / f"k{len(self.keys)}"
        assert cli.main(["release-key", "rotate", "--database-url", self.server.database_url, "--key",
                         str(self.keys[-1]), "--out", str(out)]) == 0
        self.keys.append(out / "release-key.pem")


@pytest.fixture
def province(own_server: RunningServer, tmp_path: Path) -> Province:
    return Province(own_server, tmp_path / "province")


def synced(collector: Collector) -> tuple[str | None, Update]:
    """Sync; then the key the device pinned and the update offered to it (as a Linux device at 1.0.0)."""
    with collector.open() as store:
        with client_for(store) as client:
            sync_once(store, client)
        update = available_update(store, current="1.0.0", platform="linux-deb", folder=collector.data_dir / "updates")
        assert update is not None
        return sync_state(store).release_key, update


def downloaded(collector: Collector, update: Update) -> bytes:
    with collector.open() as store, client_for(store) as client:
        done = download_update(client, update, folder=collector.data_dir / "updates")
    assert done.downloaded is not None
    return done.downloaded.read_bytes()


def test_a_device_enrolled_under_the_old_key_follows_the_handover_and_verifies_the_release_signed_again(
        province: Province, own_server: RunningServer, tmp_path: Path):
    content = province.publish("2.1.0")
    collector = new_collector(tmp_path / "device", own_server)
    pinned, update = synced(collector)
    assert pinned == province.public(0) and update.trusted
    province.rotate()
    pinned, update = synced(collector)
    assert pinned == province.public(1) and update.trusted
    assert downloaded(collector, update) == content
    # A device enrolled from now on pins the new key at once, and trusts the same release.
    later = new_collector(tmp_path / "later", own_server)
    with later.open() as store:
        assert sync_state(store).release_key == province.public(1)
    assert synced(later) == (province.public(1), update)


def test_a_device_two_rotations_behind_follows_both_links_and_one_between_them_the_last(
        province: Province, own_server: RunningServer, tmp_path: Path):
    province.publish("2.2.0")
    behind = new_collector(tmp_path / "behind", own_server)
    assert synced(behind)[0] == province.public(0)
    province.rotate()
    between = new_collector(tmp_path / "between", own_server)  # enrolled under K1: it starts from the middle
    assert synced(between)[0] == province.public(1)
    province.rotate()
    content = province.publish("2.3.0")
    for collector in (behind, between):
        pinned, update = synced(collector)
        assert (pinned, update.version, update.trusted) == (province.public(2), "2.3.0", True)
        assert downloaded(collector, update) == content


def _forge_first_link(province: Province) -> None:
    """The first handover signed by a key that is not the one the devices pinned (a stranger's)."""
    assert cli.main(["release-key", "new", "--out", str(province.folder / "stranger")]) == 0
    stranger = load_release_key((province.folder / "stranger" / "release-key.pem").read_bytes(), passphrase=None)
    with province.server.engine.connect() as connection:
        first, new_key = connection.execute(select(release_key_handovers.c.id, release_key_handovers.c.new_key)
                                            .order_by(release_key_handovers.c.id)).first()  # type: ignore[misc]
    province.server.execute(update(release_key_handovers).where(release_key_handovers.c.id == first)
                            .values(signature=sign_handover(old_private_key=stranger, new_key=bytes(new_key))))


def _drop_link(province: Province, *, last: bool) -> None:
    """Serve the chain without its last link (it stops short of the current key), or without its first (it no
    longer holds the key the devices pinned)."""
    with province.server.engine.connect() as connection:
        ids = connection.scalars(select(release_key_handovers.c.id).order_by(release_key_handovers.c.id)).all()
    province.server.execute(delete(release_key_handovers).where(release_key_handovers.c.id == ids[-1 if last else 0]))


@pytest.mark.parametrize("damage", ["forged link", "truncated chain", "chain without the pin"])
def test_a_chain_that_does_not_lead_from_the_pin_leaves_it_and_the_release_refused(
        province: Province, own_server: RunningServer, tmp_path: Path, damage: str):
    province.publish("2.4.0")
    collector = new_collector(tmp_path / "device", own_server)
    assert synced(collector)[0] == province.public(0)
    province.rotate()
    province.rotate()
    if damage == "forged link":
        _forge_first_link(province)
    else:
        _drop_link(province, last=damage == "truncated chain")
    pinned, update = synced(collector)
    assert pinned == province.public(0) and not update.trusted
    with pytest.raises(DomainError) as refused:
        downloaded(collector, update)
    assert refused.value.problems[0].code == ProblemCode.UPDATE_UNTRUSTED
    assert not (collector.data_dir / "updates").exists() or list((collector.data_dir / "updates").iterdir()) == []


def _page(reference: dict[str, Any]) -> dict[str, Any]:
    return {"cursor": "7", "decisions": [], "policy_tables": [], "more": False, "reference": reference}


def _answer(**release: Any) -> dict[str, Any]:
    return {"device_id": "d", "point_code": "BD01", "point_name": "Điểm thu", "device_code": "M1",
            "series": "BD01M1", "token": "t", "server_public_key": encode_key(bytes(32)), **release}


@pytest.mark.parametrize("handovers", [None, "K1", {"key": "K1"}, ["K1"], [{"key": "K1"}],
                                       [{"key": 1, "signature": "s"}], [{"key": "K1", "signature": None}]])
def test_handovers_of_a_hostile_shape_are_a_protocol_error_and_absent_ones_none(handovers: object):
    with pytest.raises(ProtocolError):
        _changes_page(_page({"release_key": "K1", "release_key_handovers": handovers}))
    with pytest.raises(ProtocolError):
        _enrol_answer(_answer(release_key="K1", release_key_handovers=handovers))
    with pytest.raises(ProtocolError):
        _changes_page(_page({"release_key": ["K1"]}))
    assert _changes_page(_page({"release_key": "K1"}))["reference"]["release_key_handovers"] == []
    assert _enrol_answer(_answer())["release_key_handovers"] == []


def test_the_chain_rule_moves_a_pin_only_to_the_current_key_and_only_along_verified_links():
    from collector_app.domain.receipt_codes import generate_device_keys
    from collector_app.wire import followed_release_key

    (p0, k0), (p1, k1), (_, k2) = generate_device_keys(), generate_device_keys(), generate_device_keys()
    chain = [{"key": encode_key(k1), "signature": sign_handover(old_private_key=p0, new_key=k1)},
             {"key": encode_key(k2), "signature": sign_handover(old_private_key=p1, new_key=k2)}]
    assert followed_release_key(k0, k2, chain) == k2
    assert followed_release_key(k1, k2, chain) == k2
    assert followed_release_key(k2, k2, []) == k2
    assert followed_release_key(k0, k1, chain) is None  # the chain goes on past the key the server calls current
    assert followed_release_key(k0, k2, chain[:1]) is None
    assert followed_release_key(k0, k2, [{"key": "not a key", "signature": ""}, *chain[1:]]) is None
    swapped = [{"key": encode_key(k1), "signature": chain[1]["signature"]}, chain[1]]
    assert followed_release_key(k0, k2, swapped) is None
