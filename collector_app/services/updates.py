"""App updates: the newest release the province published for this system (learnt at each sync), its
download into the user's data folder, kept only once its signature (the release key the device pinned), size
and SHA-256 check, and its installation on the user's word. Never installs on its own."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from collector_app import paths
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.releases import is_newer, is_release_file_name
from collector_app.store.cipher import Connector
from collector_app.store.db import Store, open_store
from collector_app.store.sync_state import sync_state
from collector_app.sync.client import SyncClient
from collector_app.sync.engine import client_for
from collector_app.version import installed_version
from collector_app.wire import Platform, ReleaseNotice, decode_key, verify_release

UPDATES_FOLDER = "updates"
_HASH_CHUNK = 1024 * 1024

Launcher = Callable[[str, Path], None]
"""(platform, installer file): starts the system's installer."""


def this_platform() -> str | None:
    """The platform whose installers this computer takes; None where the app does not update itself."""
    if sys.platform.startswith("linux"):
        return Platform.LINUX_DEB.value
    if sys.platform == "win32":
        return Platform.WINDOWS.value
    return None


def updates_folder() -> Path:
    return paths.data_dir() / UPDATES_FOLDER


@dataclass(frozen=True)
class Update:
    """A newer release for this computer, as the province announced it."""

    platform: str
    version: str
    file_name: str
    size: int
    sha256: str
    notes: str
    published_at: str
    trusted: bool  # signed by the release key this device pinned
    downloaded: Path | None  # the verified installer in the updates folder, once there

    @property
    def api_path(self) -> str:
        return f"/releases/{self.platform}/{self.version}/file"


def available_update(store: Store, *, current: str | None = None, platform: str | None = None,
                     folder: Path | None = None) -> Update | None:
    """The release the province last published for this computer if it is newer than the running version;
    None otherwise (or before any sync brought one)."""
    platform = platform or this_platform()
    current = current or installed_version()
    folder = folder or updates_folder()
    state = sync_state(store)
    try:
        notices = json.loads(state.releases or "[]")
    except ValueError:
        return None
    notice = next((n for n in notices if isinstance(n, dict) and n.get("platform") == platform), None)
    if notice is None or not is_newer(str(notice.get("version")), current):
        return None
    trusted = _signed(notice, state.release_key)
    update = Update(platform=notice["platform"], version=notice["version"], file_name=notice["file_name"],
                    size=notice["size"], sha256=notice["sha256"], notes=notice["notes"],
                    published_at=notice["published_at"], trusted=trusted, downloaded=None)
    kept = folder / update.file_name
    if trusted and kept.is_file() and kept.stat().st_size == update.size:  # hashed again before installing
        update = _with_file(update, kept)
    return update


def _signed(notice: ReleaseNotice | dict[str, object], release_key: str | None) -> bool:
    if release_key is None or not is_release_file_name(str(notice.get("file_name", ""))):
        return False
    try:
        return verify_release(notice, decode_key(release_key))
    except (KeyError, TypeError, ValueError):
        return False


def _with_file(update: Update, path: Path) -> Update:
    return replace(update, downloaded=path)


def download_update(client: SyncClient, update: Update, *, folder: Path | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Update:
    """Download the installer (resuming a download cut off before), check it against what the release key
    signed and keep it; a file that fails is deleted and refused (DomainError). Older installers go."""
    if not update.trusted:
        raise DomainError(Problem(ProblemCode.UPDATE_UNTRUSTED, {"version": update.version}))
    folder = folder or updates_folder()
    folder.mkdir(parents=True, exist_ok=True)
    # Named by its hash: a part left by another file of the same name is never resumed into this one.
    part = folder / f"{update.sha256[:32]}.part"
    client.download(update.api_path, part, size=update.size, progress=progress)
    _check(part, update)
    kept = folder / update.file_name
    os.replace(part, kept)
    for other in folder.iterdir():
        if other != kept and other.is_file():
            other.unlink(missing_ok=True)
    return _with_file(update, kept)


def _check(path: Path, update: Update) -> None:
    """The file is what the release key signed, or it is deleted and refused."""
    size = path.stat().st_size
    if size != update.size:
        path.unlink(missing_ok=True)
        raise DomainError(Problem(ProblemCode.UPDATE_WRONG_SIZE, {"version": update.version, "size": size,
                                                                  "signed_size": update.size}))
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != update.sha256:
        path.unlink(missing_ok=True)
        raise DomainError(Problem(ProblemCode.UPDATE_TAMPERED, {"version": update.version}))


def fetch_update(store_path: Path, *, connector: Connector | None = None, folder: Path | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Update | None:
    """For the window's network lane, after a sync: the newer release, downloaded and verified when it was
    not yet, on a Store of its own (as `services.syncing.run_sync`). Raises what `download_update` raises,
    and ServerUnavailable when offline (the next sync tries again)."""
    store = open_store(store_path, connector=connector)
    try:
        update = available_update(store, folder=folder)
        if update is None or update.downloaded is not None or not update.trusted:
            return update
        client = client_for(store)
    finally:
        store.close()
    with client:
        return download_update(client, update, folder=folder, progress=progress)


def launch_installer(platform: str, path: Path) -> None:
    """Start the system's installer on `path` (the one call to the OS; tests stand in for it).

    Linux: `pkexec apt-get install -y FILE`, which asks for an administrator's password and waits until
    installed (run by the administrator, `apt-get` itself); without pkexec, the desktop's package
    installer (`xdg-open`). Windows: the Inno Setup installer, started on its own: it replaces the app once
    the app has quit.
    """
    if platform == Platform.WINDOWS:
        flags = getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        subprocess.Popen([str(path)], creationflags=flags, close_fds=True)
        return
    administrator = os.geteuid() == 0
    if administrator or shutil.which("pkexec"):
        elevate = [] if administrator else ["pkexec"]
        finished = subprocess.run([*elevate, "apt-get", "install", "-y", str(path)], check=False,
                                  capture_output=True, text=True)
        if finished.returncode != 0:
            reason = (finished.stderr.strip().splitlines() or [f"exit status {finished.returncode}"])[-1]
            raise OSError(reason)
        return
    subprocess.Popen(["xdg-open", str(path)], start_new_session=True)


def install_update(update: Update, *, launch: Launcher = launch_installer) -> None:
    """Check the kept installer once more and start it; the caller then quits the app."""
    if update.downloaded is None or not update.downloaded.is_file():
        raise DomainError(Problem(ProblemCode.UPDATE_NOT_DOWNLOADED, {"version": update.version}))
    _check(update.downloaded, update)
    try:
        launch(update.platform, update.downloaded)
    except OSError as error:
        raise DomainError(Problem(ProblemCode.UPDATE_INSTALL_FAILED, {
            "version": update.version, "reason": error.strerror or str(error)})) from None
