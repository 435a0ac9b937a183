"""The command line on an encrypted store: init shows the recovery code once, `user recover`, and an
older plain store encrypted at the first sign-in, as real processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from signing import PASSWORD, USERNAME

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from old_stores import store_at_revision  # noqa: E402

from collector_app.paths import STORE_FILE_NAME  # noqa: E402
from collector_app.services import unlocking  # noqa: E402
from collector_app.store.cipher import is_plain_file  # noqa: E402
from collector_app.store.db import open_store  # noqa: E402
from collector_app.store.keyring import keyring_path  # noqa: E402

APP = str(Path(sys.executable).with_name("collector-app"))
CODE = re.compile(r"\b[A-Z2-7]{5}(?:-[A-Z2-7]{5}){5}\b")


def run(data_dir: Path, *args: str, stdin: str = "", password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG", "COLLECTOR_APP_PASSWORD"}}
    environment.update(COLLECTOR_APP_DATA_DIR=str(data_dir), COLLECTOR_APP_USER=USERNAME)
    if password is not None:
        environment["COLLECTOR_APP_PASSWORD"] = password
    return subprocess.run([APP, "--lang", "en", *args], input=stdin, capture_output=True, text=True, timeout=120,
                          env=environment)


def test_init_encrypts_a_new_store_shows_the_recovery_code_once_and_it_sets_a_new_password(tmp_path: Path):
    made = run(tmp_path, "init", "--point-code", "DA07", "--point-name", "Điểm thu xã Đông Hội")
    assert made.returncode == 0, made.stderr
    codes = CODE.findall(made.stderr)
    assert len(codes) == 1 and "office safe" in made.stderr and not CODE.search(made.stdout)
    store = tmp_path / STORE_FILE_NAME
    assert not is_plain_file(store) and keyring_path(store).exists()
    again = run(tmp_path, "init")
    assert again.returncode == 0 and not CODE.search(again.stdout + again.stderr)  # once only
    assert run(tmp_path, "demo", "--people", "20").returncode == 0
    assert "Nguy".encode() not in store.read_bytes()

    wrong = run(tmp_path, "user", "recover", USERNAME, "--stdin", stdin="AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\nmới đây 2027\n")
    assert wrong.returncode == 1 and "recovery code is wrong" in wrong.stderr and "Traceback" not in wrong.stderr
    recovered = run(tmp_path, "user", "recover", USERNAME, "--stdin", stdin=f"{codes[0]}\nmới đây 2027\n")
    assert recovered.returncode == 0, recovered.stderr
    assert run(tmp_path, "search", "nguyen").returncode == 1  # the old password no longer opens it
    assert run(tmp_path, "search", "nguyen", password="mới đây 2027").returncode == 0


def test_a_wrong_password_is_one_line_and_opens_nothing(tmp_path: Path):
    assert run(tmp_path, "init").returncode == 0
    wrong = run(tmp_path, "search", "nguyen", password="sai")
    lines = [line for line in wrong.stderr.splitlines() if line.strip()]
    assert wrong.returncode == 1 and len(lines) == 1 and "Wrong password" in lines[0]


def test_an_older_plain_store_is_encrypted_at_init_with_its_first_user(tmp_path: Path):
    store = tmp_path / STORE_FILE_NAME
    store_at_revision(store, "0002")  # a store of an early release: no users yet
    assert is_plain_file(store)
    made = run(tmp_path, "init")
    assert made.returncode == 0, made.stderr
    assert "now encrypted" in made.stderr and len(CODE.findall(made.stderr)) == 1
    assert not is_plain_file(store) and unlocking.usernames(store) == [USERNAME]
    backups = list((tmp_path / "backups").iterdir())
    assert backups and not any(is_plain_file(backup) for backup in backups)
    assert run(tmp_path, "status").returncode == 0


def test_a_plain_store_with_users_is_encrypted_at_the_first_sign_in(tmp_path: Path):
    from signing import give_first_user

    store = tmp_path / STORE_FILE_NAME
    with open_store(store) as plain:  # as the previous version left it
        give_first_user(plain)
    first = run(tmp_path, "status")
    assert first.returncode == 0, first.stderr
    assert "now encrypted" in first.stderr and len(CODE.findall(first.stderr)) == 1
    assert not is_plain_file(store)
    second = run(tmp_path, "status")
    assert second.returncode == 0 and "encrypted" not in second.stderr


def test_an_encrypted_store_whose_keyring_is_gone_says_so_and_gets_no_new_one(tmp_path: Path):
    assert run(tmp_path, "init").returncode == 0
    store = tmp_path / STORE_FILE_NAME
    keyring_path(store).unlink()
    for args in (("status",), ("init",)):
        refused = run(tmp_path, *args)
        lines = [line for line in refused.stderr.splitlines() if line.strip()]
        assert refused.returncode == 1 and len(lines) == 1 and "key file" in lines[0], refused.stderr
    assert not keyring_path(store).exists()
