"""Syncing with no network: sealed batches written as signed files for a USB stick, the server's answer files read back.

The files are `wire.BatchFile` (signed with the device's key) and `wire.AnswerFile` (signed with the
server's key, checked with the key the device got at enrolment). `provincial-server import-batches`
reads the first and writes the second beside them.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from collector_app.i18n import _
from collector_app.store.batches import list_batches, undelivered
from collector_app.store.db import Store
from collector_app.store.device import this_device
from collector_app.store.sync_state import sync_state
from collector_app.sync.client import SyncError, UploadAnswer, check_batch_answer
from collector_app.sync.engine import DeliveredBatch, NotEnrolled, keep_answer
from collector_app.wire import (
    FILE_FORMAT,
    batch_file,
    batch_file_name,
    canonical_json,
    decode_key,
    is_answer_file_name,
    verify_document,
)


MAX_ANSWER_FILE_BYTES = 8 * 1024 * 1024
"""An answer file is a few hundred bytes a record and a batch holds at most 500 records
(`store.batches.DEFAULT_MAX_RECORDS`): 8 MB, the server's own bound on a request, is ample."""


@dataclass(frozen=True)
class ExportedBatch:
    batch_id: str
    device_sequence: int
    record_count: int
    path: Path


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str  # for the user


@dataclass(frozen=True)
class ImportedAnswers:
    delivered: tuple[DeliveredBatch, ...]
    skipped: tuple[SkippedFile, ...]


def export_batches(store: Store, folder: Path) -> list[ExportedBatch]:
    """Write every sealed batch still waiting for its answer into `folder` as a signed batch file.

    Writing the same batches again gives the same bytes (Ed25519 signatures are deterministic).
    """
    device = this_device(store)
    outgoing = undelivered(store)
    if device is None or not outgoing:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    exported = []
    for item in outgoing:
        document = batch_file(json.loads(item.body), device.private_key)
        path = folder / batch_file_name(item.batch.batch_id)
        _write_atomically(path, canonical_json(document) + b"\n")
        exported.append(ExportedBatch(batch_id=item.batch.batch_id, device_sequence=item.batch.device_sequence,
                                      record_count=item.batch.record_count, path=path))
    return exported


def import_answers(store: Store, folder: Path) -> ImportedAnswers:
    """Read the server's answer files in `folder` and keep each answer to one of this device's batches.

    A file that is not a signed answer from the enrolled server, or answers another device's
    batch, is skipped with the reason; an answer kept before changes nothing (`replayed`).
    """
    key_text = sync_state(store).server_public_key
    if key_text is None:
        raise NotEnrolled()
    server_key = decode_key(key_text)
    mine = {batch.batch_id: batch for batch in list_batches(store)}
    delivered: list[DeliveredBatch] = []
    skipped: list[SkippedFile] = []
    for path in sorted(folder.glob("*.json")):
        if not is_answer_file_name(path.name):
            continue
        try:
            data = _read_regular_file(path, MAX_ANSWER_FILE_BYTES)
        except _NotReadable as refusal:
            skipped.append(SkippedFile(path, refusal.reason))
            continue
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            skipped.append(SkippedFile(path, _("not a JSON file")))
            continue
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT or not isinstance(
            document.get("answer"), dict
        ):
            skipped.append(SkippedFile(path, _("not an answer file")))
            continue
        answer = document["answer"]
        if not verify_document(answer, str(document.get("signature", "")), server_key):
            skipped.append(SkippedFile(path, _("the server's signature does not match")))
            continue
        batch = mine.get(str(answer.get("batch_id")))
        if batch is None:
            skipped.append(SkippedFile(path, _("not an answer to a batch of this device")))
            continue
        try:
            reply = UploadAnswer(text=canonical_json(answer).decode("utf-8"), answer=check_batch_answer(answer))
            stored = keep_answer(store, batch.batch_id, reply)
        except SyncError as error:
            skipped.append(SkippedFile(path, str(error)))
            continue
        delivered.append(DeliveredBatch(batch_id=batch.batch_id, device_sequence=batch.device_sequence,
                                        accepted=stored.accepted, rejected=len(stored.rejected),
                                        replayed=not stored.new))
    return ImportedAnswers(delivered=tuple(delivered), skipped=tuple(skipped))


class _NotReadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes, else _NotReadable.

    Opened without blocking and checked on the open file: a pipe named like an answer file would
    wait for a writer for ever, and a link to /dev/zero would be read until the memory runs out.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _NotReadable(_("cannot be read: {reason}").format(reason=exc.strerror or exc)) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _NotReadable(_("not a regular file (a folder, a pipe or a device)"))
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _NotReadable(_("larger than {size} MB: not an answer file").format(size=limit // (1024 * 1024)))
    return data


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
