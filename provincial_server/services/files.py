"""Batches carried on a USB stick: `<batch_id>.json` files signed by the device, answered in `<batch_id>.answer.json`.

Each file goes through `receive_batch` like an upload, so importing a folder twice, or a batch that
was also uploaded, stores everything once and writes the same answers again. Only regular files
within the body limit are read, never through a link (`input_files`); a file that is not a batch
file is refused with what is wrong with it and what to do, and the others are imported all the same.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from collector_app.wire import (
    FILE_FORMAT,
    BatchAnswer,
    ErrorCode,
    answer_file,
    answer_file_name,
    canonical_json,
    is_answer_file_name,
    verify_document,
)
from provincial_server.schemas import UUID_PATTERN, BatchFileModel, SealedBatchModel
from provincial_server.services.batches import receive_batch
from provincial_server.services.errors import ServiceError
from provincial_server.services.input_files import FileRefused, read_regular_file
from provincial_server.services.json_input import NotJson, read_json
from provincial_server.services.keys import server_keys
from provincial_server.services.policy import PolicyTables
from provincial_server.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class FileOutcome:
    file: str
    batch_id: str | None
    status: str  # "received" (new), "replayed" (answered before) or "refused"
    accepted: int = 0
    rejected: int = 0
    code: str | None = None  # why refused
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_batches(new_uow: Callable[[], UnitOfWork], folder: Path, *, policies: PolicyTables, now: datetime,
                   max_bytes: int) -> list[FileOutcome]:
    """Receive every batch file in `folder` (not its answer files) and write an answer beside each.

    A file larger than `max_bytes` (the server's body limit) is refused like any other that is
    not a batch file; nothing of a refused file is stored.
    """
    with new_uow() as uow:
        private_key, _ = server_keys(uow, now=now)
        uow.commit()
    outcomes = []
    for path in sorted(folder.glob("*.json")):
        if not is_answer_file_name(path.name):
            outcomes.append(_import_one(new_uow, path, private_key, policies=policies, now=now, max_bytes=max_bytes))
    return outcomes


def _refused(path: Path, batch_id: str | None, code: str, message: str) -> FileOutcome:
    return FileOutcome(file=path.name, batch_id=batch_id, status="refused", code=code, message=message)


class _NotABatchFile(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_AGAIN = "export the batch again on the device (collector-app export-batches) and copy the new file"
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 and UTF-32 byte order marks begin with these
_UUID = re.compile(UUID_PATTERN)


def _batch_file(data: bytes) -> BatchFileModel:
    """The batch file in `data`, or _NotABatchFile saying what `data` is instead and what to do."""
    if not data.strip():
        raise _NotABatchFile("file.empty", f"is empty: {_AGAIN}")
    if _utf16_or_32(data):
        raise _NotABatchFile("file.not_utf8", "is UTF-16 or UTF-32 text, not the UTF-8 collector-app writes: "
                                              f"another program saved it again; {_AGAIN}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte order mark, as some editors write: the signature covers the batch, not bytes
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        binary = b"\x00" in data or sum(byte < 9 for byte in data[:1024]) > 2
        raise _NotABatchFile("file.not_text" if binary else "file.not_utf8",
                             ("is not text (binary data)" if binary else "is not UTF-8 text")
                             + f": it is not a batch file; {_AGAIN}") from None
    try:
        document = read_json(data)
    except NotJson as error:
        # Cut short: the parser ran out of text, or a string never ends (its error names where it began).
        ran_out = error.position is not None and error.position >= len(text.rstrip())
        if error.fault == "json_invalid" and (ran_out or error.detail.startswith("Unterminated string")):
            raise _NotABatchFile("file.truncated", f"is cut short (it ends in the middle of the batch): the copy "
                                                   f"did not finish; {_AGAIN}") from None
        if error.fault != "json_invalid":  # nested too deep, an integer of thousands of digits
            raise _NotABatchFile("file.not_batch_file", f"is not a batch file ({error.message}); {_AGAIN}") from None
        raise _NotABatchFile("file.not_json", f"is not JSON ({error.detail}, character {error.position}): "
                                              f"it is not a batch file; {_AGAIN}") from None
    if not isinstance(document, dict) or not {"format", "batch", "signature"} <= document.keys():
        raise _NotABatchFile("file.not_batch_file", "is JSON but not a batch file (a batch file holds format, batch "
                                                    "and signature): only files collector-app exports are read")
    if document["format"] != FILE_FORMAT:
        shown = json.dumps(document["format"])[:20]
        raise _NotABatchFile("file.unknown_format", f"is a batch file of format {shown}, which this server does "
                                                    f"not read (format {FILE_FORMAT}): update provincial-server")
    try:
        return BatchFileModel.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _NotABatchFile("file.invalid", f"is not a valid batch file ({where}: {first['msg']}); {_AGAIN}"
                             ) from None


def _utf16_or_32(data: bytes) -> bool:
    """A byte order mark of UTF-16 or UTF-32, or ASCII text spelled with a zero byte beside each character."""
    head = data[:64]
    return head.startswith(_UTF16_MARKS) or (len(head) >= 4 and (not any(head[1::2]) or not any(head[0::2])))


def _import_one(new_uow: Callable[[], UnitOfWork], path: Path, private_key: bytes, *, policies: PolicyTables,
                now: datetime, max_bytes: int) -> FileOutcome:
    try:
        document = _batch_file(read_regular_file(path, max_bytes=max_bytes, follow_links=False))
    except (FileRefused, _NotABatchFile) as error:
        return _refused(path, None, error.code, error.message)
    raw_id = document.batch.get("batch_id")
    batch_id = raw_id if isinstance(raw_id, str) and _UUID.fullmatch(raw_id) else None
    device_id = document.batch.get("device_id")
    with new_uow() as uow:  # an id that is no UUID names no device (and may not even be storable text)
        device = uow.points.device(device_id) if isinstance(device_id, str) and _UUID.fullmatch(device_id) else None
    if device is None:
        return _refused(path, batch_id, "file.unknown_device", "the batch names a device that is not enrolled")
    if device.revoked_at is not None:  # as online: a revoked device delivers nothing more
        return _refused(path, batch_id, ErrorCode.DEVICE_REVOKED.value,
                        "the device was revoked: its batches are refused")
    # The signature covers the batch exactly as the device sealed it, before any parsing here.
    if not verify_document(document.batch, document.signature, device.public_key):
        return _refused(path, batch_id, "file.bad_signature", "the device's signature does not match the batch")
    try:
        batch = SealedBatchModel.model_validate(document.batch, strict=True).as_wire()
        received = receive_batch(new_uow(), batch, device=device, policies=policies, source="file", now=now)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return _refused(path, batch_id, "request.invalid", f"the batch is not valid: {where}: {first['msg']}")
    except ServiceError as error:
        return _refused(path, batch_id, str(error.code), error.message)
    answer: BatchAnswer = json.loads(received.answer)
    _write_atomically(path.with_name(answer_file_name(answer["batch_id"])),
                      canonical_json(answer_file(answer, private_key)) + b"\n")
    accepted = sum(1 for result in answer["results"] if result["status"] == "accepted")
    return FileOutcome(file=path.name, batch_id=answer["batch_id"], status="received" if received.new else "replayed",
                       accepted=accepted, rejected=len(answer["results"]) - accepted)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
