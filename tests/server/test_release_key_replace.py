"""Replacing a LOST or STOLEN release key (`release-key replace`) on a server of the test's own on 127.0.0.1,
SQLite and PostgreSQL: the new key current, every handover gone, the current releases signed again by it, the
replaced key refused by `publish-release`, and the refusals (no --devices-enrol-again, no key ever published, a
folder holding a key)."""

from __future__ import annotations

import stat
from pathlib import Path

from server_helpers import Server, run
from sqlalchemy import select, update
from test_release_key_rotation import enrolment_answer, new_key, offered, public_of, publish, reference, rotate

from collector_app.wire import encode_key, followed_release_key, verify_release
from provincial_server.store.schema import release_key, releases


def replace(server: Server, out: Path, *extra: str, stdin: str = "") -> tuple[int, str, str]:
    return run("release-key", "replace", "--database-url", server.database_url, "--out", str(out), *extra,
               stdin=stdin)


def held_key(server: Server) -> bytes:
    with server.engine.connect() as connection:
        return bytes(connection.scalar(select(release_key.c.public_key)))


def test_a_replacement_makes_a_new_key_current_removes_the_handovers_and_signs_the_offered_releases_again(
        own_server: Server, tmp_path: Path):
    k0 = new_key(tmp_path / "k0")
    for version, platform in (("1.0.0", "linux-deb"), ("1.1.0", "linux-deb"), ("1.1.0", "windows")):
        assert publish(own_server, k0, tmp_path, version, platform=platform)[0] == 0
    assert rotate(own_server, k0, tmp_path / "k1")[0] == 0
    k1 = tmp_path / "k1" / "release-key.pem"
    assert own_server.count("release_key_handovers") == 1

    # k1 is lost: the database is the authority.
    status, out, err = replace(own_server, tmp_path / "k2", "--devices-enrol-again", "--passphrase-stdin",
                               stdin="khóa thay thế\n")
    assert status == 0, err
    assert "1 handover removed" in out and "signed again: linux-deb 1.1.0, windows 1.1.0" in out
    assert "protected by its passphrase" in out and "enrol again" in out and "enrolment-code" in out
    k2 = tmp_path / "k2" / "release-key.pem"
    assert stat.S_IMODE(k2.stat().st_mode) == 0o600 and b"ENCRYPTED PRIVATE KEY" in k2.read_bytes()
    assert held_key(own_server) == public_of(k2)
    assert own_server.count("release_key_handovers") == 0

    # Devices are told the new key and no handover; enrolment pins it.
    sent = reference(own_server)
    assert (sent["release_key"], sent["release_key_handovers"]) == (encode_key(public_of(k2)), [])
    answer = enrolment_answer(own_server)
    assert (answer["release_key"], answer["release_key_handovers"]) == (encode_key(public_of(k2)), [])

    # What devices are offered checks with the new key only; the replaced keys lead nowhere.
    for notice in offered(own_server):
        assert verify_release(notice, public_of(k2))
        assert not verify_release(notice, public_of(k1)) and not verify_release(notice, public_of(k0))
    for old in (k0, k1):
        assert followed_release_key(public_of(old), public_of(k2), []) is None

    # The replaced key publishes nothing, and its refusal never suggests rotating from it; the new key publishes.
    for old in (k0, k1):
        status, _, err = publish(own_server, old, tmp_path, "1.2.0")
        assert status == 1 and "replace" in err and "rotated away" not in err and err.count("\n") == 1
    assert publish(own_server, k2, tmp_path, "1.2.0", stdin="khóa thay thế\n")[0] == 0
    assert verify_release(next(n for n in offered(own_server) if n["platform"] == "linux-deb"), public_of(k2))


def test_after_a_replacement_the_chain_restarts_at_the_new_key(own_server: Server, tmp_path: Path):
    """Handovers left from before a replacement would make a later rotation's chain unfollowable, even for a
    device that pinned the replacement key: the walk starts after the pinned key's link, and it has none."""
    k0 = new_key(tmp_path / "k0")
    assert publish(own_server, k0, tmp_path, "2.0.0")[0] == 0
    assert rotate(own_server, k0, tmp_path / "k1")[0] == 0
    old_links = reference(own_server)["release_key_handovers"]
    assert isinstance(old_links, list) and len(old_links) == 1
    assert replace(own_server, tmp_path / "k2", "--devices-enrol-again")[0] == 0
    k2 = tmp_path / "k2" / "release-key.pem"
    status, out, err = rotate(own_server, k2, tmp_path / "k3")
    assert status == 0 and "handover 1" in out, err
    k3 = tmp_path / "k3" / "release-key.pem"
    assert held_key(own_server) == public_of(k3)
    links = reference(own_server)["release_key_handovers"]
    assert isinstance(links, list) and len(links) == 1
    assert followed_release_key(public_of(k2), public_of(k3), links) == public_of(k3)
    # Had the replacement kept the k0 -> k1 link (a true one), a device pinned to k2 could not follow k3.
    assert followed_release_key(public_of(k2), public_of(k3), [*old_links, *links]) is None


def test_a_replacement_is_refused_in_one_line_without_the_flag_without_a_key_or_into_a_folder_holding_one(
        own_server: Server, tmp_path: Path):
    status, _, err = replace(own_server, tmp_path / "k1")
    assert status == 1 and "every device must enrol again" in err and "--devices-enrol-again" in err
    assert err.count("\n") == 1 and not (tmp_path / "k1").exists()

    status, _, err = replace(own_server, tmp_path / "k1", "--devices-enrol-again")
    assert status == 1 and "nothing to replace" in err and "release-key new" in err and err.count("\n") == 1
    assert not (tmp_path / "k1" / "release-key.pem").exists()

    k0 = new_key(tmp_path / "k0")
    assert publish(own_server, k0, tmp_path, "3.0.0")[0] == 0
    assert rotate(own_server, k0, tmp_path / "k1")[0] == 0
    held = (tmp_path / "k1" / "release-key.pem").read_bytes()
    status, _, err = replace(own_server, tmp_path / "k1", "--devices-enrol-again")
    assert status == 1 and "exists already" in err and err.count("\n") == 1
    assert (tmp_path / "k1" / "release-key.pem").read_bytes() == held
    assert held_key(own_server) == public_of(tmp_path / "k1" / "release-key.pem")
    assert own_server.count("release_key_handovers") == 1

    status, _, err = replace(own_server, tmp_path / "k2", "--devices-enrol-again", "--passphrase-stdin", stdin="\n")
    assert status == 1 and "passphrase" in err and err.count("\n") == 1
    assert not (tmp_path / "k2" / "release-key.pem").exists() and own_server.count("release_key_handovers") == 1


def test_a_release_changed_in_the_database_is_not_signed_again_and_is_named(own_server: Server, tmp_path: Path):
    """The new key vouches only for what the replaced one signed; with that key lost, the release is published
    again with --force and the new key."""
    k0 = new_key(tmp_path / "k0")
    assert publish(own_server, k0, tmp_path, "4.0.0")[0] == 0
    assert publish(own_server, k0, tmp_path, "4.0.0", platform="windows")[0] == 0
    own_server.execute(update(releases).where(releases.c.platform == "windows").values(notes="Bản vá khẩn cấp"))
    status, out, err = replace(own_server, tmp_path / "k1", "--devices-enrol-again")
    assert status == 0, err
    assert "signed again: linux-deb 4.0.0;" in out and "NOT signed again" in out and "windows 4.0.0" in out
    k1 = tmp_path / "k1" / "release-key.pem"
    notices = {notice["platform"]: notice for notice in offered(own_server)}
    assert verify_release(notices["linux-deb"], public_of(k1)) and not verify_release(notices["windows"], public_of(k1))
    status, _, err = publish(own_server, k1, tmp_path, "4.0.0", platform="windows")
    assert status == 1 and "--force" in err
    installer = tmp_path / "collector-app_4.0.0_windows.deb"
    assert run("publish-release", "--database-url", own_server.database_url, str(installer), "--version", "4.0.0",
               "--platform", "windows", "--key", str(k1), "--releases-dir", str(tmp_path / "releases"),
               "--force")[0] == 0
    notices = {notice["platform"]: notice for notice in offered(own_server)}
    assert verify_release(notices["windows"], public_of(k1))
