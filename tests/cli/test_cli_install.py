"""What an installer and a support call rely on: `--version`, `--self-test`, and an older app refusing a
data file a newer one upgraded (a downgrade), in one line, changing nothing."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from signing import open_test_store
from test_cli import assert_one_clear_line, run

from collector_app import cli, paths

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_the_installed_package_s_which_is_pyproject_s():
    result = run("--version")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == f"collector-app {version('collector-app')}\n"
    assert version("collector-app") == PYPROJECT_VERSION


def test_self_test_passes_in_one_line_and_leaves_the_data_folder_alone(tmp_path: Path):
    data_dir = tmp_path / "data"
    result = run("--self-test", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    passed = re.fullmatch(r"Tự kiểm tra đạt: tệp dữ liệu, khoản nộp, biên lai KT01M1-\d\d-0000001 và cửa sổ chính, "
                          r"hiện ra (\d+),(\d\d) giây sau khi chương trình khởi động\.\n", result.stdout)
    assert passed, result.stdout
    # The time to the first window counts from the process's start, before Python: never nothing.
    assert int(passed[1]) + int(passed[2]) > 0
    assert not data_dir.exists()

    english = run("--lang", "en", "--self-test", data_dir=data_dir)
    assert english.returncode == 0, english.stderr
    assert re.fullmatch(r"Self-test passed: data file, payment, receipt KT01M1-\d\d-0000001 and main window, "
                        r"shown \d+\.\d\d s after the program started\.\n", english.stdout)


def no_pdf(*_args: object, **_kwargs: object) -> bytes:
    return b"%PDF-1.4 nothing readable"  # what a bundle missing a font or reportlab's C part might write


def disk_full(*_args: object, **_kwargs: object) -> object:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(("broken", "replacement", "step"), [
    ("collector_app.receipts.render.render_receipt", no_pdf, "biên lai"),
    ("collector_app.services.payments.record_vsi_payment", disk_full, "ghi nhận khoản nộp"),
])
def test_self_test_names_the_step_that_failed_in_one_line(broken, replacement, step, monkeypatch, capsys, qapp):
    monkeypatch.setattr(broken, replacement)
    assert cli.main(["--self-test"]) == 1
    output = capsys.readouterr()
    assert output.out == ""
    [line] = output.err.splitlines()
    assert line.startswith(f"collector-app: tự kiểm tra không đạt ở bước {step}: "), line


def test_the_time_to_the_first_window_counts_from_the_process_s_start():
    """A process's age as the self-test reads it lies between nothing and the time its parent waited for it
    (the start is known to the kernel's clock tick: 10 ms)."""
    before = time.monotonic()
    child = subprocess.run([sys.executable, "-c", "from collector_app.cli.self_test import _process_age; "
                            "print(_process_age())"], capture_output=True, text=True, check=True, timeout=60)
    waited = time.monotonic() - before
    assert 0 < float(child.stdout) <= waited + 0.02


def newer_store(data_dir: Path) -> Path:
    """A store `init` made, then marked as upgraded by a newer app (a schema revision this one lacks)."""
    assert run("init", data_dir=data_dir).returncode == 0
    path = data_dir / paths.STORE_FILE_NAME
    store = open_test_store(path)
    try:
        with store.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    finally:
        store.close()
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_store_from_a_newer_app_is_refused_in_one_line_and_left_as_it_was(tmp_path: Path):
    data_dir = tmp_path / "store"
    newer_store(data_dir)
    before = snapshot(data_dir)

    for command in (("status",), ("init",), ("search", "nguyen"), ("backup",)):
        result = run(*command, data_dir=data_dir)
        assert result.returncode != 0
        line = assert_one_clear_line(result)
        assert "do một phiên bản mới hơn của ứng dụng ghi (lược đồ 0099)" in line, command
        assert "Hãy cài phiên bản mới hơn để mở tệp này." in line

    english = run("--lang", "en", "status", data_dir=data_dir)
    assert "was written by a newer version of this app (schema 0099)" in assert_one_clear_line(english)
    assert snapshot(data_dir) == before  # no upgrade, no backup, no settings written
