"""App releases: the province's release key (a PEM file kept offline), publishing a signed installer, and
what devices are offered and may download."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from collector_app.domain.releases import is_newer, is_release_file_name, parse_version
from collector_app.wire import ErrorCode, Platform, encode_key, sign_release
from provincial_server.services.errors import Conflict, Invalid, NotFound
from provincial_server.store.releases import ReleaseRow
from provincial_server.store.unit_of_work import UnitOfWork

PRIVATE_KEY_FILE = "release-key.pem"
PUBLIC_KEY_FILE = "release-key.pub"
PLATFORMS = tuple(platform.value for platform in Platform)
NOTES_CHARACTERS = 2_000


class ReleaseKeyError(Exception):
    """The key file cannot be used; the message says why in a clause after the file's name."""


@dataclass(frozen=True)
class NewKey:
    private_path: Path
    public_path: Path
    public_key: bytes  # raw 32 bytes


def new_release_key(folder: Path, *, passphrase: str | None) -> NewKey:
    """Make a release key in `folder`: the private half as PEM (PKCS#8, encrypted when a passphrase is
    given), readable by its owner only, and the public half (base64url raw, one line). Never overwrites."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists():
            raise ReleaseKeyError(f"{path} exists already: a release key is never overwritten (devices trust it)")
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase
        else serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    # O_EXCL with mode 0600: the private key is never readable by others, not even for a moment.
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public_path.write_text(encode_key(public) + "\n", encoding="ascii")
    return NewKey(private_path=private_path, public_path=public_path, public_key=public)


def key_is_encrypted(pem: bytes) -> bool:
    return b"ENCRYPTED PRIVATE KEY" in pem


def load_release_key(pem: bytes, *, passphrase: str | None) -> bytes:
    """The raw private key of a release key file's bytes; ReleaseKeyError if they are not one."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase.encode("utf-8") if passphrase else None)
    except TypeError:  # a passphrase given for a plain key, or none for an encrypted one
        raise ReleaseKeyError("is protected by a passphrase" if key_is_encrypted(pem)
                              else "is not protected by a passphrase: give none") from None
    except ValueError:
        raise ReleaseKeyError("is not a release key, or the passphrase is wrong" if key_is_encrypted(pem)
                              else "is not a release key (a PEM file made by `release-key new`)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ReleaseKeyError("is not an Ed25519 key (a PEM file made by `release-key new`)")
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def _public_of(private_key: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Published:
    platform: str
    version: str
    file_name: str
    size: int
    sha256: str
    path: Path
    replaced: bool  # the same version was published before (--force)


def check_release(platform: str, version: str, file_name: str, notes: str) -> None:
    """The release's own figures; Invalid naming the first that is wrong."""
    if platform not in PLATFORMS:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"the platform must be one of {', '.join(PLATFORMS)}")
    if parse_version(version) is None:
        raise Invalid(ErrorCode.REQUEST_INVALID,
                      f"{version[:40]!r} is not a release version: dotted whole numbers, e.g. 1.2.0")
    if not is_release_file_name(file_name):
        raise Invalid(ErrorCode.REQUEST_INVALID, f"{file_name[:60]!r} is not a plain file name: rename the installer "
                                                 "to letters, digits, '.', '_', '+' and '-' only")
    if len(notes) > NOTES_CHARACTERS:
        raise Invalid(ErrorCode.REQUEST_INVALID, f"the notes are longer than {NOTES_CHARACTERS:,} characters")


def publish_release(uow: UnitOfWork, data: bytes, *, file_name: str, platform: str, version: str, private_key: bytes,
                    notes: str, force: bool, folder: Path, now: datetime) -> Published:
    """Sign the installer's figures with the release key, keep the file in `folder` and publish it.

    Refused: a version not newer than the platform's last one (unless `force`), a key other than the
    one the province published with before (devices pinned that one). The file is written (and
    flushed) before the row is committed, so a published release always has its file.
    """
    check_release(platform, version, file_name, notes)
    sha256 = hashlib.sha256(data).hexdigest()
    public = _public_of(private_key)
    signature = sign_release(platform=platform, version=version, file_name=file_name, size=len(data), sha256=sha256,
                             notes=notes, private_key=private_key)
    target = folder / platform / version / file_name
    with uow:
        held = uow.releases.key()
        if held is None:
            uow.releases.add_key(public, now=now)
        elif held != public:
            raise Conflict(ErrorCode.ALREADY_EXISTS, "this is not the province's release key: devices trust only the "
                                                     "key the first release was signed with")
        previous = uow.releases.of_platform(platform)
        same = next((row for row in previous if row.version == version), None)
        if not force:
            if same is not None:
                raise Conflict(ErrorCode.ALREADY_EXISTS,
                               f"{platform} {version} is published already (--force publishes it again)")
            if previous and not is_newer(version, previous[0].version):
                raise Conflict(ErrorCode.ALREADY_EXISTS,
                               f"{platform} {version} is not newer than {previous[0].version}, the last one published "
                               "(--force publishes it anyway)")
        if same is not None:
            uow.releases.remove(platform, version)
        _write_file(target, data)
        uow.releases.add(platform=platform, version=version, file_name=file_name, size=len(data), sha256=sha256,
                         signature=signature, notes=notes, path=str(target), now=now)
        uow.commit()
    if same is not None and Path(same.path) != target:
        Path(same.path).unlink(missing_ok=True)
    return Published(platform=platform, version=version, file_name=file_name, size=len(data), sha256=sha256,
                     path=target, replaced=same is not None)


def _write_file(target: Path, data: bytes) -> None:
    """Write through a temporary file renamed into place: a download never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".publishing-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Offered:
    """What devices learn of releases: the key to pin and each platform's last release."""

    release_key: bytes | None
    releases: list[ReleaseRow]


def offered(uow: UnitOfWork) -> Offered:
    with uow:
        return Offered(release_key=uow.releases.key(), releases=uow.releases.current())


def release_key(uow: UnitOfWork) -> bytes | None:
    with uow:
        return uow.releases.key()


def release_file(uow: UnitOfWork, platform: str, version: str) -> ReleaseRow:
    """A published release whose file is in place; NotFound otherwise."""
    with uow:
        row = uow.releases.get(platform, version)
    if row is None or not Path(row.path).is_file():
        raise NotFound(ErrorCode.NOT_FOUND, f"no release {version[:40]} is published for {platform[:20]}")
    return row
