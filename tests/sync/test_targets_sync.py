"""The point's targets reach the device through the changes feed, and the collector's progress figures come
from the server on 127.0.0.1 when it answers, else from the copy kept the last time (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from sync_helpers import RunningServer, new_collector

from collector_app.services.progress import my_progress
from collector_app.store.db import Store
from collector_app.store.sync_state import sync_state
from collector_app.store.targets import PointTarget, point_targets
from collector_app.sync.client import ServerUnavailable
from collector_app.sync.engine import client_for, seal, sync_once


def sync(store: Store) -> int:
    """Seal what is pending and sync; how many targets the pull set or changed on the device."""
    seal(store, actor="test")
    with client_for(store) as client:
        report = sync_once(store, client)
    assert report.clean, report
    return report.targets


def point_of(store: Store) -> str:
    reference = sync_state(store).reference
    assert reference is not None
    return str(json.loads(reference)["point_code"])


def test_the_points_targets_reach_the_device_and_only_changes_come_again(own_server: RunningServer,
                                                                         tmp_path: Path):
    collector = new_collector(tmp_path / "device", own_server)
    with collector.open() as store:
        assert sync(store) == 0 and point_targets(store, 2026) == []
        point = point_of(store)
        own_server.admin("set-target", "--year", "2026", "--point", point, "--scheme", "vsi",
                         "--participants", "40", "--amount", "90000000")
        other = own_server.admin("add-point", "OTHER1", "Điểm khác") and "OTHER1"
        own_server.admin("set-target", "--year", "2026", "--point", other, "--scheme", "vsi", "--participants", "9")
        assert sync(store) == 1
        assert point_targets(store, 2026) == [PointTarget(2026, "vsi", 40, 90_000_000)]
        assert sync(store) == 0  # nothing new

        own_server.admin("set-target", "--year", "2026", "--point", point, "--scheme", "vsi", "--participants", "45")
        own_server.admin("set-target", "--year", "2026", "--point", point, "--scheme", "family_hi",
                         "--participants", "300")
        assert sync(store) == 2
        assert point_targets(store, 2026) == [PointTarget(2026, "family_hi", 300, None),
                                              PointTarget(2026, "vsi", 45, None)]


def test_the_collectors_figures_come_from_the_server_and_from_the_copy_when_it_is_offline(
    own_server: RunningServer, tmp_path: Path
):
    collector = new_collector(tmp_path / "device", own_server)
    # Family HI for the two on 05/01/2026 (first cards: from 04/02/2026), then the head's voluntary SI paid on
    # 10/01 and 10/02, for January and February.
    collector.pay(3)
    with collector.open() as store:
        sync(store)
        own_server.admin("set-target", "--year", "2026", "--point", point_of(store), "--scheme", "family_hi",
                         "--participants", "8")
        sync(store)
        fresh = my_progress(store, 2026, timeout=5)
        assert not fresh.from_copy and fresh.error is None and fresh.figures is not None
        hi = fresh.figures.progress.scheme("family_hi")
        vsi = fresh.figures.progress.scheme("vsi")
        assert [month.participants for month in hi.months] == [0] + [2] * 11
        assert [month.new for month in hi.months] == [0] + [2] * 11
        assert [month.participants for month in vsi.months] == [1, 1] + [0] * 10
        assert [month.new for month in vsi.months] == [1, 1] + [0] * 10
        assert hi.months[0].amount > 0 and [month.amount > 0 for month in vsi.months] == [True, True] + [False] * 10
        assert (hi.target_participants, hi.participants_percent) == (8, 25.0)

        own_server.stop()
        offline = my_progress(store, 2026, timeout=2)
        assert offline.from_copy and isinstance(offline.error, ServerUnavailable)
        assert offline.figures == fresh.figures and offline.fetched_at == fresh.fetched_at
        never = my_progress(store, 2025, timeout=2)
        assert never.figures is None and never.from_copy
