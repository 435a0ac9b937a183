"""A full disk, or a disk that fails to write, takes no half payment: the command line says so in one line
(exit 1), the store holds exactly what it held, and once there is room the next receipt takes the next number.

The small disk is a 4 MB tmpfs, else a loop-mounted ext2 image (both need root, as in CI), else a limit
on the size of the files the command may write (RLIMIT_FSIZE), which any user may set (`tests/small_disk.py`).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from small_disk import FILE_SIZE_LIMIT, PreExec, SmallDisk, limit_file_size, small_disk_in

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.store.registration import add_households
from signing import open_test_store, raw_connection

APP = str(Path(sys.executable).with_name("collector-app"))
FULL_VI, DISK_ERROR_VI = "đã đầy", "lỗi ổ đĩa"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk_in(tmp_path / "disk") as disk:
        yield disk


def run(data_dir: Path, *args: str, pre_exec: PreExec | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                          env=environment, preexec_fn=pre_exec)


def household_code(index: int) -> str:
    return f"01{index:08d}"


def pay(data_dir: Path, index: int, pre_exec: PreExec | None = None) -> subprocess.CompletedProcess[str]:
    return run(data_dir, "pay", "hi", "--household", household_code(index), "--months", "12",
               "--date", "2026-08-01", pre_exec=pre_exec)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "lỗi ngoài dự kiến" not in lines[0] and "/dev/null" not in lines[0]
    return lines[0]


def store_with_one_payment(data_dir: Path) -> Path:
    """Point DA07, device M2, three households of one; the first has paid (receipt DA07M2-26-0000001)."""
    assert run(data_dir, "init", "--point-code", "DA07", "--device-code", "M2").returncode == 0
    with open_test_store(data_dir / STORE_FILE_NAME) as store:
        add_households(
            store,
            [
                NewHousehold(household_code(index), f"Số {index}, thôn Đông", "00004", "01",
                             (NewPerson(f"Đặng Văn Số{index}", date(1980, 3, 4), Sex.MALE,
                                        f"001080{index:06d}"),))
                for index in (1, 2, 3)
            ],
            actor="test",
        )
    first = pay(data_dir, 1)
    assert "DA07M2-26-0000001" in first.stdout, first.stderr
    return data_dir / STORE_FILE_NAME


def everything_in(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (the search index's own tables too), read with plain sqlite3."""
    connection = raw_connection(path)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")]
        return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in tables}
    finally:
        connection.close()


@pytest.mark.parametrize(
    "leave",
    [0, 16 * 1024, 64 * 1024],
    ids=["no-room-at-all", "no-room-for-the-wal-index", "room-for-part-of-the-payment"],
)
def test_a_payment_on_a_full_disk_is_refused_in_one_line_and_the_store_keeps_what_it_held(
    small_disk: SmallDisk, leave: int
):
    data = small_disk.folder / "data"
    path = store_with_one_payment(data)
    before = everything_in(path)

    small_disk.fill(leave)
    refused = pay(data, 2, small_disk.pre_exec())
    small_disk.make_room()

    assert refused.returncode == 1, refused.stdout + refused.stderr
    line = one_line_error(refused)
    if small_disk.kind == FILE_SIZE_LIMIT:  # a write past the limit fails as an I/O error, with room to spare
        assert FULL_VI in line or DISK_ERROR_VI in line
    else:
        assert FULL_VI in line and str(path) in line
    assert everything_in(path) == before
    again = pay(data, 2)
    assert "DA07M2-26-0000002" in again.stdout, again.stderr


def test_a_disk_that_fails_to_write_refuses_the_payment_in_one_line_and_the_store_keeps_what_it_held(
    tmp_path: Path,
):
    if sys.platform != "linux":
        pytest.skip("RLIMIT_FSIZE with SIGXFSZ ignored is how this test makes writes fail (Linux)")
    path = store_with_one_payment(tmp_path / "data")
    before = everything_in(path)

    refused = pay(tmp_path / "data", 2, limit_file_size(16 * 1024))

    assert refused.returncode == 1
    line = one_line_error(refused)
    assert DISK_ERROR_VI in line and "gọi bộ phận hỗ trợ" in line
    assert everything_in(path) == before
    assert "DA07M2-26-0000002" in pay(tmp_path / "data", 2).stdout
