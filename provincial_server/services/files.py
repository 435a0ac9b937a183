"""Batches carried on a USB stick: `<batch_id>.json` files signed by the device, answered in `<batch_id>.answer.json`.

Each file goes through `receive_batch` like an upload, so importing a folder twice, or a batch that
was also uploaded, stores everything once and writes the same answers again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from collector_app.wire import (
    BatchAnswer,
    ErrorCode,
    answer_file,
    answer_file_name,
    canonical_json,
    is_answer_file_name,
    verify_document,
)
from provincial_server.schemas import BatchFileModel, SealedBatchModel
from provincial_server.services.batches import receive_batch
from provincial_server.services.errors import ServiceError
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


def import_batches(new_uow: Callable[[], UnitOfWork], folder: Path, *, policies: PolicyTables,
                   now: datetime) -> list[FileOutcome]:
    """Receive every batch file in `folder` (not its answer files) and write an answer beside each."""
    with new_uow() as uow:
        private_key, _ = server_keys(uow, now=now)
        uow.commit()
    outcomes = []
    for path in sorted(folder.glob("*.json")):
        if not is_answer_file_name(path.name):
            outcomes.append(_import_one(new_uow, path, private_key, policies=policies, now=now))
    return outcomes


def _refused(path: Path, batch_id: str | None, code: str, message: str) -> FileOutcome:
    return FileOutcome(file=path.name, batch_id=batch_id, status="refused", code=code, message=message)


def _import_one(new_uow: Callable[[], UnitOfWork], path: Path, private_key: bytes, *, policies: PolicyTables,
                now: datetime) -> FileOutcome:
    try:
        document = BatchFileModel.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as error:
        return _refused(path, None, "file.invalid", f"not a batch file: {str(error).splitlines()[0]}")
    batch_id = str(document.batch.get("batch_id")) if "batch_id" in document.batch else None
    with new_uow() as uow:
        device = uow.points.device(str(document.batch.get("device_id")))
    if device is None:
        return _refused(path, batch_id, "file.unknown_device", "the batch names a device that is not enrolled")
    if device.revoked_at is not None:  # as online: a revoked device delivers nothing more
        return _refused(path, batch_id, ErrorCode.DEVICE_REVOKED.value, "the device was revoked: its batches are refused")
    # The signature covers the batch exactly as the device sealed it, before any parsing here.
    if not verify_document(document.batch, document.signature, device.public_key):
        return _refused(path, batch_id, "file.bad_signature", "the device's signature does not match the batch")
    try:
        batch = SealedBatchModel.model_validate(document.batch, strict=True).as_wire()
        received = receive_batch(new_uow(), batch, device=device, policies=policies, source="file", now=now)
    except ValidationError as error:
        return _refused(path, batch_id, "request.invalid", str(error).splitlines()[0])
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
