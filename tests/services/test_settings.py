"""This device's settings: stored for a command without a display, checked value by value, and
changed only by a role that may (a collaborator may not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services.changes import Change
from collector_app.services.device import acting_user
from collector_app.services.settings import (
    Settings,
    SettingsRefused,
    change_settings,
    current_settings,
    settings_view,
)
from collector_app.store.accounts import add_user
from collector_app.store.db import Store
from collector_app.store.device import this_device
from collector_app.store.sync_state import sync_state
from signing import open_test_store

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def store(tmp_path: Path):
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        yield opened


def test_a_new_device_has_the_default_settings(store: Store) -> None:
    assert current_settings(store) == Settings(default_printer=None, default_layout="a5", idle_lock_minutes=10,
                                               language="vi")


def test_a_collector_changes_every_setting_and_another_store_on_the_file_reads_them(
    store: Store, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text(PEM)

    result = change_settings(
        store, actor=acting_user(store), default_printer="Quầy 1", default_layout="roll80", idle_lock_minutes=30,
        language="en", point_name="Điểm thu xã Đông Hội", organisation="Bưu điện tỉnh Nghệ An",
        form_number="C45-BB/2026", server_url="https://bhxh.example.vn", ca_bundle=str(ca),
    )

    assert result.changes == {Change.SETTINGS}
    assert set(result.changed) == {"default_printer", "default_layout", "idle_lock_minutes", "language",
                                   "point_name", "organisation", "form_number", "server_url", "ca_bundle"}
    with open_test_store(store.path) as other:
        assert current_settings(other) == Settings("Quầy 1", "roll80", 30, "en")
        view = settings_view(other)
        assert (view.point_name, view.organisation, view.form_number) == (
            "Điểm thu xã Đông Hội", "Bưu điện tỉnh Nghệ An", "C45-BB/2026")
        assert (view.server_url, view.ca_bundle) == ("https://bhxh.example.vn", str(ca))


def test_saving_the_same_values_changes_nothing(store: Store) -> None:
    view = settings_view(store)
    device = this_device(store)
    result = change_settings(store, actor=acting_user(store), default_layout="a5", idle_lock_minutes=10,
                             point_name=view.point_name)

    assert result.changed == () and result.changes == frozenset()
    assert this_device(store) == device


def test_an_empty_printer_or_ca_file_forgets_it(store: Store, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text(PEM)
    change_settings(store, actor=acting_user(store), default_printer="Quầy 1", ca_bundle=str(ca))

    change_settings(store, actor=acting_user(store), default_printer="  ", ca_bundle="")

    assert current_settings(store).default_printer is None
    assert sync_state(store).ca_bundle is None


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"idle_lock_minutes": 0}, "idle_lock_minutes", ProblemCode.SETTINGS_IDLE_LOCK_OUT_OF_RANGE),
        ({"idle_lock_minutes": 241}, "idle_lock_minutes", ProblemCode.SETTINGS_IDLE_LOCK_OUT_OF_RANGE),
        ({"default_layout": "a4"}, "default_layout", ProblemCode.SETTINGS_LAYOUT_UNKNOWN),
        ({"language": "fr"}, "language", ProblemCode.SETTINGS_LANGUAGE_UNKNOWN),
        ({"point_name": "   "}, "point_name", ProblemCode.SETTINGS_TEXT_EMPTY),
        ({"organisation": "Bưu điện\u202e"}, "organisation", ProblemCode.TEXT_UNSAFE_CHARACTERS),
        ({"form_number": "C45" * 10}, "form_number", ProblemCode.TEXT_TOO_LONG),
        ({"default_printer": "Quầy\x1b[2J"}, "default_printer", ProblemCode.TEXT_UNSAFE_CHARACTERS),
        ({"server_url": "bhxh.example.vn"}, "server_url", ProblemCode.SETTINGS_SERVER_URL_INVALID),
        ({"ca_bundle": "/no/such/ca.pem"}, "ca_bundle", ProblemCode.SETTINGS_CA_FILE_UNREADABLE),
    ],
)
def test_a_value_that_cannot_be_saved_is_refused_beside_its_field_and_nothing_is_saved(
    store: Store, values: dict[str, object], field: str, code: ProblemCode
) -> None:
    before = (current_settings(store), settings_view(store))

    with pytest.raises(SettingsRefused) as refused:
        change_settings(store, actor=acting_user(store), **{"idle_lock_minutes": 20, **values})  # type: ignore[arg-type]

    assert list(refused.value.fields) == [field]
    assert [problem.code for problem in refused.value.fields[field]] == [code]
    assert (current_settings(store), settings_view(store)) == before


def test_a_file_that_holds_no_certificate_is_not_a_ca_file(store: Store, tmp_path: Path) -> None:
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello")

    with pytest.raises(SettingsRefused) as refused:
        change_settings(store, actor=acting_user(store), ca_bundle=str(not_pem))

    assert list(refused.value.fields) == ["ca_bundle"]


def test_a_collaborator_may_not_change_settings_and_nothing_changes(store: Store) -> None:
    add_user(store, username="ctv.lan", full_name="Phạm Thị Lan", role=Role.COLLABORATOR, actor="test")
    collaborator = acting_user(store, "ctv.lan")
    before = (current_settings(store), settings_view(store))

    with pytest.raises(DomainError) as refused:
        change_settings(store, actor=collaborator, default_printer="Quầy 1", point_name="Điểm khác")

    assert [problem.code for problem in refused.value.problems] == [ProblemCode.ROLE_MAY_NOT_CHANGE_SETTINGS]
    assert (current_settings(store), settings_view(store)) == before


def test_a_supervisor_may_change_settings(store: Store) -> None:
    add_user(store, username="gs.minh", full_name="Trần Văn Minh", role=Role.SUPERVISOR, actor="test")

    change_settings(store, actor=acting_user(store, "gs.minh"), idle_lock_minutes=5)

    assert current_settings(store).idle_lock_minutes == 5
