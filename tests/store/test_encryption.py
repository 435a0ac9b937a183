"""The store encrypted at rest: SQLCipher through the connector, a wrong key, backups, and no name in clear."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from signing import FULL_NAME, give_first_user, open_test_store, store_key

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.store import cipher
from collector_app.store import keyring as keyring_
from collector_app.store.backup import backup_store
from collector_app.store.db import StoreKeyError, StorePlainError, open_store
from collector_app.store.health import StoreFailure
from collector_app.store.registration import add_households

SECRET_NAME = "Hoàng Thị Bí Mật"
SECRET_ID = "079188001234"


def _household() -> NewHousehold:
    from datetime import date

    return NewHousehold(household_code=None, address="Số 12, thôn Đông", commune_code="26734", province_code="79",
                        members=(
        NewPerson(SECRET_NAME, date(1988, 3, 4), Sex.FEMALE, SECRET_ID, None, "0905123456"),))


def _filled(path: Path) -> None:
    with open_test_store(path) as store:
        give_first_user(store)
        add_households(store, [_household()], actor="test")


def _bytes_hold(path: Path, *needles: str) -> list[str]:
    data = path.read_bytes() if path.exists() else b""
    found = []
    for needle in needles:
        for encoding in ("utf-8", "utf-16-le"):
            if needle.encode(encoding) in data:
                found.append(f"{needle} ({encoding})")
    return found


def test_the_store_its_wal_and_its_backup_hold_no_name_nor_citizen_id_in_clear(store_path: Path):
    with open_test_store(store_path) as store:
        give_first_user(store)
        add_households(store, [_household()], actor="test")
        wal = store_path.with_name(store_path.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # the household is in the WAL still
        backup = backup_store(store_path, connector=store.connector)
        files = [store_path, wal, backup]
        for file in files:
            assert _bytes_hold(file, SECRET_NAME, SECRET_ID, FULL_NAME) == [], file
        assert not cipher.is_plain_file(store_path) and not cipher.is_plain_file(backup)
    # The test can fail: the same household in a plain store is found in its bytes.
    plain = store_path.with_name("plain.sqlite3")
    with open_store(plain) as store:
        add_households(store, [_household()], actor="test")
    assert _bytes_hold(plain, SECRET_NAME) or _bytes_hold(plain.with_name(plain.name + "-wal"), SECRET_NAME)
    # The backup opens with the store's key, and holds the household.
    key = store_key(store_path)
    with open_store(backup, key=key) as copy, copy.read() as connection:
        assert connection.exec_driver_sql("SELECT full_name FROM people").scalars().all() == [SECRET_NAME]


def test_a_wrong_key_is_one_clear_store_error(store_path: Path):
    _filled(store_path)
    with pytest.raises(StoreKeyError) as refused:
        open_store(store_path, key=bytes(32))
    assert "another key" in str(refused.value) or "khóa khác" in str(refused.value)
    with pytest.raises(StoreFailure):  # no key at all: the file is not one SQLite can read
        with open_store(store_path) as store, store.read() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM people").scalar()


def test_a_plain_store_opened_with_a_key_asks_to_sign_in_to_encrypt_it(store_path: Path):
    with open_store(store_path):
        pass
    with pytest.raises(StorePlainError):
        open_store(store_path, key=os.urandom(32))


def test_a_damaged_encrypted_page_is_found_not_a_traceback(store_path: Path):
    _filled(store_path)
    with open_store(store_path, key=store_key(store_path)) as store:
        with store.begin() as connection:  # everything into the main file
            connection.exec_driver_sql("SELECT 1")
    connection = cipher.cipher_connector(store_key(store_path) or b"")(store_path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    data = bytearray(store_path.read_bytes())
    page = 4096
    for offset in range(2 * page + 100, len(data) - page, page):  # a byte in every page but the first two
        data[offset] ^= 0xFF
    store_path.write_bytes(bytes(data))
    # Each page's HMAC fails: the file cannot be opened, and the message says so in one sentence.
    with pytest.raises(StoreFailure) as failure:
        with open_store(store_path, key=store_key(store_path)) as store:
            store.check_health()
    assert str(store_path) in str(failure.value) and "\n" not in str(failure.value)


def test_connections_keep_temporary_tables_in_memory(store_path: Path):
    _filled(store_path)
    connection = cipher.cipher_connector(store_key(store_path) or b"")(store_path)
    try:
        assert connection.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
        assert connection.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    finally:
        connection.close()


def _opens_with(path: Path, key: bytes, hmac: str | None) -> bool:
    connection = cipher._raw(path)
    try:
        connection.execute(cipher.key_pragma(key))
        if hmac is not None:
            connection.execute(f"PRAGMA cipher_hmac_algorithm = {hmac}")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except cipher.DATABASE_ERRORS:
        return False
    finally:
        connection.close()


def test_stores_and_encrypted_copies_authenticate_pages_with_hmac_sha256(store_path: Path, tmp_path: Path):
    _filled(store_path)
    key = store_key(store_path) or b""
    plain = tmp_path / "plain.sqlite3"
    with open_store(plain) as store:
        add_households(store, [_household()], actor="test")
    exported = tmp_path / "exported.sqlite3"
    cipher.export_encrypted(plain, exported, key)
    for path in (store_path, exported):
        assert _opens_with(path, key, "HMAC_SHA256"), path
        assert not _opens_with(path, key, None), path  # SQLCipher's default, HMAC-SHA512, is refused


def test_the_keyring_is_private_and_written_through_a_temporary_file(store_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    _filled(store_path)
    path = keyring_.keyring_path(store_path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError("the power went out")

    monkeypatch.setattr(os, "replace", crash)
    ring = keyring_.read(store_path)
    assert ring is not None
    ring.users.clear()
    with pytest.raises(OSError):
        ring.save()
    assert path.read_bytes() == before  # the old keyring, whole
