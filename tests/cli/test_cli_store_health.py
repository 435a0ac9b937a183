"""A damaged store file takes no money from the command line: pay, void, seal, sync and a reprint are
refused in one line (exit 1) and the file is left as it was; search and status answer, or say why not."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from store_damage import flip_byte_in_table_page, overwrite_middle_with_noise

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.paths import STORE_FILE_NAME
from collector_app.store.registration import add_households
from signing import open_test_store

APP = str(Path(sys.executable).with_name("collector-app"))
HOUSEHOLDS = 150
PAID_ON = "2026-08-01"
DAMAGED_VI = "bị hỏng"


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    return subprocess.run([APP, *args], check=False, capture_output=True, text=True, timeout=120,
                          env=environment)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stdout + result.stderr
    assert "unexpected error" not in result.stderr and "lỗi ngoài dự kiến" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def household_code(index: int) -> str:
    return f"01{index:08d}"


def households(count: int) -> list[NewHousehold]:
    return [
        NewHousehold(
            household_code(index),
            f"Số {index}, thôn Đông",
            "00004",
            "01",
            (NewPerson(f"Đặng Văn Số{index}", date(1980, 3, 4), Sex.MALE, f"001080{index:06d}"),),
        )
        for index in range(1, count + 1)
    ]


def pay(data_dir: Path, index: int) -> subprocess.CompletedProcess[str]:
    return run(data_dir, "pay", "hi", "--household", household_code(index), "--months", "12",
               "--date", PAID_ON)


@pytest.fixture(scope="module")
def paid_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with 150 households, two of them paid (receipts DA07M2-26-0000001 and 2)."""
    folder = tmp_path_factory.mktemp("paid") / "store"
    assert run(folder, "init", "--point-code", "DA07", "--device-code", "M2").returncode == 0
    with open_test_store(folder / STORE_FILE_NAME) as store:
        add_households(store, households(HOUSEHOLDS), actor="test")
    for index in (1, 2):
        result = pay(folder, index)
        assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(params=["noise-in-the-middle", "flipped-byte-in-payments"])
def damaged(request: pytest.FixtureRequest, paid_store: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    shutil.copytree(paid_store, folder)
    path = folder / STORE_FILE_NAME
    if request.param == "noise-in-the-middle":
        overwrite_middle_with_noise(path)
    else:
        flip_byte_in_table_page(path, "payments")
    return folder


WRITES = {
    "pay": ("pay", "hi", "--household", household_code(3), "--months", "12", "--date", PAID_ON),
    "void": ("void", "DA07M2-26-0000001", "--reason", "Thu nhầm hộ"),
    "seal": ("seal",),
    "sync": ("sync", "--server", "https://127.0.0.1:9", "--attempts", "1", "--timeout", "1"),
    "reprint": ("receipt", "DA07M2-26-0000002", "--out", "REPRINT", "--copy"),
}


@pytest.mark.parametrize("command", list(WRITES))
def test_a_damaged_store_refuses_every_write_in_one_line_and_is_left_as_it_was(
    damaged: Path, command: str, tmp_path: Path
):
    path = damaged / STORE_FILE_NAME
    before = path.read_bytes()
    arguments = [str(tmp_path / "copy.pdf") if arg == "REPRINT" else arg for arg in WRITES[command]]

    result = run(damaged, *arguments)

    assert result.returncode == 1, result.stderr
    line = one_line_error(result)
    assert DAMAGED_VI in line and str(path) in line and "hỗ trợ" in line
    assert path.read_bytes() == before
    assert not (tmp_path / "copy.pdf").exists()


def test_the_refusal_is_in_english_and_in_json_when_asked(damaged: Path):
    english = run(damaged, "--lang", "en", *WRITES["pay"])
    as_json = run(damaged, *WRITES["void"], "--json")

    assert english.returncode == 1
    assert "is damaged" in one_line_error(english) and "call support" in english.stderr
    assert as_json.returncode == 1
    # Noise over the schema's pages leaves a file that cannot be opened at all: store.unreadable.
    assert json.loads(as_json.stdout)["errors"][0]["code"] in {"store.damaged", "store.unreadable"}


@pytest.mark.parametrize("command", [("search", "dang van so1"), ("status",)], ids=["search", "status"])
def test_reads_on_a_damaged_store_still_answer_or_say_why_not(damaged: Path, command: tuple[str, ...]):
    result = run(damaged, *command)

    if result.returncode == 0:
        assert result.stdout.strip() and not result.stderr.strip()
    else:
        assert result.returncode == 1
        assert DAMAGED_VI in one_line_error(result)


def test_a_sound_store_still_takes_payments_and_its_files_are_private(paid_store: Path, tmp_path: Path):
    folder = tmp_path / "store"
    shutil.copytree(paid_store, folder)
    os.chmod(folder / STORE_FILE_NAME, 0o644)  # as the older version left it

    result = pay(folder, 3)

    assert result.returncode == 0, result.stderr
    assert "DA07M2-26-0000003" in result.stdout
    if os.name == "posix":
        assert stat.S_IMODE((folder / STORE_FILE_NAME).stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
