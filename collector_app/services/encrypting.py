"""Encrypting a store from before encryption, in place, at the first sign-in after the upgrade.

The user's password was checked against the plain store's argon2id hash (`users.sign_in`). Then:
1. a new data key, and the keyring (`store.keyring`): a copy for every user who has a password, made
   from their argon2id hash (`unlocking.copy_from_password_hash`: the hash's output is the key their
   password derives, so each can sign in next time without anyone knowing their password), plus the
   recovery code's copy;
2. a backup of the plain file (`backups/`), then `sqlcipher_export` into `<store>.encrypting`;
3. the copy verified: `PRAGMA integrity_check` and the row count of every table equal to the plain file's;
4. the keyring written (atomically), the plain WAL folded into the file, and the encrypted copy renamed
   over the plain file;
5. every plain backup (this one and older ones) encrypted the same way, and the plain one overwritten,
   fsync'd and deleted.

A crash before step 4's rename leaves the plain file as it was (and maybe a keyring: the next sign-in
unlocks the key from it and finishes the job with it). The overwrite in step 5 cannot reach blocks an
SSD has already moved elsewhere: the README says so.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from collector_app.domain.accounts import normalise_username
from collector_app.services import unlocking
from collector_app.store import cipher
from collector_app.store import keyring as keyring_
from collector_app.store.backup import BACKUP_FOLDER, backup_store
from collector_app.store.db import StoreError, open_store
from collector_app.store.keyring import UserEntry
from collector_app.store.private_files import create_private_file
from collector_app.store.users import all_users, password_hash_of

log = logging.getLogger(__name__)

ENCRYPTING_SUFFIX = ".encrypting"
_OVERWRITE_CHUNK = 1 << 20


@dataclass(frozen=True)
class Encrypted:
    key: bytes
    recovery_code: str | None  # None when a keyring from an interrupted attempt was finished with
    backups_encrypted: int


class EncryptionFailed(StoreError):
    """The encrypted copy did not match the plain file: the plain file is kept as it was."""


def encrypt_store(store_path: Path, *, key: bytes | None = None) -> Encrypted:
    """Encrypt the plain store at `store_path` in place (see the module's steps); the data key.

    `key`: the key of a keyring an interrupted attempt already wrote (it is kept); else a new one.
    """
    resumed = key is not None
    data_key = key if key is not None else unlocking.new_data_key()
    with open_store(store_path) as store:  # brings it to the newest schema first, as any plain store
        copies = {}
        for user in all_users(store):
            if user.has_password:
                copy = unlocking.copy_from_password_hash(data_key, user.username, password_hash_of(store, user.user_id))
                if copy is not None:
                    copies[normalise_username(user.username)] = copy
    _fold_wal(store_path)
    backup = backup_store(store_path)
    target = store_path.with_name(store_path.name + ENCRYPTING_SUFFIX)
    _remove(target)
    create_private_file(target)  # empty: ATTACH makes it the encrypted database, and it keeps this mode
    cipher.export_encrypted(store_path, target, data_key)
    _verify(store_path, target, data_key)
    code = None
    if not resumed:
        ring = keyring_.new(store_path)
        ring.users = {name: UserEntry(copy) for name, copy in copies.items()}
        code = unlocking.new_recovery_code()
        ring.recovery = keyring_.wrap_with_secret(data_key, unlocking.normal_code(code), keyring_.RECOVERY)
        ring.save()
    cipher.fsync_file(target)
    for suffix in ("-wal", "-shm"):  # the plain file's: after _fold_wal nothing is left in them
        _remove(store_path.with_name(store_path.name + suffix))
    os.replace(target, store_path)
    keyring_.fsync_folder(store_path.parent)
    count = _encrypt_backups(store_path.parent / BACKUP_FOLDER, data_key)
    log.info("store encrypted in place; plain backup %s and %d older ones encrypted", backup, count - 1)
    return Encrypted(data_key, code, count)


def _fold_wal(path: Path) -> None:
    connection = cipher.connect_plain(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _verify(plain: Path, encrypted: Path, key: bytes) -> None:
    source = cipher.connect_plain(plain)
    copy = cipher.cipher_connector(key)(encrypted)
    try:
        if cipher.is_plain_file(encrypted):
            raise EncryptionFailed(f"{encrypted}: not encrypted")
        result = copy.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise EncryptionFailed(f"{encrypted}: integrity check: {result[:3]}")
        tables = [row[0] for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%'")]  # a full-text index is counted through its own tables
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            want = source.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
            got = copy.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
            if want != got:
                raise EncryptionFailed(f"{encrypted}: table {table} has {got} rows, not {want}")
    finally:
        copy.close()
        source.close()


def _encrypt_backups(folder: Path, key: bytes) -> int:
    """Every plain store file in `folder` replaced by an encrypted copy; the plain one shredded."""
    count = 0
    if not folder.is_dir():
        return count
    for plain in sorted(folder.iterdir()):
        if not plain.is_file() or not cipher.is_plain_file(plain):
            continue
        target = plain.with_name(plain.name + ENCRYPTING_SUFFIX)
        _remove(target)
        create_private_file(target)
        cipher.export_encrypted(plain, target, key)
        _verify(plain, target, key)
        cipher.fsync_file(target)
        shred(plain)
        os.replace(target, plain)
        count += 1
    keyring_.fsync_folder(folder)
    return count


def shred(path: Path) -> None:
    """Overwrite the file with zeros, fsync, then delete it (an SSD may keep the old blocks)."""
    size = path.stat().st_size
    zeros = bytes(_OVERWRITE_CHUNK)
    fd = os.open(path, os.O_WRONLY)
    try:
        written = 0
        while written < size:
            written += os.write(fd, zeros[: min(_OVERWRITE_CHUNK, size - written)])
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
