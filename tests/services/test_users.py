"""Users, passwords and roles as the services enforce them, on a real store file."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector_app.domain.accounts import LOCK_DURATION, MAX_FAILED_SIGN_INS
from collector_app.domain.payments import Role
from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.services import users as service
from collector_app.services.device import device_of, set_up
from collector_app.store.db import Store
from collector_app.store.users import all_users, password_hash_of, user_by_id, user_by_username
from signing import open_test_store

PASSWORD = "Mật khẩu thử 2026"
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_test_store(tmp_path / "store.sqlite3") as opened:
        set_up(opened)
        yield opened


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[ProblemCode]:
    return [problem.code for problem in error.value.problems]


@pytest.fixture
def first(store: Store):
    return service.create_first_user(store, username="thu.nguyen", full_name="Nguyễn Thị Thu", password=PASSWORD).user


def test_a_device_set_up_has_nobody_to_sign_in_as_until_the_first_user(store: Store) -> None:
    with pytest.raises(DomainError) as error:
        service.sign_in(store, "collector", PASSWORD)
    assert codes(error) == [ProblemCode.SIGN_IN_NO_USERS]
    assert all_users(store) == []


def test_the_first_user_is_a_collector_with_an_argon2id_hash_and_signs_in(store: Store, first) -> None:
    assert first.role is Role.COLLECTOR and first.full_name == "Nguyễn Thị Thu"
    assert password_hash_of(store, first.user_id).startswith("$argon2id$")
    assert PASSWORD not in password_hash_of(store, first.user_id)
    signed = service.sign_in(store, "Thu.Nguyen", PASSWORD, now=NOW, remember=True)
    assert signed.user_id == first.user_id and signed.last_sign_in_at == NOW
    # it replaced the passwordless placeholder, which can no longer act
    assert device_of(store).default_user_id == first.user_id
    assert user_by_username(store, "collector") is None
    with pytest.raises(DomainError) as error:
        service.create_first_user(store, username="other", full_name=None, password=PASSWORD)
    assert codes(error) == [ProblemCode.FIRST_USER_EXISTS]


def test_the_placeholder_of_an_older_device_is_taken_over_by_a_first_user_of_its_name(store: Store) -> None:
    placeholder = device_of(store).default_user_id
    user = service.create_first_user(store, username="collector", full_name="Lê Văn Nam", password=PASSWORD).user
    assert user.user_id == placeholder and user.full_name == "Lê Văn Nam"


def test_a_password_typed_with_decomposed_vietnamese_marks_is_the_same_password(store: Store, first) -> None:
    decomposed = unicodedata.normalize("NFD", PASSWORD)
    assert decomposed != PASSWORD
    assert service.sign_in(store, "thu.nguyen", decomposed).user_id == first.user_id


@pytest.mark.parametrize("password, code", [
    ("ngắn", ProblemCode.PASSWORD_TOO_SHORT),
    ("x" * 257, ProblemCode.PASSWORD_TOO_LONG),
    ("mật\u200bkhẩu dài", ProblemCode.PASSWORD_UNSAFE),
])
def test_passwords_that_are_refused(store: Store, password: str, code: ProblemCode) -> None:
    with pytest.raises(DomainError) as error:
        service.create_first_user(store, username="thu", full_name=None, password=password)
    assert codes(error) == [code]
    assert all_users(store) == []


def test_eight_vietnamese_letters_are_a_password(store: Store) -> None:
    user = service.create_first_user(store, username="thu", full_name=None, password="đường ưu").user
    assert service.sign_in(store, "thu", "đường ưu").user_id == user.user_id


@pytest.mark.parametrize("username", ["a", "Thu Nguyễn", "thư", "-thu", "x" * 33])
def test_usernames_that_are_refused(store: Store, username: str) -> None:
    with pytest.raises(DomainError) as error:
        service.create_first_user(store, username=username, full_name=None, password=PASSWORD)
    assert codes(error) == [ProblemCode.USERNAME_FORMAT]


def test_five_wrong_passwords_lock_for_five_minutes_then_the_right_one_works(store: Store, first) -> None:
    for attempt in range(1, MAX_FAILED_SIGN_INS):
        with pytest.raises(DomainError) as error:
            service.sign_in(store, "thu.nguyen", "sai mật khẩu", now=NOW)
        assert codes(error) == [ProblemCode.SIGN_IN_FAILED]
        assert error.value.problems[0].params["left"] == MAX_FAILED_SIGN_INS - attempt
    with pytest.raises(DomainError) as error:
        service.sign_in(store, "thu.nguyen", "sai mật khẩu", now=NOW)
    assert codes(error) == [ProblemCode.SIGN_IN_LOCKED]
    assert error.value.problems[0].params["until"] == NOW + LOCK_DURATION
    # while locked, even the right password is not tried
    with pytest.raises(DomainError) as error:
        service.sign_in(store, "thu.nguyen", PASSWORD, now=NOW + LOCK_DURATION - timedelta(seconds=1))
    assert codes(error) == [ProblemCode.SIGN_IN_LOCKED]
    # after the lock, a wrong password counts from one again, and the right one signs in
    with pytest.raises(DomainError) as error:
        service.sign_in(store, "thu.nguyen", "sai", now=NOW + LOCK_DURATION)
    assert error.value.problems[0].params["left"] == MAX_FAILED_SIGN_INS - 1
    assert service.sign_in(store, "thu.nguyen", PASSWORD, now=NOW + LOCK_DURATION).failed_sign_ins == 0


def test_a_collector_adds_collaborators_only_and_a_supervisor_anyone(store: Store, first) -> None:
    helper = service.add_user(store, actor=first, username="ctv.lan", role="collaborator",
                              full_name="Trần Thị Lan", password="mật khẩu lan").user
    assert helper.role is Role.COLLABORATOR
    for role in (Role.COLLECTOR, Role.SUPERVISOR):
        with pytest.raises(DomainError) as error:
            service.add_user(store, actor=first, username=f"x.{role.value}", role=role, password=PASSWORD)
        assert codes(error) == [ProblemCode.ROLE_MAY_NOT_MANAGE_USER]
    with pytest.raises(DomainError) as error:
        service.add_user(store, actor=helper, username="ctv.hoa", role="collaborator", password=PASSWORD)
    assert codes(error) == [ProblemCode.ROLE_MAY_NOT_MANAGE_USER]
    with pytest.raises(DomainError) as error:
        service.add_user(store, actor=first, username="ctv.lan", role="collaborator", password=PASSWORD)
    assert codes(error) == [ProblemCode.USERNAME_TAKEN]
    with pytest.raises(DomainError) as error:
        service.add_user(store, actor=first, username="ctv.hoa", role="boss", password=PASSWORD)
    assert codes(error) == [ProblemCode.ROLE_UNKNOWN]
    assert [u.username for u in all_users(store)] == ["ctv.lan", "thu.nguyen"]


def _supervisor(store: Store, first):
    # only a supervisor adds a supervisor: the first one on a device is written as the set-up would
    from collector_app.store import accounts
    return accounts.add_user(store, username="gs.hai", full_name="Phạm Văn Hải", role=Role.SUPERVISOR,
                             actor="test", password_hash=service.hash_password(PASSWORD))


def test_only_a_supervisor_unlocks_a_locked_user(store: Store, first) -> None:
    helper = service.add_user(store, actor=first, username="ctv.lan", role="collaborator",
                              password="mật khẩu lan").user
    for _attempt in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(DomainError):
            service.sign_in(store, "ctv.lan", "sai mật khẩu")
    with pytest.raises(DomainError) as error:
        service.unlock_user(store, actor=first, username="ctv.lan")
    assert codes(error) == [ProblemCode.ROLE_MAY_NOT_UNLOCK_USERS]
    service.unlock_user(store, actor=_supervisor(store, first), username="ctv.lan")
    assert service.sign_in(store, "ctv.lan", "mật khẩu lan").user_id == helper.user_id


def test_passwords_change_for_oneself_and_for_managed_users_only(store: Store, first) -> None:
    helper = service.add_user(store, actor=first, username="ctv.lan", role="collaborator",
                              password="mật khẩu lan").user
    with pytest.raises(DomainError) as error:
        service.change_password(store, actor=first, username="thu.nguyen", new_password="mới hơn nữa",
                                current_password="không đúng")
    assert codes(error) == [ProblemCode.PASSWORD_WRONG]
    service.change_password(store, actor=first, username="thu.nguyen", new_password="mới hơn nữa",
                            current_password=PASSWORD)
    assert service.sign_in(store, "thu.nguyen", "mới hơn nữa").user_id == first.user_id
    service.change_password(store, actor=first, username="ctv.lan", new_password="lan đổi rồi")
    assert service.sign_in(store, "ctv.lan", "lan đổi rồi").user_id == helper.user_id
    with pytest.raises(DomainError) as error:
        service.change_password(store, actor=helper, username="thu.nguyen", new_password="chiếm quyền đây")
    assert codes(error) == [ProblemCode.ROLE_MAY_NOT_MANAGE_USER]


def test_a_disabled_user_cannot_sign_in_and_nobody_disables_themselves(store: Store, first) -> None:
    service.add_user(store, actor=first, username="ctv.lan", role="collaborator", password="mật khẩu lan")
    with pytest.raises(DomainError) as error:
        service.disable_user(store, actor=first, username="thu.nguyen")
    assert codes(error) == [ProblemCode.USER_CANNOT_DISABLE_SELF]
    disabled = service.disable_user(store, actor=first, username="ctv.lan").user
    assert not disabled.active
    with pytest.raises(DomainError) as error:
        service.sign_in(store, "ctv.lan", "mật khẩu lan")
    assert codes(error) == [ProblemCode.SIGN_IN_DISABLED]
    assert user_by_id(store, disabled.user_id) is not None  # records keep naming them


def test_a_collaborator_may_not_change_the_names_printed_on_receipts(store: Store, first) -> None:
    helper = service.add_user(store, actor=first, username="ctv.lan", role="collaborator",
                              password="mật khẩu lan").user
    with pytest.raises(DomainError) as error:
        set_up(store, point_name="Điểm thu khác", actor=helper)
    assert codes(error) == [ProblemCode.ROLE_MAY_NOT_CHANGE_SETTINGS]
    assert device_of(store).point_name != "Điểm thu khác"
    assert set_up(store, point_name="Điểm thu khác", actor=first).point_name == "Điểm thu khác"
