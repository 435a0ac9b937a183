"""The server's shape: migrations give exactly the schema, the API models mirror the wire module, the imports stay narrow."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from collector_app import wire
from provincial_server import schemas
from provincial_server.store.db import migrate, open_database, sqlite_url
from provincial_server.store.schema import metadata

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGE = ROOT / "provincial_server"
# admin_units: the one list of provinces and communes, which a point's commune is checked against.
ALLOWED_FROM_THE_APP = ("collector_app.domain", "collector_app.wire", "collector_app.admin_units", "collector_app.version")


def test_the_migrations_build_exactly_the_declared_schema(empty_database: str):
    migrate(empty_database)
    database = open_database(empty_database)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        database.dispose()


def test_an_existing_database_at_the_newest_schema_opens_without_a_backup(tmp_path: Path):
    path = tmp_path / "server.sqlite3"
    open_database(sqlite_url(path)).dispose()
    open_database(sqlite_url(path)).dispose()
    assert not (tmp_path / "backups").exists()


def test_the_api_models_have_the_fields_of_the_wire_shapes():
    pairs = [
        (schemas.WireRecordModel, wire.WireRecord), (schemas.SealedBatchModel, wire.SealedBatch),
        (schemas.RecordResultModel, wire.RecordResult), (schemas.BatchAnswerModel, wire.BatchAnswer),
        (schemas.BatchFileModel, wire.BatchFile), (schemas.EnrolRequest, wire.EnrolRequest),
        (schemas.EnrolResponse, wire.EnrolAnswer), (schemas.DecisionModel, wire.DecisionNotice),
        (schemas.ChangesModel, wire.ChangesPage), (schemas.FacilityModel, wire.FacilityNotice),
        (schemas.HeldRecordModel, wire.HeldRecord), (schemas.RecoveryPageModel, wire.RecoveryPage),
        (schemas.HighestReceiptModel, wire.HighestReceipt), (schemas.HighestReceiptsModel, wire.HighestReceipts),
        (schemas.RoundNoticeModel, wire.RoundNotice), (schemas.RoundPaymentModel, wire.RoundPayment),
        (schemas.RoundPaymentsModel, wire.RoundPayments), (schemas.ReleaseKeyHandoverModel, wire.ReleaseKeyHandover),
    ]
    for model, shape in pairs:
        assert set(model.model_fields) == set(typing.get_type_hints(shape)), model.__name__


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_server_takes_only_the_domain_the_wire_module_the_admin_units_and_the_version_from_the_app():
    borrowed = {
        (str(path.relative_to(ROOT)), name)
        for path in SERVER_PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.startswith("collector_app") and not name.startswith(ALLOWED_FROM_THE_APP)
    }
    assert borrowed == set()


def test_every_server_module_says_what_belongs_in_it():
    missing = [str(path.relative_to(ROOT)) for path in SERVER_PACKAGE.rglob("*.py")
               if not path.read_text(encoding="utf-8").lstrip().startswith('"""')]
    assert missing == []


def test_a_batch_as_wire_data_equals_its_model_dump():
    payload = {"id": "p", "amount": 1000, "items": [{"gross": 1000, "note": None}], "gps": [10.5, 106.7]}
    batch = schemas.SealedBatchModel.model_validate({
        "batch_id": "6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4", "device_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "device_sequence": 3, "sealed_at": "2026-11-23T08:00:00Z", "record_count": 1, "total_amount": 1000,
        "sha256": "0" * 64, "records": [{"record_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "kind": "payment",
                                         "payload": payload}],
    })
    # A batch without a money chain (a device from before it) stays without one: its digest is unchanged.
    assert batch.as_wire() == {k: v for k, v in batch.model_dump().items() if k != "chain" or v is not None}
    assert list(batch.as_wire()) == [k for k in batch.model_dump() if k != "chain"]
