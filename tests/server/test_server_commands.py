"""The `provincial-server` command line: summary, import of batch files, migrations, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from pg_cluster import TemporaryCluster
from server_helpers import SERVER_EXE, Device, Server, family_hi_payment, summary, vsi_payment
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from collector_app.domain.policy import PolicyTable
from collector_app.wire import (
    answer_file_name,
    batch_file,
    batch_file_name,
    canonical_json,
    decode_key,
    verify_document,
)
from provincial_server import cli
from provincial_server.settings import ServerSettings
from provincial_server.store.db import head_revision, normalise_url


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SERVER_EXE), *args], capture_output=True, text=True, timeout=120, check=False)


def test_summary_counts_batches_records_and_the_payments_total(server: Server, device: Device,
                                                                policy_table: PolicyTable):
    before = summary(server)
    records = [family_hi_payment(device, policy_table), vsi_payment(device, policy_table)]
    batch = device.seal(records)
    device.upload(batch)
    device.upload(device.seal(records))  # the same two payments again: received, not stored twice
    after = json.loads(run("summary", "--json", "--database-url", server.database_url).stdout)
    assert after["batches"] - before["batches"] == 2
    assert after["records"] - before["records"] == 4
    assert after["duplicate_records"] - before["duplicate_records"] == 2
    assert after["payments"] - before["payments"] == 2
    assert after["payments_total"] - before["payments_total"] == batch["total_amount"]


def _write_batch_files(folder: Path, device: Device, table: PolicyTable, batches: int) -> list[str]:
    ids = []
    for _ in range(batches):
        batch = device.seal([family_hi_payment(device, table), family_hi_payment(device, table, members=3)])
        (folder / batch_file_name(batch["batch_id"])).write_text(
            json.dumps(batch_file(batch, device.private_key), ensure_ascii=False), encoding="utf-8")
        ids.append(batch["batch_id"])
    return ids


def test_import_batches_receives_signed_files_and_writes_signed_answers_beside_them(
    server: Server, device: Device, policy_table: PolicyTable, tmp_path: Path
):
    ids = _write_batch_files(tmp_path, device, policy_table, 2)
    result = run("import-batches", str(tmp_path), "--json", "--database-url", server.database_url)
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)
    assert [(o["batch_id"], o["status"], o["accepted"], o["rejected"]) for o in outcomes] == sorted(
        [(batch_id, "received", 2, 0) for batch_id in ids])
    for batch_id in ids:
        document = json.loads((tmp_path / answer_file_name(batch_id)).read_text(encoding="utf-8"))
        assert verify_document(document["answer"], document["signature"], decode_key(device.server_public_key))
        # The device sees the same answer when it next syncs.
        assert device.get(f"/batches/{batch_id}").content == canonical_json(document["answer"])


def test_importing_the_same_folder_again_stores_nothing_new_and_writes_the_same_answers(
    server: Server, device: Device, policy_table: PolicyTable, tmp_path: Path
):
    ids = _write_batch_files(tmp_path, device, policy_table, 2)
    run("import-batches", str(tmp_path), "--database-url", server.database_url)
    answers = {batch_id: (tmp_path / answer_file_name(batch_id)).read_bytes() for batch_id in ids}
    before = summary(server)
    again = run("import-batches", str(tmp_path), "--database-url", server.database_url)
    assert again.returncode == 0
    assert again.stdout.count("replayed, 2 accepted, 0 rejected") == 2
    assert summary(server) == before
    assert {batch_id: (tmp_path / answer_file_name(batch_id)).read_bytes() for batch_id in ids} == answers


def test_a_batch_file_whose_signature_does_not_match_is_refused_without_an_answer(
    server: Server, device: Device, policy_table: PolicyTable, tmp_path: Path
):
    [batch_id] = _write_batch_files(tmp_path, device, policy_table, 1)
    path = tmp_path / batch_file_name(batch_id)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["batch"]["records"][0]["payload"]["payer_name"] = "Kẻ gian"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run("import-batches", str(tmp_path), "--database-url", server.database_url)
    assert result.returncode == 1
    assert "refused: file.bad_signature" in result.stdout
    assert not (tmp_path / answer_file_name(batch_id)).exists()
    assert server.count("batches", batch_id=batch_id) == 0


def test_a_batch_uploaded_and_then_imported_from_a_file_is_stored_once(
    server: Server, device: Device, policy_table: PolicyTable, tmp_path: Path
):
    batch = device.seal([family_hi_payment(device, policy_table)])
    uploaded = device.upload(batch)
    (tmp_path / batch_file_name(batch["batch_id"])).write_text(json.dumps(batch_file(batch, device.private_key)))
    result = run("import-batches", str(tmp_path), "--json", "--database-url", server.database_url)
    assert json.loads(result.stdout)[0]["status"] == "replayed"
    answer = json.loads((tmp_path / answer_file_name(batch["batch_id"])).read_text())["answer"]
    assert canonical_json(answer) == uploaded.content


def test_import_batches_refuses_each_file_that_is_not_a_batch_file_in_one_line_and_imports_the_others(
    server: Server, device: Device, policy_table: PolicyTable, tmp_path: Path
):
    [good] = _write_batch_files(tmp_path, device, policy_table, 1)
    [other] = _write_batch_files(tmp_path / "elsewhere", device, policy_table, 1) if (
        tmp_path / "elsewhere").mkdir() is None else []
    sealed = (tmp_path / batch_file_name(good)).read_bytes()
    os.mkfifo(tmp_path / "fifo.json")  # hung the import for ever
    (tmp_path / "zero.json").symlink_to("/dev/zero")  # read until memory ran out
    (tmp_path / "link.json").symlink_to(tmp_path / "elsewhere" / batch_file_name(other))
    (tmp_path / "folder.json").mkdir()
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "binary.json").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "utf16.json").write_bytes(sealed.decode("utf-8").encode("utf-16"))
    (tmp_path / "truncated.json").write_bytes(sealed[: len(sealed) // 2])
    (tmp_path / "other.json").write_bytes(b'{"records": []}')
    (tmp_path / "format2.json").write_bytes(sealed.replace(b'"format": 1', b'"format": 2'))
    (tmp_path / "deep.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    (tmp_path / "garbage.json").write_bytes(b"PK\x03\x04 a zip file, perhaps")
    with (tmp_path / "huge.json").open("wb") as handle:
        handle.truncate(8 * 1024 * 1024 + 1)  # one byte over the body limit (sparse)
    expected = {
        "fifo.json": "file.not_regular: is a FIFO (named pipe), not a file",
        "zero.json": "file.link: is a link to another file, which is not read: copy the file itself here",
        "link.json": "file.link: is a link to another file, which is not read: copy the file itself here",
        "folder.json": "file.not_regular: is a folder, not a file",
        "empty.json": "file.empty: is empty: export the batch again",
        "binary.json": "file.not_text: is not text (binary data): it is not a batch file; export the batch again",
        "utf16.json": "file.not_utf8: is UTF-16 or UTF-32 text, not the UTF-8 collector-app writes",
        "truncated.json": "file.truncated: is cut short (it ends in the middle of the batch)",
        "other.json": "file.not_batch_file: is JSON but not a batch file",
        "format2.json": "file.unknown_format: is a batch file of format 2, which this server does not read",
        "deep.json": "file.not_batch_file: is not a batch file (the JSON is nested more than 32 levels deep)",
        "garbage.json": "file.not_json: is not JSON (Expecting value, character 0): it is not a batch file",
        "huge.json": "file.too_large: is larger than the limit of 8,388,608 bytes",
    }
    result = subprocess.run([str(SERVER_EXE), "import-batches", str(tmp_path), "--database-url", server.database_url],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (1, "")
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines.pop(batch_file_name(good)) == "received, 2 accepted, 0 rejected"
    assert set(lines) == set(expected)
    for name, start in expected.items():
        assert lines[name].startswith(f"refused: {start}"), (name, lines[name])
    assert server.count("batches", batch_id=other) == 0  # nothing of a refused file is stored
    assert sorted(path.name for path in tmp_path.glob("*.answer.json")) == [answer_file_name(good)]


def test_import_batches_refuses_a_batch_file_larger_than_the_limit_it_is_given(
    server: Server, device: Device, policy_table: PolicyTable, tmp_path: Path
):
    [batch_id] = _write_batch_files(tmp_path, device, policy_table, 1)
    result = run("import-batches", str(tmp_path), "--max-body-bytes", "1024", "--json",
                 "--database-url", server.database_url)
    assert result.returncode == 1
    [outcome] = json.loads(result.stdout)
    assert (outcome["status"], outcome["code"]) == ("refused", "file.too_large")
    assert server.count("batches", batch_id=batch_id) == 0


@pytest.mark.parametrize("args", [
    ("enrolment-code", "NOPE"),
    ("add-point", "bad code", "Name"),
    ("publish-policy", "/nonexistent/policy.toml"),
    ("import-batches", "/nonexistent/folder"),
])
def test_an_admin_error_prints_one_line_and_no_traceback(server: Server, args: tuple[str, ...]):
    result = run(*args, "--database-url", server.database_url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("provincial-server: error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_an_unusable_database_url_is_one_line_too(tmp_path: Path):
    (tmp_path / "a-file").write_text("")
    for url in ("mysql://somewhere/db", f"sqlite:///{tmp_path}/a-file/db.sqlite3", "postgresql://127.0.0.1:1/none"):
        result = run("summary", "--database-url", url)
        assert result.returncode == 1, url
        assert result.stderr.startswith("provincial-server: error: ")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_invalid_policy_table_is_refused_with_its_first_error(server: Server, tmp_path: Path):
    table = tmp_path / "policy.toml"
    table.write_text('format = 1\nversion = "2027.1.1"\npublished = 2027-01-01\n', encoding="utf-8")
    result = run("publish-policy", str(table), "--database-url", server.database_url)
    assert result.returncode == 1
    assert result.stderr.startswith("provincial-server: error: invalid policy table")


def test_migrate_creates_the_database_and_then_finds_it_up_to_date(empty_database: str):
    head = head_revision()
    assert run("migrate", "--database-url", empty_database).stdout == f"database at schema {head} (was empty)\n"
    assert run("migrate", "--database-url", empty_database).stdout == f"database at schema {head}\n"


def test_version_is_the_installed_package_s():
    result = run("--version")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"provincial-server {version('collector-app')}\n"


def _schema_state(engine: Engine) -> tuple[list[str], dict[str, list[str]]]:
    """What a refused command must leave as it found: the revision, and every table with its columns."""
    with engine.connect() as connection:
        revisions = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        tables = {name: sorted(column["name"] for column in inspect(connection).get_columns(name))
                  for name in inspect(connection).get_table_names()}
    return revisions, tables


def test_a_database_written_by_a_newer_server_is_refused_and_left_as_it_was(empty_database: str):
    """A downgrade: an older server on a database a newer one migrated refuses to serve, migrate or read it."""
    run("migrate", "--database-url", empty_database)
    engine = create_engine(normalise_url(empty_database), poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    before = _schema_state(engine)
    files_before = sorted(Path(normalise_url(empty_database).database or "").parent.iterdir()) \
        if empty_database.startswith("sqlite") else []

    for command in (["migrate"], ["serve", "--port", "1"], ["summary"]):
        result = run(*command, "--database-url", empty_database)
        assert result.returncode == 1, (command, result.stderr)
        assert result.stdout == ""
        assert result.stderr == ("provincial-server: error: the database is at schema 9999, which this version of "
                                 "provincial-server does not know: install the newer version\n"), command

    assert _schema_state(engine) == before
    if empty_database.startswith("sqlite"):  # no backup or journal left beside the file either
        assert sorted(Path(normalise_url(empty_database).database or "").parent.iterdir()) == files_before
    engine.dispose()


def test_a_postgresql_database_not_yet_migrated_is_refused_with_the_command_to_run(
    postgresql_cluster: TemporaryCluster,
):
    url = postgresql_cluster.new_database("unmigrated")
    for command in (["summary"], ["serve", "--port", "1"]):
        result = run(*command, "--database-url", url)
        assert result.returncode == 1
        assert "run `provincial-server migrate --database-url ...` first" in result.stderr
    assert run("migrate", "--database-url", url).returncode == 0
    assert run("summary", "--database-url", url).returncode == 0


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path):
    environment = {**os.environ, "PROVINCIAL_SERVER_DATA_DIR": str(tmp_path / "data")}
    environment.pop("PROVINCIAL_SERVER_DATABASE_URL", None)
    result = subprocess.run([str(SERVER_EXE), "add-point", "BD01", "Điểm thu"], capture_output=True, text=True,
                            env=environment, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "server.sqlite3").exists()


def test_the_settings_given_to_serve_reach_its_workers_through_the_environment(monkeypatch: pytest.MonkeyPatch):
    settings = ServerSettings(database_url="postgresql+psycopg://bhxh@127.0.0.1/bhxh", max_body_bytes=1234,
                              session_minutes=60, pool_size=12)
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert ServerSettings.from_environment() == settings
    parsed = cli.build_parser().parse_args(["serve", "--pool-size", "7", "--workers", "4"])
    assert (parsed.pool_size, parsed.workers) == (7, 4)


@pytest.mark.parametrize("amount", [0, 7, 999, 1_000, 374_000, 1_263_600, 50_600_000, 10**15])
def test_the_servers_figures_read_as_the_apps(amount: int):
    from collector_app import formatting
    from provincial_server.services import messages

    assert messages.format_vnd(amount) == formatting.format_vnd(amount)
    assert messages.format_count(amount) == formatting.format_count(amount)
