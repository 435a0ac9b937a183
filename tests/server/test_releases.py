"""Signed app releases on the server: `release-key new`, `publish-release` (signed, stored, refusing an older
version or another key), the changes feed that offers them and the download route, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import itertools
import os
import stat
from pathlib import Path

import pytest
import requests
from server_helpers import Device, Server, Supervisor, enrol, run

from collector_app.wire import decode_key, verify_release

_minor = itertools.count(1)


def next_version() -> str:
    """A version above every one published before in this session's servers."""
    return f"3.{next(_minor)}.0"


@pytest.fixture(scope="session")
def release_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The province's release key (private half), made once for the session's servers."""
    folder = tmp_path_factory.mktemp("release-key")
    status, _, err = run("release-key", "new", "--out", str(folder))
    assert status == 0, err
    return folder / "release-key.pem"


def installer(folder: Path, version: str, size: int = 300_000) -> Path:
    path = folder / f"collector-app_{version}_amd64.deb"
    path.write_bytes(os.urandom(size))
    return path


def publish(server: Server, path: Path, version: str, key: Path, folder: Path, *extra: str,
            platform: str = "linux-deb") -> tuple[int, str, str]:
    return run("publish-release", "--database-url", server.database_url, str(path), "--version", version,
               "--platform", platform, "--key", str(key), "--releases-dir", str(folder / "releases"), *extra)


def offered(device: Device, platform: str = "linux-deb") -> dict[str, object]:
    page = device.get("/changes").json()
    return next(r for r in page["releases"] if r["platform"] == platform)


def test_a_new_release_key_is_private_to_its_owner_and_may_be_protected_by_a_passphrase(tmp_path: Path):
    status, out, _ = run("release-key", "new", "--out", str(tmp_path / "plain"))
    assert status == 0 and "NOT protected" in out
    private = tmp_path / "plain" / "release-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert len(decode_key((tmp_path / "plain" / "release-key.pub").read_text().strip())) == 32
    status, out, _ = run("release-key", "new", "--out", str(tmp_path / "locked"), "--passphrase-stdin",
                         stdin="mật khẩu dài\n")
    assert status == 0 and "protected by its passphrase" in out
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "locked" / "release-key.pem").read_bytes()
    status, _, err = run("release-key", "new", "--out", str(tmp_path / "plain"))
    assert status == 1 and "never overwritten" in err


def test_a_published_release_is_offered_signed_and_downloads_whole_or_resumed(
        server: Server, device: Device, release_key: Path, tmp_path: Path):
    version = next_version()
    path = installer(tmp_path, version)
    status, out, err = publish(server, path, version, release_key, tmp_path, "--notes", "Sửa lỗi in biên lai")
    assert status == 0, err
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() in out
    notice = offered(device)
    assert (notice["version"], notice["size"], notice["sha256"], notice["notes"]) == (
        version, len(data), hashlib.sha256(data).hexdigest(), "Sửa lỗi in biên lai")
    public = (release_key.parent / "release-key.pub").read_text().strip()
    assert device.get("/changes").json()["reference"]["release_key"] == public
    assert verify_release(notice, decode_key(public))
    # A device enrolled from now on gets the key in its enrolment answer.
    assert enrol(server, device.point_code).get("/changes").status_code == 200
    answer = requests.get(f"{server.url}/releases/linux-deb/{version}/file", headers=device.headers, timeout=30)
    assert answer.status_code == 200 and answer.content == data
    resumed = requests.get(f"{server.url}/releases/linux-deb/{version}/file",
                           headers={**device.headers, "Range": "bytes=1000-"}, timeout=30)
    assert resumed.status_code == 206 and resumed.content == data[1000:]


def test_a_version_not_newer_than_the_last_is_refused_unless_forced(
        server: Server, device: Device, release_key: Path, tmp_path: Path):
    version = next_version()
    assert publish(server, installer(tmp_path, version), version, release_key, tmp_path)[0] == 0
    older = "3.0.5"
    status, _, err = publish(server, installer(tmp_path, older), older, release_key, tmp_path)
    assert status == 1 and f"not newer than {version}" in err
    status, _, err = publish(server, installer(tmp_path, version), version, release_key, tmp_path)
    assert status == 1 and "published already" in err
    rebuilt = installer(tmp_path, version, size=1234)
    status, out, _ = publish(server, rebuilt, version, release_key, tmp_path, "--force")
    assert status == 0 and "published again" in out
    assert offered(device)["size"] == 1234
    assert server.count("releases", platform="linux-deb", version=version) == 1


def test_a_release_signed_with_another_key_is_refused(server: Server, release_key: Path, tmp_path: Path):
    assert publish(server, installer(tmp_path, "3.900.0"), "3.900.0", release_key, tmp_path,
                   platform="windows")[0] == 0  # the province's key is the session's one
    run("release-key", "new", "--out", str(tmp_path / "other"))
    status, _, err = publish(server, installer(tmp_path, "3.901.0"), "3.901.0", tmp_path / "other" / "release-key.pem",
                             tmp_path, platform="windows")
    assert status == 1 and "not the province's release key" in err
    assert server.count("releases", version="3.901.0") == 0


def test_a_protected_key_needs_its_passphrase(server: Server, tmp_path: Path):
    run("release-key", "new", "--out", str(tmp_path / "k"), "--passphrase-stdin", stdin="đúng rồi\n")
    key = tmp_path / "k" / "release-key.pem"
    status, _, err = run("publish-release", "--database-url", server.database_url, str(installer(tmp_path, "9.0.0")),
                         "--version", "9.0.0", "--platform", "windows", "--key", str(key), "--passphrase-stdin",
                         stdin="sai\n")
    assert status == 1 and "passphrase is wrong" in err


def test_only_enrolled_devices_download_and_an_unknown_release_is_not_found(
        server: Server, device: Device, supervisor: Supervisor, release_key: Path, tmp_path: Path):
    version = next_version()
    assert publish(server, installer(tmp_path, version), version, release_key, tmp_path)[0] == 0
    path = f"/releases/linux-deb/{version}/file"
    assert requests.get(server.url + path, timeout=30).status_code == 401
    assert supervisor.get(path).status_code == 403
    assert device.get("/releases/linux-deb/99.0.0/file").status_code == 404
    assert device.get("/releases/macos/1.0.0/file").status_code == 422


def test_a_release_whose_figures_are_wrong_is_refused_before_anything_is_read(server: Server, release_key: Path,
                                                                             tmp_path: Path):
    for version, name, message in (("1.2.0rc1", "a.deb", "not a release version"),
                                   ("3.999.0", "bad name.deb", "not a plain file name")):
        path = tmp_path / name
        path.write_bytes(b"x")
        status, _, err = publish(server, path, version, release_key, tmp_path)
        assert status == 1 and message in err


def test_no_range_header_makes_a_download_fail(server: Server, device: Device, release_key: Path, tmp_path: Path):
    version = next_version()
    assert publish(server, installer(tmp_path, version, size=5000), version, release_key, tmp_path)[0] == 0
    path = f"{server.url}/releases/linux-deb/{version}/file"
    for hostile in ("bytes=999999-", "bytes=-1", "bytes=5-2", "bytes=0-0,1-1,2-2", "bytes=" + "9" * 400, "items=0-1",
                    "bytes=0-" + ",0-" * 500, "bytes=\u00ff-", ""):
        answer = requests.get(path, headers={**device.headers, "Range": hostile}, timeout=30)
        assert answer.status_code in (200, 206, 400, 416), (hostile, answer.status_code)
