"""Signed app updates from the real server on 127.0.0.1 (SQLite and PostgreSQL): the feed brings the newest
release, the device downloads it, checks it against the release key it pinned, and keeps it only when its
signature, size and SHA-256 are right; a tampered, truncated or wrongly signed one is refused and deleted.
Only the OS installer call is stood in for."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import update as sql_update
from sync_helpers import Collector, RunningServer, new_collector

from collector_app.domain.problems import DomainError, ProblemCode
from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.services import updates
from collector_app.services.updates import Update, available_update, download_update, install_update
from collector_app.store.sync_state import sync_state
from collector_app.sync.engine import client_for, sync_once
from collector_app.wire import sign_release
from provincial_server.store.schema import releases

_minor = itertools.count(1)


@pytest.fixture(scope="module")
def release_key(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The province's release key for this module's server (a server keeps the first key it published with)."""
    folder = tmp_path_factory.mktemp("release-key")
    from provincial_server import cli

    assert cli.main(["release-key", "new", "--out", str(folder)]) == 0
    return folder / "release-key.pem"


def publish(server: RunningServer, key: Path, folder: Path, size: int = 200_000) -> tuple[str, bytes, Path]:
    """A new linux-deb release of random bytes: (version, content, the server's stored file)."""
    version = f"5.{next(_minor)}.0"
    installer = folder / f"collector-app_{version}_amd64.deb"
    installer.write_bytes(content := os.urandom(size))
    out = server.admin("publish-release", str(installer), "--version", version, "--platform", "linux-deb",
                       "--key", str(key), "--releases-dir", str(folder / "server-releases"), "--notes",
                       "Sửa lỗi in biên lai", "--json")
    return version, content, Path(json.loads(out)["path"])


def pull(collector: Collector) -> Update:
    """Sync, then the update offered to this (Linux) device."""
    with collector.open() as store:
        with client_for(store) as client:
            sync_once(store, client)
        update = available_update(store, current="1.0.0", platform="linux-deb",
                                  folder=collector.data_dir / "updates")
    assert update is not None
    return update


def download(collector: Collector, update: Update) -> Update:
    with collector.open() as store, client_for(store) as client:
        return download_update(client, update, folder=collector.data_dir / "updates")


def kept(collector: Collector) -> list[str]:
    folder = collector.data_dir / "updates"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_a_published_release_reaches_the_device_and_downloads_verified(
        server: RunningServer, collector: Collector, release_key: Path, tmp_path: Path):
    version, content, _ = publish(server, release_key, tmp_path)
    update = pull(collector)  # enrolled before the release key existed on this server: pinned from the feed
    assert (update.version, update.size, update.notes, update.trusted) == (version, len(content),
                                                                           "Sửa lỗi in biên lai", True)
    with collector.open() as store:
        assert sync_state(store).release_key == (release_key.parent / "release-key.pub").read_text().strip()
    progress: list[tuple[int, int]] = []
    with collector.open() as store, client_for(store) as client:
        done = download_update(client, update, folder=collector.data_dir / "updates",
                               progress=lambda d, t: progress.append((d, t)))
    assert done.downloaded is not None and done.downloaded.read_bytes() == content
    assert progress[-1] == (len(content), len(content))
    assert kept(collector) == [update.file_name]
    # A device enrolled now gets the key in its enrolment answer, and the same offer.
    later = new_collector(tmp_path / "later", server)
    with later.open() as store:
        assert sync_state(store).release_key == (release_key.parent / "release-key.pub").read_text().strip()
    assert pull(later).trusted


def test_a_download_cut_off_resumes_where_it_stopped(server: RunningServer, collector: Collector,
                                                      release_key: Path, tmp_path: Path):
    _, content, _ = publish(server, release_key, tmp_path)
    update = pull(collector)
    folder = collector.data_dir / "updates"
    folder.mkdir()
    (folder / f"{update.sha256[:32]}.part").write_bytes(content[:70_000])
    assert download(collector, update).downloaded.read_bytes() == content  # type: ignore[union-attr]


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_tampered_or_truncated_download_is_refused_and_deleted(
        server: RunningServer, collector: Collector, release_key: Path, tmp_path: Path, damage: str):
    _, content, stored = publish(server, release_key, tmp_path)
    if damage == "flipped":
        stored.write_bytes(content[:1000] + bytes([content[1000] ^ 1]) + content[1001:])
    else:
        stored.write_bytes(content[:-5000])
    update = pull(collector)
    with pytest.raises(DomainError) as refused:
        download(collector, update)
    expected = ProblemCode.UPDATE_TAMPERED if damage == "flipped" else ProblemCode.UPDATE_WRONG_SIZE
    assert refused.value.problems[0].code == expected
    assert kept(collector) == []
    with collector.open() as store:
        assert available_update(store, current="1.0.0", platform="linux-deb",
                                folder=collector.data_dir / "updates").downloaded is None  # type: ignore[union-attr]


def test_a_release_signed_by_another_key_is_refused_and_nothing_is_kept(
        server: RunningServer, collector: Collector, release_key: Path, tmp_path: Path):
    version, content, _ = publish(server, release_key, tmp_path)
    pull(collector)  # the province's key is pinned now
    other, _ = generate_device_keys()
    forged = sign_release(platform="linux-deb", version=version, file_name=f"collector-app_{version}_amd64.deb",
                          size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                          notes="Sửa lỗi in biên lai", private_key=other)
    server.execute(sql_update(releases).where(releases.c.version == version).values(signature=forged))
    update = pull(collector)
    assert not update.trusted
    with pytest.raises(DomainError) as refused:
        download(collector, update)
    assert refused.value.problems[0].code == ProblemCode.UPDATE_UNTRUSTED
    assert kept(collector) == []


def test_notes_changed_after_signing_make_the_release_untrusted(
        server: RunningServer, collector: Collector, release_key: Path, tmp_path: Path):
    version, _, _ = publish(server, release_key, tmp_path)
    assert pull(collector).trusted
    server.execute(sql_update(releases).where(releases.c.version == version).values(notes="Bản vá khẩn cấp"))
    assert not pull(collector).trusted  # what collectors read is signed too


def test_install_checks_the_file_again_and_starts_the_installer(
        server: RunningServer, collector: Collector, release_key: Path, tmp_path: Path):
    publish(server, release_key, tmp_path)
    update = download(collector, pull(collector))
    started: list[tuple[str, Path]] = []
    install_update(update, launch=lambda platform, path: started.append((platform, path)))
    assert started == [("linux-deb", update.downloaded)]
    assert update.downloaded is not None
    update.downloaded.write_bytes(b"changed after the check")
    with pytest.raises(DomainError) as refused:
        install_update(update, launch=lambda platform, path: started.append((platform, path)))
    assert refused.value.problems[0].code == ProblemCode.UPDATE_WRONG_SIZE
    assert len(started) == 1 and kept(collector) == []


def test_the_command_line_checks_and_downloads(server: RunningServer, collector: Collector, release_key: Path,
                                               tmp_path: Path):
    version, content, _ = publish(server, release_key, tmp_path)
    assert collector.json("update", "check")["available"] is None  # nothing learnt before a sync
    assert collector.run("sync").returncode == 0
    found = collector.json("update", "check")
    assert found["platform"] == "linux-deb"
    assert (found["available"]["version"], found["available"]["trusted"], found["available"]["downloaded"]) == (
        version, True, None)
    done = collector.run("--lang", "en", "update", "download")
    assert done.returncode == 0, done.stderr
    assert f"Version {version} downloaded and checked" in done.stdout
    assert Path(collector.json("update", "check")["available"]["downloaded"]).read_bytes() == content


def test_the_linux_installer_is_apt_get_through_pkexec_or_run_directly_by_an_administrator(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The one call to the OS, stood in for: the command each kind of user gets, and apt-get's refusal."""
    installer = tmp_path / "collector-app_9.9.9_amd64.deb"
    run: list[list[str]] = []
    answer = subprocess.CompletedProcess([], 0, "", "")

    def apt(argv: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        run.append(argv)
        return answer

    monkeypatch.setattr(updates.subprocess, "run", apt)
    monkeypatch.setattr(updates.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "pkexec" else None)
    monkeypatch.setattr(updates.os, "geteuid", lambda: 1000)
    updates.launch_installer("linux-deb", installer)
    monkeypatch.setattr(updates.os, "geteuid", lambda: 0)  # pkexec would ask root for a password it need not
    updates.launch_installer("linux-deb", installer)
    assert run == [["pkexec", "apt-get", "install", "-y", str(installer)], ["apt-get", "install", "-y", str(installer)]]

    answer = subprocess.CompletedProcess([], 100, "", "Reading package lists...\nE: Sub-process /usr/bin/dpkg returned an "
                                                      "error code (1)\n")
    with pytest.raises(OSError, match=r"^E: Sub-process /usr/bin/dpkg returned an error code \(1\)$"):
        updates.launch_installer("linux-deb", installer)
