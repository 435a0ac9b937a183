"""`backup`, `backups` and `restore` on the command line, as a subprocess on a real data folder: the
restore asks unless --yes, lists what the backup lacks, keeps the replaced file, and the next receipt
number is never one issued before; a damaged store names the newest good backup and how to restore it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from signing import open_test_store, raw_connection
from store_damage import overwrite_middle_with_noise

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.store.registration import add_households

APP = str(Path(sys.executable).with_name("collector-app"))
PAID_ON = "2026-08-01"


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                          env=environment, input=stdin if stdin is not None else "")


def ok_json(result: subprocess.CompletedProcess[str]):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def code(index: int) -> str:
    return f"01{index:08d}"


def pay(folder: Path, index: int) -> str:
    result = run(folder, "pay", "hi", "--household", code(index), "--months", "12", "--date", PAID_ON, "--json")
    return str(ok_json(result)["receipt_number"])


def issued(folder: Path) -> set[str]:
    connection = raw_connection(folder / STORE_FILE_NAME)
    try:
        return {f"{s}-{y % 100:02d}-{n:07d}" for s, y, n in connection.execute("SELECT series, year, number FROM receipts")}
    finally:
        connection.close()


def unreadable(path: Path) -> None:
    """Noise over the whole file (after a checkpoint): it cannot be opened at all."""
    connection = raw_connection(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    path.write_bytes(bytes((index * 7919 + 13) % 251 for index in range(path.stat().st_size)))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with 10 households, two paid (DA07M2-26-0000001, 2), and a backup of it."""
    folder = tmp_path_factory.mktemp("made") / "store"
    assert run(folder, "init", "--point-code", "DA07", "--device-code", "M2").returncode == 0
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, [
            NewHousehold(code(index), f"Số {index}, thôn Đông", "00004", "01",
                         (NewPerson(f"Đặng Văn Số{index}", date(1980, 3, 4), Sex.MALE, f"001080{index:06d}"),))
            for index in range(1, 11)], actor="test")
    assert {pay(folder, 1), pay(folder, 2)} == {"DA07M2-26-0000001", "DA07M2-26-0000002"}
    return folder


@pytest.fixture
def folder(made: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(made, copy)
    return copy


def test_backup_and_backups_say_what_each_holds(folder: Path, tmp_path: Path):
    written = ok_json(run(folder, "backup", "--json"))
    listed = ok_json(run(folder, "backups", "--json"))
    [entry] = listed
    assert entry["path"] == written["path"] and Path(entry["path"]).parent == folder / "backups"
    assert entry["created_at"] and entry["kind"] == "manual"
    assert (entry["households"], entry["people"], entry["payments"]) == (10, 10, 2)
    assert entry["highest_receipts"] == [{"series": "DA07M2", "year": 2026, "number": 2}]
    assert entry["size"] == Path(entry["path"]).stat().st_size

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(folder, "backup", "--to", str(elsewhere))
    assert result.returncode == 0 and len(list(elsewhere.iterdir())) == 1
    text = run(folder, "--lang", "en", "backups")
    assert text.returncode == 0 and "2 payments" in text.stdout and "DA07M2-26-0000002" in text.stdout


def test_restore_asks_unless_yes_and_changes_nothing_unasked(folder: Path):
    backup = ok_json(run(folder, "backup", "--json"))["path"]
    pay(folder, 3)
    before = (folder / STORE_FILE_NAME).read_bytes()
    refused = run(folder, "--lang", "en", "restore", backup)
    assert refused.returncode != 0 and "--yes" in one_line_error(refused)
    assert "DA07M2-26-0000003" in refused.stdout and "NOT sent to the server" in refused.stdout
    assert (folder / STORE_FILE_NAME).read_bytes() == before
    assert issued(folder) == {"DA07M2-26-0000001", "DA07M2-26-0000002", "DA07M2-26-0000003"}


def test_restore_of_an_older_backup_never_reissues_a_number(folder: Path):
    backup = ok_json(run(folder, "backup", "--json"))["path"]
    later = {pay(folder, 3), pay(folder, 4)}
    everything = issued(folder)

    done = ok_json(run(folder, "restore", backup, "--yes", "--json"))

    assert [item["receipt_number"] for item in done["lacking"]] == sorted(later)
    assert {item["delivery"] for item in done["lacking"]} == {"not_sent"}
    assert not done["new_series"] and done["floors"] == [{"series": "DA07M2", "year": 2026, "number": 4}]
    kept = raw_connection(done["before"])  # nothing lost: the replaced file is kept, all of it
    assert {f"{s}-{y % 100:02d}-{n:07d}" for s, y, n in kept.execute("SELECT series, year, number FROM receipts")} \
        == everything
    kept.close()
    assert issued(folder) == {"DA07M2-26-0000001", "DA07M2-26-0000002"}
    again = pay(folder, 5)
    assert again == "DA07M2-26-0000005" and again not in everything


def test_restore_over_a_damaged_store_signs_in_with_the_backup_and_starts_a_new_series(folder: Path):
    backup = ok_json(run(folder, "backup", "--json"))["path"]
    everything = issued(folder) | {pay(folder, 3)}
    unreadable(folder / STORE_FILE_NAME)

    failing = run(folder, "--lang", "en", "status")
    line = one_line_error(failing)
    assert "cannot be opened" in line
    assert backup in line and "collector-app restore" in line  # the newest good backup, and how

    done = ok_json(run(folder, "restore", backup, "--yes", "--json"))
    assert done["new_series"] and done["series"] == "DA07M2R1"
    again = pay(folder, 4)
    assert again == "DA07M2R1-26-0000001" and again not in everything
    pdf = folder.parent / "new-series.pdf"  # the receipt says it is of a new series
    assert run(folder, "receipt", again, "--out", str(pdf)).returncode == 0
    assert "Dãy số mới DA07M2R1" in " ".join(pdf_text(pdf).split())
    old = folder.parent / "old-series.pdf"
    assert run(folder, "receipt", "DA07M2-26-0000001", "--out", str(old)).returncode == 0
    assert "Dãy số mới" not in pdf_text(old)
    text = run(folder, "--lang", "en", "backups")  # the damaged file is kept byte for byte, and says so
    assert "-before-restore-unreadable.sqlite3: cannot be read" in text.stdout


def test_a_damaged_store_refusing_a_payment_names_the_newest_good_backup(folder: Path):
    backup = ok_json(run(folder, "backup", "--json"))["path"]
    overwrite_middle_with_noise(folder / STORE_FILE_NAME)
    refused = run(folder, "--lang", "en", "pay", "hi", "--household", code(3), "--months", "12", "--date", PAID_ON)
    line = one_line_error(refused)
    assert refused.returncode == 1 and "damaged" in line
    assert f'collector-app restore "{backup}"' in line


def test_a_missing_or_damaged_backup_is_one_line_and_changes_nothing(folder: Path, tmp_path: Path):
    before = (folder / STORE_FILE_NAME).read_bytes()
    missing = run(folder, "--lang", "en", "restore", str(tmp_path / "nothing.sqlite3"), "--yes")
    assert missing.returncode == 1 and "no backup file" in one_line_error(missing)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 500)
    damaged = run(folder, "restore", str(junk), "--yes")
    assert damaged.returncode == 1 and "sao lưu" in one_line_error(damaged)
    assert (folder / STORE_FILE_NAME).read_bytes() == before
