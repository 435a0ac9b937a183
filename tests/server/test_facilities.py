"""The list of initial health-care facilities on the server: `load-facilities` (checked line by line, all or
nothing, withdrawing what a new file leaves out), the changes feed that carries it, and the facility code
of family HI payment items, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from server_helpers import Device, Server, family_hi_payment, results_by_id
from sqlalchemy import select

from collector_app.domain.policy import PolicyTable
from collector_app.paths import resource_path
from provincial_server import cli
from provincial_server.services.facilities import WRITE_CHUNK, read_facilities_csv
from provincial_server.store.db import migrate, open_database
from provincial_server.store.schema import changes, facilities, payment_items

SAMPLE = resource_path("facilities/sample-facilities.csv")
HEADER = "code,name,province_code,address\n"
GOOD = (HEADER
        + "01001,Trạm Y tế phường Phúc Xá,01,\"Số 2, phố Phúc Xá, Hà Nội\"\n"
        + "01002,Trạm Y tế phường Trúc Bạch,01,\n"
        + "00001,Bệnh viện Trung ương,,\n")


def load(database_url: str, path: Path, *extra: str) -> tuple[int, str, str]:
    """`provincial-server load-facilities PATH` on the database: (exit status, stdout, stderr)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["load-facilities", "--database-url", database_url, str(path), *extra])
    return status, out.getvalue(), err.getvalue()


def stored(database_url: str) -> dict[str, dict[str, Any]]:
    database = open_database(database_url)
    try:
        with database.engine.connect() as connection:
            return {row.code: dict(row._mapping) for row in connection.execute(select(facilities))}
    finally:
        database.dispose()


def facility_changes(database_url: str) -> int:
    database = open_database(database_url)
    try:
        with database.engine.connect() as connection:
            return len(connection.execute(select(changes.c.id).where(changes.c.kind == "facility")).all())
    finally:
        database.dispose()


@pytest.fixture
def database(empty_database: str) -> str:
    """An empty database at the newest schema (PostgreSQL is migrated once per deploy, not by commands)."""
    migrate(empty_database)
    return empty_database


def write(tmp_path: Path, text: str, name: str = "facilities.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# ---- loading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
def test_a_good_file_is_loaded_whole_and_published_once_per_facility(database: str, tmp_path: Path,
                                                                     bom: bool):
    status, out, err = load(database, write(tmp_path, GOOD, bom=bom), "--json")

    assert (status, err) == (0, "")
    assert json.loads(out) == {"loaded": True, "listed": 3, "added": 3, "updated": 0, "withdrawn": 0,
                               "unchanged": 0}
    held = stored(database)
    assert held["01001"]["name"] == "Trạm Y tế phường Phúc Xá"
    assert held["01001"]["address"] == "Số 2, phố Phúc Xá, Hà Nội"
    assert held["00001"]["province_code"] is None and held["01002"]["address"] is None
    assert all(row["withdrawn_at"] is None for row in held.values())
    assert facility_changes(database) == 3


def test_every_wrong_line_is_named_in_one_line_and_nothing_is_loaded(database: str, tmp_path: Path):
    text = (HEADER
            + "01001,Trạm Y tế phường Phúc Xá,01,\n"  # line 2: good, yet not loaded
            + "ab c,Trạm Y tế B,01,\n"  # 3: not a code
            + "01001,Trạm Y tế C,1,\n"  # 4: the code again, and a province that is not one
            + "01003,   ,01,\n"  # 5: no name
            + "01004,Trạm\u202eY tế,01,\n"  # 6: an invisible character that reorders text
            + "01005,Trạm Y tế E,01,,extra\n"  # 7: a field too many
            + "\n"
            + f"{'9' * 21},Trạm Y tế F,01,\n")  # 9: too long
    path = write(tmp_path, text)
    status, out, err = load(database, path)

    assert status == cli.EXIT_REFUSED
    lines = [line.replace(str(path), "facilities.csv") for line in out.splitlines()]
    assert lines == [
        "facilities.csv: line 3: code 'AB C' is not a facility code: Latin letters and digits, groups joined by "
        "single hyphens, at most 20 characters",
        "facilities.csv: line 4: code 01001 is on line 2 already",
        "facilities.csv: line 4: province_code '1' is not a province code: two digits, e.g. 01 for Hà Nội, or empty",
        "facilities.csv: line 5: the name is empty",
        "facilities.csv: line 6: the name holds control or invisible characters (U+202E)",
        "facilities.csv: line 7: has 5 fields; the header names 4",
        f"facilities.csv: line 9: code '{'9' * 21}' is not a facility code: Latin letters and digits, groups joined "
        "by single hyphens, at most 20 characters",
    ]
    assert err == f"provincial-server: error: {path}: nothing loaded: 7 errors to correct first\n"
    assert stored(database) == {} and facility_changes(database) == 0


def test_loading_again_updates_names_and_withdraws_the_codes_left_out_without_deleting_them(
    database: str, tmp_path: Path
):
    load(database, write(tmp_path, GOOD))
    again = (HEADER
             + "01001,Trạm Y tế phường Phúc Xá (cơ sở mới),01,\"Số 2, phố Phúc Xá, Hà Nội\"\n"  # renamed
             + "00001,Bệnh viện Trung ương,,\n"  # unchanged; 01002 left out
             + "01003,Trạm Y tế phường Quán Thánh,01,\n")  # new
    status, out, _ = load(database, write(tmp_path, again, "again.csv"), "--json")

    assert status == 0
    assert json.loads(out) == {"loaded": True, "listed": 3, "added": 1, "updated": 1, "withdrawn": 1,
                               "unchanged": 1}
    held = stored(database)
    assert set(held) == {"01001", "01002", "01003", "00001"}
    assert held["01001"]["name"] == "Trạm Y tế phường Phúc Xá (cơ sở mới)"
    assert held["01002"]["withdrawn_at"] is not None
    assert held["00001"]["withdrawn_at"] is None
    assert facility_changes(database) == 3 + 3  # the new, the renamed and the withdrawn one

    status, out, _ = load(database, write(tmp_path, again, "again.csv"), "--json")
    assert json.loads(out)["unchanged"] == 3
    assert facility_changes(database) == 6  # the same file again publishes nothing

    status, out, _ = load(database, write(tmp_path, GOOD, "back.csv"), "--json")
    assert json.loads(out) == {"loaded": True, "listed": 3, "added": 0, "updated": 2, "withdrawn": 1,
                               "unchanged": 1}
    assert stored(database)["01002"]["withdrawn_at"] is None  # back on the list


def test_if_empty_loads_only_into_a_server_without_facilities(database: str):
    first = load(database, SAMPLE, "--if-empty")
    second = load(database, SAMPLE, "--if-empty")

    assert first[0] == 0 and "31 facilities on the list: 31 added" in first[1]
    assert second[0] == 0 and "nothing loaded (--if-empty)" in second[1]
    assert all(code.startswith("MAU-") and "(mẫu)" in row["name"] for code, row in stored(database).items())


def test_a_big_file_says_how_far_the_load_has_gone(database: str, tmp_path: Path):
    count = WRITE_CHUNK * 2 + 500
    text = HEADER + "".join(f"79{n:04d},Trạm Y tế số {n},79,\n" for n in range(count))
    status, out, err = load(database, write(tmp_path, text))

    assert status == 0 and f"{count:,} facilities on the list" in out
    assert err.splitlines() == [f"facilities: {done:,} of {count:,} changes written"
                                for done in (0, WRITE_CHUNK, 2 * WRITE_CHUNK, count)]
    assert len(stored(database)) == count


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "line 1: the file is empty"),
    (b"code,name\n01001,A\n", "line 1: the header must name the columns code,name,province_code and optionally "
                              "address (missing province_code)"),
    (b"code,name,province_code,phone\n", "line 1: the header must name the columns code,name,province_code and "
                                         "optionally address (unknown 'phone')"),
    (HEADER.encode(), "line 2: the file holds no facilities"),
    (HEADER.encode() + b"01001,Tr\xe1m,01,\n", "line 2: is not UTF-8 text"),
    (HEADER.encode() + b"01001,Tr\x00m,01,\n", "line 2: the name holds control or invisible characters (U+0000)"),
    (HEADER.encode() + b'01001,"Tram,01,\n', "is not CSV"),
])
def test_a_file_that_is_not_a_list_of_facilities_is_refused_with_a_line_number(data: bytes, expected: str):
    read = read_facilities_csv(data)
    assert read.facilities == [] or read.errors
    assert any(str(error).startswith(expected) or expected in str(error) for error in read.errors), read.errors


def test_codes_are_read_in_capitals_and_names_in_composed_form_with_single_spaces():
    read = read_facilities_csv(("Code , NAME,Province_Code\n mau-01-001 ,Tra\u0323m  Y tế  mẫu,01\n").encode())
    assert read.errors == []
    [facility] = read.facilities
    assert (facility.code, facility.name, facility.province_code, facility.address) == (
        "MAU-01-001", "Trạm Y tế mẫu", "01", None)


# ---- payments -----------------------------------------------------------------------------------


def test_family_hi_items_may_name_a_facility_and_the_server_keeps_it(server: Server, device: Device,
                                                                     policy_table: PolicyTable):
    new = family_hi_payment(device, policy_table, members=2)
    for item, code in zip(new["payload"]["items"], ("MAU-01-002", "01001"), strict=True):
        item["facility_code"] = code
    old = family_hi_payment(device, policy_table, members=1)  # from a device before the facility list
    assert "facility_code" not in old["payload"]["items"][0]
    wrong = family_hi_payment(device, policy_table, members=1)
    wrong["payload"]["items"][0]["facility_code"] = "mẫu 01"

    answer = device.upload(device.seal([new, old, wrong])).json()

    results = results_by_id(answer)
    assert results[new["record_id"]]["status"] == "accepted"
    assert results[old["record_id"]]["status"] == "accepted"
    assert results[wrong["record_id"]]["status"] == "rejected"
    assert results[wrong["record_id"]]["code"] == "sync.field_invalid"
    assert results[wrong["record_id"]]["params"] == {"field": "items[0].facility_code"}
    with server.engine.connect() as connection:
        codes = {(row[0], row[1]): row[2] for row in connection.execute(
            select(payment_items.c.payment_id, payment_items.c.position, payment_items.c.facility_code)
            .where(payment_items.c.payment_id.in_([new["record_id"], old["record_id"]])))}
    assert codes == {(new["record_id"], 0): "MAU-01-002", (new["record_id"], 1): "01001",
                     (old["record_id"], 0): None}
