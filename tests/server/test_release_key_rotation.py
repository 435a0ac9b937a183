"""Rotating the province's release key (`release-key rotate`) on a server of the test's own on 127.0.0.1, SQLite
and PostgreSQL: the handover the old key signs, the current releases signed again by the new key, what devices
are sent, and the refusals (a key rotated away, a folder holding a key, a province without a key)."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import requests
from server_helpers import Server, enrol, enrolment_code, new_point, run
from sqlalchemy import select, update

from collector_app.domain.receipt_codes import generate_device_keys
from collector_app.wire import (
    decode_key,
    encode_key,
    followed_release_key,
    sign_enrolment,
    verify_handover,
    verify_release,
)
from provincial_server.store.schema import release_key_handovers, releases


def new_key(folder: Path, *, passphrase: str | None = None) -> Path:
    """A release key made with `release-key new` in `folder`; its private half."""
    extra = ("--passphrase-stdin",) if passphrase else ()
    status, _, err = run("release-key", "new", "--out", str(folder), *extra, stdin=f"{passphrase}\n")
    assert status == 0, err
    return folder / "release-key.pem"


def public_of(private: Path) -> bytes:
    return decode_key((private.parent / "release-key.pub").read_text().strip())


def publish(server: Server, key: Path, folder: Path, version: str, *, platform: str = "linux-deb",
            stdin: str = "") -> tuple[int, str, str]:
    installer = folder / f"collector-app_{version}_{platform}.deb"
    installer.write_bytes(version.encode() * 1000)
    extra = ("--passphrase-stdin",) if stdin else ()
    return run("publish-release", "--database-url", server.database_url, str(installer), "--version", version,
               "--platform", platform, "--key", str(key), "--releases-dir", str(folder / "releases"), *extra,
               stdin=stdin)


def rotate(server: Server, key: Path, out: Path, *, stdin: str = "") -> tuple[int, str, str]:
    extra = ("--passphrase-stdin",) if stdin else ()
    return run("release-key", "rotate", "--database-url", server.database_url, "--key", str(key), "--out", str(out),
               *extra, stdin=stdin)


def reference(server: Server) -> dict[str, object]:
    page: dict[str, object] = enrol(server, new_point(server)).get("/changes").json()["reference"]
    return page


def enrolment_answer(server: Server) -> dict[str, object]:
    private_key, public_key = generate_device_keys()
    device_id, code = str(uuid.uuid4()), enrolment_code(server, new_point(server))
    body = {"code": code, "device_id": device_id, "device_name": "Laptop điểm thu",
            "public_key": encode_key(public_key),
            "signature": sign_enrolment(code=code, device_id=device_id, public_key=public_key,
                                        private_key=private_key)}
    response = requests.post(f"{server.url}/devices/enrol", json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def signature_of(server: Server, version: str) -> str:
    with server.engine.connect() as connection:
        return str(connection.scalar(select(releases.c.signature).where(releases.c.version == version)))


def offered(server: Server) -> list[dict[str, object]]:
    notices: list[dict[str, object]] = enrol(server, new_point(server)).get("/changes").json()["releases"]
    return notices


def test_a_rotation_hands_over_to_a_new_key_and_signs_the_offered_releases_again(own_server: Server, tmp_path: Path):
    k0 = new_key(tmp_path / "k0", passphrase="khóa cũ")
    unlock = "khóa cũ\n"
    for version, platform in (("1.0.0", "linux-deb"), ("1.1.0", "linux-deb"), ("1.1.0", "windows")):
        assert publish(own_server, k0, tmp_path, version, platform=platform, stdin=unlock)[0] == 0
    before = signature_of(own_server, "1.0.0")

    status, out, err = rotate(own_server, k0, tmp_path / "k1", stdin=unlock + "khóa mới\n")
    assert status == 0, err
    assert "signed again: linux-deb 1.1.0, windows 1.1.0" in out and "protected by its passphrase" in out
    k1 = tmp_path / "k1" / "release-key.pem"
    assert stat.S_IMODE(k1.stat().st_mode) == 0o600 and b"ENCRYPTED PRIVATE KEY" in k1.read_bytes()

    # Devices are told the new key and the handover the old one signed.
    sent = reference(own_server)
    assert sent["release_key"] == (tmp_path / "k1" / "release-key.pub").read_text().strip()
    handovers = sent["release_key_handovers"]
    assert isinstance(handovers, list) and [link["key"] for link in handovers] == [sent["release_key"]]
    assert verify_handover(public_of(k0), public_of(k1), handovers[0]["signature"])
    assert not verify_handover(public_of(k1), public_of(k1), handovers[0]["signature"])
    answer = enrolment_answer(own_server)
    assert (answer["release_key"], answer["release_key_handovers"]) == (sent["release_key"], handovers)

    # What devices are offered now checks with the new key, not the old; an older release keeps its signature.
    notices = offered(own_server)
    assert {(n["platform"], n["version"]) for n in notices} == {("linux-deb", "1.1.0"), ("windows", "1.1.0")}
    for notice in notices:
        assert verify_release(notice, public_of(k1)) and not verify_release(notice, public_of(k0))
    assert signature_of(own_server, "1.0.0") == before

    # Only the newest key publishes from now on, and the refusal names the rotation.
    status, _, err = publish(own_server, k0, tmp_path, "1.2.0", stdin=unlock)
    assert status == 1 and "rotated away" in err and err.count("\n") == 1
    assert publish(own_server, k1, tmp_path, "1.2.0", stdin="khóa mới\n")[0] == 0
    assert verify_release(next(n for n in offered(own_server) if n["platform"] == "linux-deb"), public_of(k1))


def test_rotating_twice_chains_the_handovers_and_only_the_newest_key_rotates_again(own_server: Server,
                                                                                   tmp_path: Path):
    k0 = new_key(tmp_path / "k0")
    assert publish(own_server, k0, tmp_path, "2.0.0")[0] == 0
    assert rotate(own_server, k0, tmp_path / "k1")[0] == 0
    k1 = tmp_path / "k1" / "release-key.pem"
    status, out, err = rotate(own_server, k1, tmp_path / "k2")
    assert status == 0 and "handover 2" in out and "NOT protected" in out, err
    k2 = tmp_path / "k2" / "release-key.pem"

    sent = reference(own_server)
    handovers = sent["release_key_handovers"]
    assert isinstance(handovers, list) and len(handovers) == 2
    assert verify_handover(public_of(k0), public_of(k1), handovers[0]["signature"])
    assert verify_handover(public_of(k1), public_of(k2), handovers[1]["signature"])
    assert followed_release_key(public_of(k0), public_of(k2), handovers) == public_of(k2)
    assert verify_release(offered(own_server)[0], public_of(k2))

    for old in (k0, k1):  # each rotated away: refused in one line, nothing made, nothing changed
        status, _, err = rotate(own_server, old, tmp_path / f"again-{old.parent.name}")
        assert status == 1 and "rotated away" in err and err.count("\n") == 1
        assert not (tmp_path / f"again-{old.parent.name}" / "release-key.pem").exists()
    assert own_server.count("release_key_handovers") == 2
    stranger = new_key(tmp_path / "stranger")
    status, _, err = rotate(own_server, stranger, tmp_path / "k3")
    assert status == 1 and "not the province's release key" in err and "rotated to" in err


def test_a_rotation_is_refused_in_one_line_without_a_key_into_a_folder_holding_one_or_over_a_changed_release(
        own_server: Server, tmp_path: Path):
    k0 = new_key(tmp_path / "k0")
    status, _, err = rotate(own_server, k0, tmp_path / "k1")
    assert status == 1 and "nothing to rotate" in err and "release-key new" in err and err.count("\n") == 1
    assert not (tmp_path / "k1").exists()

    assert publish(own_server, k0, tmp_path, "3.0.0")[0] == 0
    taken = new_key(tmp_path / "taken")
    held = taken.read_bytes()
    status, _, err = rotate(own_server, k0, tmp_path / "taken")
    assert status == 1 and "exists already" in err and err.count("\n") == 1
    assert taken.read_bytes() == held
    assert own_server.count("release_key_handovers") == 0
    assert verify_release(offered(own_server)[0], public_of(k0))

    # The new key vouches only for what the old one signed: a release changed in the database is not signed again.
    own_server.execute(update(releases).where(releases.c.version == "3.0.0").values(notes="Bản vá khẩn cấp"))
    status, _, err = rotate(own_server, k0, tmp_path / "k1")
    assert status == 1 and "linux-deb 3.0.0 is not signed by this key" in err and err.count("\n") == 1
    assert not (tmp_path / "k1" / "release-key.pem").exists() and own_server.count("release_key_handovers") == 0

    status, _, err = rotate(own_server, k0, tmp_path / "k1", stdin="\n\n")
    assert status == 1 and "passphrase" in err and err.count("\n") == 1  # an empty one for the new key
    with own_server.engine.connect() as connection:
        assert connection.execute(select(release_key_handovers)).all() == []
