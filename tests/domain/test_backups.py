"""The pure rules of backups: rotation, when the day's backup is owed, and where numbering continues
after a restore (never below any number known to have been issued; a new series when none can be known)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from collector_app.domain.backups import (
    Rotation,
    closing_backup_due,
    day_backup_due,
    is_series_of,
    kept_by_rotation,
    numbering_after_restore,
    restart_symbol,
)

START = datetime(2025, 1, 1, 18, tzinfo=UTC)


def test_rotation_keeps_the_newest_of_each_recent_day_week_and_month():
    created = [START + timedelta(days=day) for day in range(400)]
    kept = {created[index] for index in kept_by_rotation(created)}
    newest = created[-1]
    assert {newest - timedelta(days=n) for n in range(7)} <= kept
    assert len({moment.isocalendar()[:2] for moment in kept}) >= 4
    assert len({(moment.year, moment.month) for moment in kept}) == 12
    assert len(kept) <= 7 + 4 + 12


def test_rotation_keeps_the_newest_of_a_day_with_several():
    created = [START, START + timedelta(hours=1), START + timedelta(hours=2)]
    assert kept_by_rotation(created, Rotation(1, 1, 1)) == {2}


@given(st.lists(st.integers(0, 2000), min_size=1, max_size=60), st.integers(1, 10), st.integers(1, 6),
       st.integers(1, 14))
def test_rotation_always_keeps_the_newest_and_never_more_than_the_counts(hours, daily, weekly, monthly):
    created = [START + timedelta(hours=hour * 7) for hour in hours]
    kept = kept_by_rotation(created, Rotation(daily, weekly, monthly))
    assert any(created[index] == max(created) for index in kept)
    assert len(kept) <= daily + weekly + monthly


def test_the_days_backup_is_owed_once_after_a_day_that_recorded_something():
    today = date(2026, 3, 3)
    assert day_backup_due(last_write_day=date(2026, 3, 2), last_backup_day=None, today=today)
    assert day_backup_due(last_write_day=date(2026, 3, 2), last_backup_day=date(2026, 3, 1), today=today)
    assert not day_backup_due(last_write_day=date(2026, 3, 2), last_backup_day=date(2026, 3, 2), today=today)
    assert not day_backup_due(last_write_day=date(2026, 3, 2), last_backup_day=today, today=today)
    assert not day_backup_due(last_write_day=today, last_backup_day=None, today=today)  # the day is not over
    assert not day_backup_due(last_write_day=None, last_backup_day=None, today=today)  # nothing recorded


def test_closing_owes_a_backup_when_something_was_recorded_since_the_last():
    write = START + timedelta(hours=1)
    assert closing_backup_due(last_write_day=write.date(), last_backup=START, last_write=write)
    assert not closing_backup_due(last_write_day=write.date(), last_backup=write + timedelta(seconds=1),
                                  last_write=write)
    assert not closing_backup_due(last_write_day=None, last_backup=None, last_write=None)


highest = st.dictionaries(st.tuples(st.sampled_from(["BD01M1", "BD01M1R1"]), st.integers(2025, 2027)),
                          st.integers(1, 9_999_999), max_size=4)


@given(highest, st.one_of(st.none(), highest), st.one_of(st.none(), highest))
def test_numbering_continues_after_every_number_any_source_knows(backup, replaced, server):
    numbering = numbering_after_restore(backup=backup, replaced=replaced, server=server)
    for known in (backup, replaced or {}, server or {}):
        for key, number in known.items():
            assert numbering.floors[key] >= number
    assert numbering.new_series == (replaced is None)


def test_restart_series_are_the_devices_own_and_no_other():
    assert restart_symbol("BD01M1", 0) == "BD01M1" and restart_symbol("BD01M1", 2) == "BD01M1R2"
    assert is_series_of("BD01M1", "BD01M1") and is_series_of("BD01M1R1", "BD01M1")
    assert is_series_of("BD01M1R12", "BD01M1")
    for other in ("BD01M2", "BD01M1R", "BD01M1R0", "BD01M1X1", "BD01M1R1A", "BD01M1R١", "BD01M"):
        assert not is_series_of(other, "BD01M1"), other
