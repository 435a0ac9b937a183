"""One data key wrapped per user and by the recovery code; a plain store encrypted in place at sign-in."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from signing import FULL_NAME, PASSWORD, USERNAME, give_first_user, open_test_store, store_key

from collector_app.domain.payments import Role
from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.domain.problems import DomainError
from collector_app.services import encrypting, unlocking
from collector_app.services.users import add_user, change_password, create_first_user, disable_user, recover_password
from collector_app.store import cipher
from collector_app.store import keyring as keyring_
from collector_app.store.backup import BACKUP_FOLDER
from collector_app.store.db import open_store
from collector_app.store.registration import add_households
from collector_app.store.users import user_by_username

LAN, LAN_PASSWORD = "ctv.lan", "mật khẩu của Lan"


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [problem.code.value for problem in error.value.problems]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "collector.sqlite3"
    with open_test_store(path) as store:
        give_first_user(store)
    return path


def test_the_password_unwraps_the_key_and_a_wrong_one_is_counted_then_locks(path: Path):
    key = store_key(path)
    assert unlocking.unlock(path, USERNAME, PASSWORD) == key
    assert unlocking.usernames(path) == [USERNAME]
    now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as wrong:
            unlocking.unlock(path, USERNAME, "sai mật khẩu", now=now)
        assert codes(wrong) == ["sign_in.failed"] and wrong.value.problems[0].params["left"] == left
    with pytest.raises(DomainError) as locked:
        unlocking.unlock(path, USERNAME, "sai mật khẩu", now=now)
    assert codes(locked) == ["sign_in.locked"]
    with pytest.raises(DomainError) as still:  # the right password waits too
        unlocking.unlock(path, USERNAME, PASSWORD, now=now + timedelta(minutes=4))
    assert codes(still) == ["sign_in.locked"]
    assert unlocking.unlock(path, USERNAME, PASSWORD, now=now + timedelta(minutes=5)) == key
    ring = keyring_.read(path)
    assert ring is not None and ring.users[USERNAME].failed_sign_ins == 0


def test_a_copy_cannot_be_moved_to_another_name(path: Path):
    ring = keyring_.read(path)
    assert ring is not None
    ring.users["mallory"] = ring.users[USERNAME]
    ring.save()
    with pytest.raises(DomainError) as refused:
        unlocking.unlock(path, "mallory", PASSWORD)
    assert codes(refused) == ["sign_in.failed"]


def test_adding_changing_and_disabling_users_wrap_rewrap_and_delete_copies(path: Path):
    with open_test_store(path) as store:
        collector = user_by_username(store, USERNAME)
        assert collector is not None
        add_user(store, actor=collector, username=LAN, role=Role.COLLABORATOR, password=LAN_PASSWORD)
        assert unlocking.unlock(path, LAN, LAN_PASSWORD) == store.key
        store_bytes = path.read_bytes()
        change_password(store, actor=collector, username=LAN, new_password="Lan đổi mật khẩu")
        assert path.read_bytes() == store_bytes  # a new password never re-encrypts the store
        with pytest.raises(DomainError):
            unlocking.unlock(path, LAN, LAN_PASSWORD)
        assert unlocking.unlock(path, LAN, "Lan đổi mật khẩu") == store.key
        with pytest.raises(DomainError) as wrong_current:  # one's own password: the current one is asked
            change_password(store, actor=collector, username=USERNAME, new_password="khác hẳn 2027",
                             current_password="không phải")
        assert codes(wrong_current) == ["user.password_wrong"]
        disable_user(store, actor=collector, username=LAN)
    ring = keyring_.read(path)
    assert ring is not None and LAN not in ring.users
    with pytest.raises(DomainError) as disabled:
        unlocking.unlock(path, LAN, "Lan đổi mật khẩu")
    assert codes(disabled) == ["sign_in.disabled"]


def test_the_recovery_code_sets_a_new_password_and_a_wrong_code_changes_nothing(tmp_path: Path):
    path = tmp_path / "collector.sqlite3"
    key = unlocking.new_data_key()
    code = unlocking.start(path, key, USERNAME, PASSWORD)
    assert len(code) == 35 and [len(group) for group in code.split("-")] == [5] * 6
    with open_store(path, key=key) as store:
        from collector_app.services.device import set_up

        set_up(store)
        assert create_first_user(store, username=USERNAME, full_name=FULL_NAME, password=PASSWORD).recovery_code is None
    before = keyring_.keyring_path(path).read_bytes()
    with pytest.raises(DomainError) as wrong:
        recover_password(path, code="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF", username=USERNAME, new_password="mới 2027 nhé")
    assert codes(wrong) == ["sign_in.recovery_code_wrong"]
    assert keyring_.keyring_path(path).read_bytes() == before
    typed = code.lower().replace("-", " ").replace("o", "0")  # as copied from paper
    recover_password(path, code=typed, username=USERNAME, new_password="mới 2027 nhé")
    assert unlocking.unlock(path, USERNAME, "mới 2027 nhé") == key


def test_the_first_user_of_a_store_without_a_keyring_gets_the_recovery_code(tmp_path: Path):
    path = tmp_path / "collector.sqlite3"
    key = unlocking.new_data_key()
    with open_store(path, key=key) as store:
        from collector_app.services.device import set_up

        set_up(store)
        code = create_first_user(store, username=USERNAME, full_name=FULL_NAME, password=PASSWORD).recovery_code
    assert code is not None and unlocking.recover(path, code) == key


def _plain_store_with_two_users(path: Path) -> None:
    with open_store(path) as store:  # plain, as the app made it before encryption
        collector = give_first_user(store)
        add_user(store, actor=collector, username=LAN, role=Role.COLLABORATOR, password=LAN_PASSWORD)
        add_households(store, [NewHousehold(household_code=None, address="Số 12, thôn Đông", commune_code="26734",
                                            province_code="79", members=(NewPerson(
                                                "Hoàng Thị Bí Mật", date(1988, 3, 4), Sex.FEMALE, "079188001234"),))],
                       actor="test")


def test_a_plain_store_is_encrypted_in_place_and_every_user_signs_in_after(tmp_path: Path):
    path = tmp_path / "data" / "collector.sqlite3"
    _plain_store_with_two_users(path)
    # An older plain backup lies in backups/ too: it is encrypted as well.
    from collector_app.store.backup import backup_store

    older = backup_store(path)
    assert cipher.is_plain_file(older)
    done = encrypting.encrypt_store(path)
    assert done.recovery_code is not None and done.backups_encrypted == 2
    assert not cipher.is_plain_file(path)
    backups = list((path.parent / BACKUP_FOLDER).iterdir())
    assert len(backups) == 2 and not any(cipher.is_plain_file(b) for b in backups)
    assert not any(b.name.endswith(encrypting.ENCRYPTING_SUFFIX) for b in path.parent.rglob("*"))
    for file in [path, *backups]:
        assert "Bí Mật".encode() not in file.read_bytes() and b"079188001234" not in file.read_bytes()
    # Lan never signed in after the upgrade: her copy was made from her argon2id hash.
    assert unlocking.unlock(path, LAN, LAN_PASSWORD) == done.key
    assert unlocking.unlock(path, USERNAME, PASSWORD) == done.key
    with open_store(path, key=done.key) as store, store.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM people").scalar() == 1
    with open_store(backups[0], key=done.key) as copy, copy.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM users").scalar() >= 2


def test_a_crash_before_the_swap_leaves_the_plain_store_usable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "data" / "collector.sqlite3"
    _plain_store_with_two_users(path)

    def crash(*_args: object) -> None:
        raise encrypting.EncryptionFailed("killed while verifying")

    with monkeypatch.context() as patched:
        patched.setattr(encrypting, "_verify", crash)
        with pytest.raises(encrypting.EncryptionFailed):
            encrypting.encrypt_store(path)
    assert cipher.is_plain_file(path) and not unlocking.is_encrypted(path)
    with open_store(path) as store, store.read() as connection:  # plain and whole
        assert connection.exec_driver_sql("SELECT count(*) FROM people").scalar() == 1
    assert encrypting.encrypt_store(path).recovery_code is not None  # the next sign-in does it


def test_a_crash_after_the_keyring_is_written_is_finished_with_its_key(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "data" / "collector.sqlite3"
    _plain_store_with_two_users(path)
    real_replace = os.replace

    def crash(source: object, target: object) -> None:
        if str(source).endswith(encrypting.ENCRYPTING_SUFFIX):
            raise OSError("the power went out")
        real_replace(source, target)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", crash)
        with pytest.raises(OSError):
            encrypting.encrypt_store(path)
    assert cipher.is_plain_file(path) and unlocking.is_encrypted(path)
    key = unlocking.unlock(path, USERNAME, PASSWORD)
    done = encrypting.encrypt_store(path, key=key)
    assert done.key == key and done.recovery_code is None and not cipher.is_plain_file(path)
    with open_store(path, key=key) as store, store.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM people").scalar() == 1
