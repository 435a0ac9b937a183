"""App releases: the province's release key (a PEM file kept offline), its rotation and replacement,
publishing a signed installer, and what devices are offered and may download."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from collector_app.domain.releases import is_newer, is_release_file_name, parse_version
from collector_app.wire import ErrorCode, Platform, encode_key, sign_handover, sign_release, verify_release
from provincial_server.services.errors import Conflict, Invalid, NotFound
from provincial_server.store.releases import HandoverRow, ReleaseRow
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
    private_key: bytes = field(repr=False)  # raw 32 bytes, in memory only: signed with at once (rotation, replacement)

    def forget(self) -> None:
        """Delete the key's files: made for a rotation or a replacement that was not recorded, no device
        trusts it."""
        self.private_path.unlink(missing_ok=True)
        self.public_path.unlink(missing_ok=True)


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
        handle.flush()
        os.fsync(handle.fileno())  # on the stick before a rotation makes the province depend on it
    public_path.write_text(encode_key(public) + "\n", encoding="ascii")
    return NewKey(private_path=private_path, public_path=public_path, public_key=public,
                  private_key=key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                serialization.NoEncryption()))


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
    province's current one (devices pinned it, or follow its handovers to it). The file is written (and
    flushed) before the row is committed, so a published release always has its file.
    """
    check_release(platform, version, file_name, notes)
    sha256 = hashlib.sha256(data).hexdigest()
    public = _public_of(private_key)
    signature = sign_release(platform=platform, version=version, file_name=file_name, size=len(data), sha256=sha256,
                             notes=notes, private_key=private_key)
    target = folder / platform / version / file_name
    with uow:
        held = uow.releases.key(lock=True)
        if held is None:
            uow.releases.add_key(public, now=now)  # unless another first release was quicker: read it again
            held = uow.releases.key(lock=True)
        _require_current(uow, public, held)
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


def _require_current(uow: UnitOfWork, public: bytes, held: bytes | None) -> None:
    """Conflict unless `public` is `held`, the province's current release key (read locked: no rotation
    nor replacement moves it before the transaction ends)."""
    if held == public:
        return
    if any(handover.old_key == public for handover in uow.releases.handovers()):
        raise Conflict(ErrorCode.ALREADY_EXISTS, "this release key was rotated away (`release-key rotate`): use the "
                                                 "province's newest key, the one the last rotation made")
    # A replaced key leaves no trace in the database (its handovers go with it): it cannot be told from a
    # stranger's, so the message names both, and never suggests rotating from it.
    raise Conflict(ErrorCode.ALREADY_EXISTS, "this is not the province's release key: devices trust only the key the "
                                             "first release was signed with, or the newest one it was rotated to or "
                                             "replaced by (a key lost or stolen, then replaced with `release-key "
                                             "replace`, signs nothing any more)")


@dataclass(frozen=True)
class Rotated:
    key: NewKey
    signed_again: list[ReleaseRow]  # each platform's current release, now signed by the new key
    handovers: int  # how many the chain holds now


def rotate_release_key(uow: UnitOfWork, old_private_key: bytes, folder: Path, *, passphrase: str | None,
                       now: datetime) -> Rotated:
    """Hand the province's release key over to a new one made in `folder` (as `new_release_key`), in one
    transaction: the new key becomes the current one with the old key's handover signature, and each
    platform's current release is signed again by it, so that devices that followed the handover can
    still check what they are offered. Devices that pinned any older key follow the handovers.

    Refused: `old_private_key` is not the current key; the province has none yet; `folder` holds a key;
    a current release whose signature does not check with the old key (its figures were changed in the
    database: the new key vouches only for what the old one did). The new key's files are deleted if the
    rotation is not recorded.
    """
    old = _public_of(old_private_key)
    with uow:
        held = _held_key(uow, "rotate")
        _require_current(uow, old, held)
        offered_now, changed = _offered_checked(uow, old)
        if changed:
            raise Conflict(ErrorCode.ALREADY_EXISTS,
                           f"{changed[0].platform} {changed[0].version} is not signed by this key as it stands in the "
                           "database (its figures were changed): publish it again with --force before rotating")

        def hand_over(made: NewKey) -> None:
            uow.releases.hand_over(old_key=old, new_key=made.public_key,
                                   signature=sign_handover(old_private_key=old_private_key, new_key=made.public_key),
                                   now=now)

        handovers = len(uow.releases.handovers()) + 1  # under the key's lock: no other rotation adds one meanwhile
        made = _new_current_key(uow, folder, passphrase=passphrase, sign_again=offered_now, record=hand_over)
    return Rotated(key=made, signed_again=offered_now, handovers=handovers)


@dataclass(frozen=True)
class Replaced:
    key: NewKey
    signed_again: list[ReleaseRow]  # each platform's current release, now signed by the new key
    not_signed_again: list[ReleaseRow]  # current releases the old key had not signed as they stand: left as they are
    handovers_removed: int


def replace_release_key(uow: UnitOfWork, folder: Path, *, passphrase: str | None, now: datetime) -> Replaced:
    """Replace the province's release key, LOST or STOLEN, by a new one made in `folder` (as
    `new_release_key`), on the authority of the database alone, in one transaction: the new key becomes
    the current one, every handover is removed, and each platform's current release is signed again by it.

    The chain restarts at the new key: a device that pinned it would otherwise be sent links that do not
    start from it (wire.followed_release_key walks them from the pinned key's position), and could not
    follow a later rotation. No handover leads to the new key, so every device must enrol again (which
    pins the current key) to take updates; until then it keeps its pin and refuses what the new key signs.

    A current release whose signature does not check with the replaced key (its figures were changed in
    the database) is not signed again: the new key vouches only for what the old one did; it is published
    again with --force and the new key. Refused: the province never had a key; `folder` holds a key. The
    new key's files are deleted if the replacement is not recorded.
    """
    with uow:
        held = _held_key(uow, "replace")
        offered_now, changed = _offered_checked(uow, held)

        def replace(made: NewKey) -> None:
            uow.releases.replace_key(made.public_key, now=now)

        removed = len(uow.releases.handovers())  # under the key's lock: no rotation adds one meanwhile
        made = _new_current_key(uow, folder, passphrase=passphrase, sign_again=offered_now, record=replace)
    return Replaced(key=made, signed_again=offered_now, not_signed_again=changed, handovers_removed=removed)


def _held_key(uow: UnitOfWork, action: str) -> bytes:
    """The province's current release key, its row locked until the transaction ends; NotFound before the first."""
    held = uow.releases.key(lock=True)
    if held is None:
        raise NotFound(ErrorCode.NOT_FOUND, f"the province has no release key yet, so there is nothing to {action}: "
                                            "a province starts with `release-key new`, then `publish-release`")
    return held


def _offered_checked(uow: UnitOfWork, key: bytes) -> tuple[list[ReleaseRow], list[ReleaseRow]]:
    """Each platform's current release, split into those `key` signed as they stand in the database and the others."""
    signed: list[ReleaseRow] = []
    changed: list[ReleaseRow] = []
    for row in uow.releases.current():
        (signed if verify_release(_notice(row), key) else changed).append(row)
    return signed, changed


def _new_current_key(uow: UnitOfWork, folder: Path, *, passphrase: str | None, sign_again: list[ReleaseRow],
                     record: Callable[[NewKey], None]) -> NewKey:
    """Make a key in `folder` (as `new_release_key`), sign the releases `sign_again` with it, have `record` make
    it the province's key, and commit the caller's transaction. The key's files are deleted if it is not
    recorded: no device trusts it."""
    made = new_release_key(folder, passphrase=passphrase)
    committing = False
    try:
        for row in sign_again:
            uow.releases.sign_again(row.release_id, sign_release(
                platform=row.platform, version=row.version, file_name=row.file_name, size=row.size,
                sha256=row.sha256, notes=row.notes, private_key=made.private_key))
        record(made)
        committing = True
        uow.commit()
    except BaseException:
        if not committing:  # a commit that failed may still have happened: then the key is needed
            made.forget()
        raise
    return made


def _notice(row: ReleaseRow) -> dict[str, object]:
    return {"platform": row.platform, "version": row.version, "file_name": row.file_name, "size": row.size,
            "sha256": row.sha256, "notes": row.notes, "signature": row.signature}


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
class ReleaseKeys:
    """The province's current release key (None before the first release) and how it came to be, oldest first."""

    current: bytes | None
    handovers: list[HandoverRow]


@dataclass(frozen=True)
class Offered:
    """What devices learn of releases: the keys and each platform's last release."""

    keys: ReleaseKeys
    releases: list[ReleaseRow]


def offered(uow: UnitOfWork) -> Offered:
    with uow:
        return Offered(keys=_keys(uow), releases=uow.releases.current())


def release_keys(uow: UnitOfWork) -> ReleaseKeys:
    with uow:
        return _keys(uow)


def _keys(uow: UnitOfWork) -> ReleaseKeys:
    return ReleaseKeys(current=uow.releases.key(), handovers=uow.releases.handovers())


def release_file(uow: UnitOfWork, platform: str, version: str) -> ReleaseRow:
    """A published release whose file is in place; NotFound otherwise."""
    with uow:
        row = uow.releases.get(platform, version)
    if row is None or not Path(row.path).is_file():
        raise NotFound(ErrorCode.NOT_FOUND, f"no release {version[:40]} is published for {platform[:20]}")
    return row
