"""Answer files read from a folder (a USB stick): only regular files of a bounded size are read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from guards import memory_limited, pipes_never_block

from collector_app import i18n
from collector_app.store.sync_state import save_enrolment
from collector_app.sync import files
from collector_app.sync.files import import_answers
from collector_app.wire import encode_key
from signing import open_test_store


@pytest.fixture
def store(tmp_path: Path):
    before = i18n.language()
    i18n.set_language("vi")
    with open_test_store(tmp_path / "data" / "collector.sqlite3") as opened:
        save_enrolment(opened, server_url="https://bhxh.example.vn", token="t",
                       server_public_key=encode_key(bytes(32)), ca_bundle=None)
        yield opened
    i18n.set_language(before)


def test_a_pipe_a_device_and_a_folder_named_like_answers_are_skipped_without_being_read(store, tmp_path: Path):
    stick = tmp_path / "usb"
    stick.mkdir()
    os.mkfifo(stick / "pipe.answer.json")  # read, it would wait for a writer for ever
    (stick / "zero.answer.json").symlink_to("/dev/zero")  # read, it would fill the memory
    (stick / "folder.answer.json").mkdir()

    with pipes_never_block(stick / "pipe.answer.json"), memory_limited():
        imported = import_answers(store, stick)

    assert imported.delivered == ()
    assert sorted((s.path.name, s.reason) for s in imported.skipped) == [
        ("folder.answer.json", "không phải tệp thông thường (mà là thư mục, đường ống hoặc thiết bị)"),
        ("pipe.answer.json", "không phải tệp thông thường (mà là thư mục, đường ống hoặc thiết bị)"),
        ("zero.answer.json", "không phải tệp thông thường (mà là thư mục, đường ống hoặc thiết bị)"),
    ]


def test_an_answer_file_larger_than_any_answer_is_skipped_unread(store, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(files, "MAX_ANSWER_FILE_BYTES", 1024 * 1024)
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "big.answer.json").write_text("[" * (1024 * 1024 + 1), encoding="utf-8")
    (stick / "deep.answer.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    skipped = {s.path.name: s.reason for s in import_answers(store, stick).skipped}

    assert skipped == {"big.answer.json": "lớn hơn 1 MB: không phải tệp trả lời của máy chủ",
                       "deep.answer.json": "không phải tệp JSON"}  # nested too deep to decode
