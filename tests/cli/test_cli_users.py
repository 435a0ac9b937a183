"""`init` with a first user, signing in on every command, and `user add|list|passwd|disable|unlock`, as
real processes with the password on standard input or in the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from signing import open_test_store, store_key

from collector_app.paths import STORE_FILE_NAME
from collector_app.store.db import open_store
from collector_app.store.users import password_hash_of, user_by_username

APP = str(Path(sys.executable).with_name("collector-app"))
PASSWORD = "Mật khẩu của Thu"
LAN_PASSWORD = "mật khẩu của Lan"


def run(data_dir: Path, *args: str, stdin: str | None = None, user: str | None = "thu.nguyen",
        password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"COLLECTOR_APP_LANG", "COLLECTOR_APP_USER", "COLLECTOR_APP_PASSWORD"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    if user is not None:
        environment["COLLECTOR_APP_USER"] = user
    if password is not None:
        environment["COLLECTOR_APP_PASSWORD"] = password
    return subprocess.run([APP, *args], input=stdin or "", capture_output=True, text=True, timeout=120,
                          env=environment)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    made = run(folder, "init", "--user", "thu.nguyen", "--full-name", "Nguyễn Thị Thu", "--password-stdin",
               stdin=PASSWORD + "\n", user=None, password=None)
    assert made.returncode == 0, made.stderr
    assert "thu.nguyen" in made.stdout
    return folder


def test_init_makes_the_first_user_from_standard_input_with_an_argon2id_hash(data_dir: Path):
    with open_test_store(data_dir / STORE_FILE_NAME, user="thu.nguyen", password=PASSWORD) as store:
        user = user_by_username(store, "thu.nguyen")
        assert user is not None and user.full_name == "Nguyễn Thị Thu" and user.role.value == "collector"
        assert password_hash_of(store, user.user_id).startswith("$argon2id$")
    again = run(data_dir, "init", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["default_user"] == "thu.nguyen"


def test_a_wrong_or_missing_password_is_one_line_and_the_command_does_nothing(data_dir: Path):
    wrong = run(data_dir, "search", "nguyen", password="sai mật khẩu")
    assert wrong.returncode == 1 and "Sai mật khẩu của thu.nguyen" in one_line(wrong)
    missing = run(data_dir, "search", "nguyen", password=None)
    assert missing.returncode == 2 and "COLLECTOR_APP_PASSWORD" in one_line(missing)
    nobody = run(data_dir, "search", "nguyen", user=None)
    assert nobody.returncode == 2 and "--user" in one_line(nobody)
    english = run(data_dir, "--lang", "en", "demo", "--people", "10", password="wrong")
    assert english.returncode == 1 and "Wrong password for thu.nguyen" in one_line(english)
    assert json.loads(run(data_dir, "search", "a", "--json").stdout) == []  # the demo wrote nothing


def test_the_password_may_come_from_standard_input(data_dir: Path):
    result = run(data_dir, "status", "--password-stdin", "--json", stdin=PASSWORD + "\n", password=None)
    assert result.returncode == 0, result.stderr


def test_quote_and_check_id_need_nobody(tmp_path: Path):
    quote = run(tmp_path / "empty", "quote", "hi", "--members", "1", "--months", "12", "--date", "2026-08-01",
                "--json", user=None, password=None)
    assert quote.returncode == 0 and json.loads(quote.stdout)["total"] == 1366200
    assert run(tmp_path / "empty", "check-id", "068195000123", user=None, password=None).returncode == 0


def test_a_command_on_a_device_without_users_says_how_to_make_one_and_makes_no_store(tmp_path: Path):
    result = run(tmp_path / "new", "search", "nguyen")
    assert result.returncode == 1 and "init --user" in one_line(result)
    assert not (tmp_path / "new" / STORE_FILE_NAME).exists()


def test_five_wrong_passwords_lock_the_user_and_a_supervisor_unlocks(data_dir: Path):
    key = store_key(data_dir / STORE_FILE_NAME, user="thu.nguyen", password=PASSWORD)  # before the lock
    for _attempt in range(4):
        assert run(data_dir, "status", password="sai").returncode == 1
    locked = run(data_dir, "status", password="sai")
    assert "bị khóa" in one_line(locked)
    assert "bị khóa" in one_line(run(data_dir, "status"))  # the right password waits too
    with open_store(data_dir / STORE_FILE_NAME, key=key) as store:  # the province's supervisor on this device
        from collector_app.domain.payments import Role
        from collector_app.services import unlocking
        from collector_app.services.users import hash_password
        from collector_app.store.accounts import add_user
        add_user(store, username="gs.hai", full_name="Phạm Văn Hải", role=Role.SUPERVISOR, actor="test",
                 password_hash=hash_password("giám sát 2026"))
        unlocking.set_password(store.path, key, "gs.hai", "giám sát 2026")  # the key wrapped for them
    unlocked = run(data_dir, "user", "unlock", "thu.nguyen", user="gs.hai", password="giám sát 2026")
    assert unlocked.returncode == 0, unlocked.stderr
    assert run(data_dir, "status").returncode == 0


def test_a_collector_adds_a_collaborator_who_may_not_add_anyone_nor_void(data_dir: Path):
    added = run(data_dir, "user", "add", "ctv.lan", "--role", "collaborator", "--full-name", "Phạm Thị Lan",
                "--password-stdin", stdin=LAN_PASSWORD + "\n")
    assert added.returncode == 0 and "ctv.lan" in added.stdout
    refused = run(data_dir, "user", "add", "thu.le", "--role", "collector", "--password-stdin",
                  stdin="mật khẩu mới đây\n")
    assert refused.returncode == 1 and "không được quản lý" in one_line(refused)
    by_lan = run(data_dir, "user", "add", "ctv.hoa", "--role", "collaborator", "--password-stdin",
                 stdin="mật khẩu mới đây\n", user="ctv.lan", password=LAN_PASSWORD)
    assert by_lan.returncode == 1
    users = json.loads(run(data_dir, "user", "list", "--json").stdout)
    assert [(u["username"], u["role"], u["full_name"]) for u in users] == [
        ("ctv.lan", "collaborator", "Phạm Thị Lan"), ("thu.nguyen", "collector", "Nguyễn Thị Thu")]
    changed = run(data_dir, "user", "passwd", "ctv.lan", "--password-stdin", stdin="lan đổi mật khẩu\n")
    assert changed.returncode == 0
    assert run(data_dir, "status", user="ctv.lan", password="lan đổi mật khẩu").returncode == 0
    disabled = run(data_dir, "user", "disable", "ctv.lan")
    assert disabled.returncode == 0
    assert "vô hiệu hóa" in one_line(run(data_dir, "status", user="ctv.lan", password="lan đổi mật khẩu"))
    assert [u["username"] for u in json.loads(run(data_dir, "user", "list", "--all", "--json").stdout)] == [
        "ctv.lan", "thu.nguyen"]


def test_a_short_new_password_is_refused_and_nothing_changes(data_dir: Path):
    result = run(data_dir, "user", "add", "ctv.lan", "--role", "collaborator", "--password-stdin", stdin="ngắn\n")
    assert result.returncode == 1 and "quá ngắn" in one_line(result)
    assert [u["username"] for u in json.loads(run(data_dir, "user", "list", "--json").stdout)] == ["thu.nguyen"]


def test_a_reader_that_stops_early_gets_no_error_line(data_dir: Path):
    assert run(data_dir, "demo", "--people", "200").returncode == 0
    piped = subprocess.run(f"'{APP}' search a --limit 100 | head -1", shell=True, capture_output=True, text=True,
                           timeout=120, env={**os.environ, "COLLECTOR_APP_DATA_DIR": str(data_dir),
                                             "COLLECTOR_APP_USER": "thu.nguyen", "COLLECTOR_APP_PASSWORD": PASSWORD})
    assert piped.stdout.count("\n") == 1
    assert piped.stderr == ""
