"""The keyring beside the store: the store's data key, wrapped once per user and once by the recovery code.

The file `<store>.keyring.json` (private to the user, as the store is) holds for each username the
argon2id parameters and salt, and the data key encrypted with AES-256-GCM under the key argon2id
derives from the password (the username is the associated data, so a copy cannot be moved to another
name); plus one copy under the recovery code. Unwrapping a copy IS the password check: a wrong password
fails the GCM tag, and argon2 runs once per sign-in. The wrong-password count and the lock live here
too, since they must work before the store can be opened. Nothing personal is here: usernames only.

Every write goes to a temporary file, fsync'd, then renamed over the old one (and the folder fsync'd):
a crash leaves the old keyring or the new one, never neither.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from collector_app.i18n import _
from collector_app.store.db import StoreError
from collector_app.store.private_files import PRIVATE_FILE, private_file, private_folder

SUFFIX = ".keyring.json"
VERSION = 1
RECOVERY = "recovery"  # the associated data of the recovery code's copy
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16

# RFC 9106's second recommended profile (argon2-cffi's defaults): 64 MiB, 3 passes, 4 lanes.
TIME_COST = 3
MEMORY_COST_KIB = 65_536
PARALLELISM = 4


class KeyringError(StoreError):
    """The keyring file is missing or cannot be read (message for the user)."""

    def __init__(self, path: Path, details: str) -> None:
        super().__init__(_(
            "The key file {path} cannot be read ({details}); without it the data file cannot be opened. "
            "Put back the key file saved with the data file."
        ).format(path=path, details=details))


@dataclass(frozen=True)
class Kdf:
    """argon2id's parameters for one copy; `salt` random per copy."""

    salt: bytes
    time_cost: int = TIME_COST
    memory_cost: int = MEMORY_COST_KIB
    parallelism: int = PARALLELISM
    hash_len: int = DATA_KEY_BYTES

    @classmethod
    def fresh(cls) -> Kdf:
        return cls(salt=secrets.token_bytes(SALT_BYTES))

    def derive(self, secret: str) -> bytes:
        return hash_secret_raw(secret.encode("utf-8"), self.salt, time_cost=self.time_cost,
                               memory_cost=self.memory_cost, parallelism=self.parallelism,
                               hash_len=self.hash_len, type=Type.ID)


@dataclass(frozen=True)
class Copy:
    """The data key wrapped under one secret (a password or the recovery code)."""

    kdf: Kdf
    nonce: bytes
    wrapped: bytes

    def open_with(self, wrapping_key: bytes, aad: str) -> bytes | None:
        """The data key, or None when `wrapping_key` is not this copy's (a wrong password)."""
        try:
            return AESGCM(wrapping_key).decrypt(self.nonce, self.wrapped, aad.encode("utf-8"))
        except (InvalidTag, ValueError):
            return None


def wrap(data_key: bytes, wrapping_key: bytes, kdf: Kdf, aad: str) -> Copy:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return Copy(kdf, nonce, AESGCM(wrapping_key).encrypt(nonce, data_key, aad.encode("utf-8")))


def wrap_with_secret(data_key: bytes, secret: str, aad: str) -> Copy:
    kdf = Kdf.fresh()
    return wrap(data_key, kdf.derive(secret), kdf, aad)


@dataclass
class UserEntry:
    copy: Copy
    failed_sign_ins: int = 0
    locked_until: datetime | None = None


@dataclass
class Keyring:
    """The whole file, read; `save` writes it back atomically."""

    path: Path
    users: dict[str, UserEntry] = field(default_factory=dict)
    recovery: Copy | None = None
    disabled: set[str] = field(default_factory=set)
    """Users whose copy was deleted when they were disabled: signing in says so, rather than "unknown"."""

    def save(self) -> None:
        document = {
            "version": VERSION,
            "users": {name: {**_copy_json(entry.copy), "failed_sign_ins": entry.failed_sign_ins,
                             "locked_until": None if entry.locked_until is None else entry.locked_until.isoformat()}
                      for name, entry in sorted(self.users.items())},
            "recovery": None if self.recovery is None else _copy_json(self.recovery),
            "disabled": sorted(self.disabled),
        }
        write_atomically(self.path, json.dumps(document, indent=2).encode("utf-8") + b"\n")


def keyring_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + SUFFIX)


def exists(store_path: Path) -> bool:
    return keyring_path(store_path).is_file()


def read(store_path: Path) -> Keyring | None:
    """The keyring beside the store at `store_path`; None when there is none (a plain store, or none)."""
    path = keyring_path(store_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise KeyringError(path, str(error.strerror or error)) from error
    try:
        document = json.loads(raw)
        if document.get("version") != VERSION:
            raise ValueError(f"version {document.get('version')!r}")
        users = {str(name): UserEntry(_copy_of(entry), int(entry.get("failed_sign_ins", 0)),
                                      _when(entry.get("locked_until")))
                 for name, entry in document["users"].items()}
        recovery = None if document.get("recovery") is None else _copy_of(document["recovery"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise KeyringError(path, str(error)) from error
    return Keyring(path, users, recovery, {str(name) for name in document.get("disabled", [])})


def new(store_path: Path) -> Keyring:
    return Keyring(keyring_path(store_path))


def write_atomically(path: Path, data: bytes) -> None:
    """`data` into `path` through a private temporary file, fsync'd, renamed over it, folder fsync'd."""
    private_folder(path.parent)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    private_file(partial)
    os.replace(partial, path)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _copy_json(copy: Copy) -> dict[str, Any]:
    kdf = copy.kdf
    return {"kdf": {"type": "argon2id", "time_cost": kdf.time_cost, "memory_cost": kdf.memory_cost,
                    "parallelism": kdf.parallelism, "hash_len": kdf.hash_len, "salt": _b64(kdf.salt)},
            "nonce": _b64(copy.nonce), "wrapped": _b64(copy.wrapped)}


def _copy_of(entry: dict[str, Any]) -> Copy:
    kdf = entry["kdf"]
    if kdf.get("type") != "argon2id":
        raise ValueError(f"unknown key derivation {kdf.get('type')!r}")
    return Copy(
        Kdf(salt=base64.b64decode(kdf["salt"], validate=True), time_cost=int(kdf["time_cost"]),
            memory_cost=int(kdf["memory_cost"]), parallelism=int(kdf["parallelism"]), hash_len=int(kdf["hash_len"])),
        base64.b64decode(entry["nonce"], validate=True), base64.b64decode(entry["wrapped"], validate=True))


def _when(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))
