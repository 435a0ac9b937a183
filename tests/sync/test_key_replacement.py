"""Devices after the province replaced a LOST or STOLEN release key (`release-key replace`), against a server of
the test's own on 127.0.0.1 (SQLite and PostgreSQL): nothing leads from the lost key, so a device that pinned it
keeps its pin and refuses the releases signed again; enrolled again, it pins the new key and takes them; a device
enrolled after the replacement follows a later rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sync_helpers import RunningServer, new_collector
from test_key_rotation import Province, downloaded, synced

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.device import device_of
from collector_app.store.sync_state import sync_state
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import enrol
from provincial_server import cli


class Replacing(Province):
    def replace(self) -> None:
        out = self.folder / f"k{len(self.keys)}"
        assert cli.main(["release-key", "replace", "--database-url", self.server.database_url, "--out", str(out),
                         "--devices-enrol-again"]) == 0
        self.keys.append(out / "release-key.pem")


@pytest.fixture
def province(own_server: RunningServer, tmp_path: Path) -> Replacing:
    return Replacing(own_server, tmp_path / "province")


def test_a_device_pinned_to_the_lost_key_refuses_the_release_until_it_enrols_again(
        province: Replacing, own_server: RunningServer, tmp_path: Path):
    content = province.publish("2.1.0")
    collector = new_collector(tmp_path / "device", own_server)
    pinned, update = synced(collector)
    assert pinned == province.public(0) and update.trusted
    province.replace()

    pinned, update = synced(collector)  # the release signed again by the new key, which nothing leads to
    assert (pinned, update.version, update.trusted) == (province.public(0), "2.1.0", False)
    with pytest.raises(DomainError) as refused:
        downloaded(collector, update)
    assert refused.value.problems[0].code == ProblemCode.UPDATE_UNTRUSTED
    assert not (collector.data_dir / "updates").exists() or list((collector.data_dir / "updates").iterdir()) == []

    # Enrolled again with a new code for its point, as `collector-app enrol` does: the new key is pinned.
    with collector.open() as store:
        code = own_server.admin("enrolment-code", device_of(store).point_code).strip()
        with SyncClient(own_server.url) as client:
            enrol(store, client, code=code)
        assert sync_state(store).release_key == province.public(1)
    pinned, update = synced(collector)
    assert (pinned, update.version, update.trusted) == (province.public(1), "2.1.0", True)
    assert downloaded(collector, update) == content


def test_a_device_enrolled_after_the_replacement_follows_a_later_rotation(
        province: Replacing, own_server: RunningServer, tmp_path: Path):
    province.publish("2.2.0")
    province.rotate()
    province.replace()
    later = new_collector(tmp_path / "later", own_server)
    assert synced(later)[0] == province.public(2)
    province.rotate()
    content = province.publish("2.3.0")
    pinned, update = synced(later)
    assert (pinned, update.version, update.trusted) == (province.public(3), "2.3.0", True)
    assert downloaded(later, update) == content
