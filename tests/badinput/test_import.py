"""The household import refuses what it cannot read, file by file and row by row, and writes nothing of it.

Whole files: wrong encodings (UTF-16, Windows-1258), binary files and other zips named `.xlsx`, and
an XLSX that unpacks to gigabytes (a zip bomb), refused from the zip's directory before anything is
unpacked, by a real `collector-app` process under a memory limit. Rows: every column with values of
wrong length or check digits, digits of other scripts, impossible or future dates, numbers of 10**30,
huge, formula-like and SQL-looking text, people already in the store or twice in the file. Each
refused row has a problem naming its line; the store is the same afterwards (`store_snapshot`).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from signing import open_test_store
import tally
from openpyxl import Workbook
from store_snapshot import snapshot
from test_cli_arguments import assert_clean, run_process

from collector_app.domain.people import NewHousehold, NewPerson, Sex
from collector_app.messages import message
from collector_app.store.db import Store
from collector_app.store.importing import MAX_XLSX_UNPACKED_BYTES, ImportFileError, import_households
from collector_app.store.registration import add_households

TODAY = date(2026, 8, 1)
HEADER = ["household_code", "full_name", "date_of_birth", "sex", "citizen_id", "phone", "address", "commune",
          "province", "member_order"]
GOOD = {"household_code": "HB0001", "full_name": "Phạm Văn Tư", "date_of_birth": "10/05/1990", "sex": "Nam",
        "citizen_id": "001090012345", "phone": "0912345678", "address": "Số 1 phố Huế",
        "commune": "Phường Ba Đình", "province": "Hà Nội", "member_order": "1"}
IN_STORE_ID = "001178012345"  # Đặng Thị Hằng, already registered
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
GIB = 1024**3


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_test_store(tmp_path / "collector.sqlite3")
    add_households(opened, [NewHousehold("0101000123", "12 phố Hàng Bông", "00070", "01", (
        NewPerson("Đặng Thị Hằng", date(1978, 11, 20), Sex.FEMALE, IN_STORE_ID),))], actor="test")
    yield opened
    opened.close()


def csv_text(rows: list[dict[str, str]] | list[list[str]]) -> str:
    lines = [",".join(HEADER)]
    for row in rows:
        cells = [row[name] for name in HEADER] if isinstance(row, dict) else row
        lines.append(",".join('"' + cell.replace('"', '""') + '"' for cell in cells))
    return "\n".join(lines) + "\n"


def windows_1258(text: str) -> bytes:
    """`text` as Windows-1258 writes Vietnamese: letters with their accents, tone marks combining after."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONE_MARKS))
            out += base.encode("cp1258") + "".join(p for p in parts if p in TONE_MARKS).encode("cp1258")
    return out


# ---- whole files --------------------------------------------------------------------------------


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _workbook_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([GOOD[name] for name in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BAD_FILES: dict[str, tuple[str, bytes | None, str]] = {
    # name: (file name, content, words the message has); content None: made by the test
    "utf16-bom": ("list.csv", csv_text([GOOD]).encode("utf-16"), "UTF-8"),
    "utf16-le-no-bom": ("list.csv", csv_text([GOOD]).encode("utf-16-le"), "UTF-8"),
    "utf16-be": ("list.csv", csv_text([GOOD]).encode("utf-16-be"), "UTF-8"),
    "windows-1258": ("list.csv", windows_1258(csv_text([GOOD])), "UTF-8"),
    "binary-csv": ("list.csv", bytes(range(256)) * 16, "UTF-8"),
    "binary-xlsx": ("list.xlsx", bytes(range(256)) * 16, "Cannot read"),
    "zip-header-then-garbage": ("list.xlsx", b"PK\x03\x04" + bytes(range(256)) * 16, "Cannot read"),
    "pdf-named-xlsx": ("list.xlsx", b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n", "Cannot read"),
    "csv-named-xlsx": ("list.xlsx", csv_text([GOOD]).encode(), "Cannot read"),
    "zip-not-a-workbook": ("list.xlsx", _zip({"readme.txt": b"hello"}), "Cannot read"),
    "workbook-cut-short": ("list.xlsx", None, "Cannot read"),
    "empty-xlsx": ("list.xlsx", b"", "Cannot read"),
    "empty-csv": ("list.csv", b"", "no header row"),
    "header-only-of-nothing": ("list.csv", b"\n\n,,,\n", "no header row"),
    "no-required-columns": ("list.csv", b"a,b,c\n1,2,3\n", "lacks the required columns"),
    "column-twice": ("list.csv", (",".join([*HEADER, "full_name"]) + "\n").encode(), "more than once"),
    "quote-left-open": ("list.csv", (csv_text([GOOD]) + 'HB9,"Phạm' + "a" * 140_000 + "\n").encode(),
                        "quotation mark"),
    "not-a-list-suffix": ("list.ods", b"x", "only .csv and .xlsx"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_file_that_is_not_a_household_list_is_refused_with_one_clear_message(name, tmp_path, store, english):
    file_name, content, words = BAD_FILES[name]
    if content is None:
        content = _workbook_bytes()[:-200]
    path = tmp_path / file_name
    path.write_bytes(content)
    before = snapshot(store)

    with pytest.raises(ImportFileError) as refused:
        import_households(store, path, on=TODAY)

    shown = message(refused.value.problems[0])
    assert words in shown and "\n" not in shown and len(shown) < 300, shown
    assert snapshot(store) == before
    tally.bad_input("import:encoding" if "utf" in name or "1258" in name or name == "binary-csv" else "import:file")


def _zip_bomb(path: Path, unpacked: int) -> None:
    """A real workbook whose sheet is followed by `unpacked` bytes of rows: a few MB that unpack to gigabytes."""
    row = b'<row><c t="inlineStr"><is><t>Ph\xe1\xba\xa1m V\xc4\x83n T\xc6\xb0</t></is></c></row>'
    chunk = row * (4 * 1024 * 1024 // len(row))
    with zipfile.ZipFile(io.BytesIO(_workbook_bytes())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(part.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with bomb.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(unpacked // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "households.xlsx"
    _zip_bomb(path, 1 * GIB)
    return path


def test_an_xlsx_that_unpacks_to_gigabytes_is_refused_before_it_is_unpacked(zip_bomb, tmp_path, store, english):
    assert zip_bomb.stat().st_size < 16 * 1024**2  # small on disk: only the size unpacked gives it away
    with zipfile.ZipFile(zip_bomb) as archive:
        assert sum(part.file_size for part in archive.infolist()) > GIB > MAX_XLSX_UNPACKED_BYTES
    before = snapshot(store)

    with pytest.raises(ImportFileError) as refused:
        import_households(store, zip_bomb, on=TODAY)

    assert "unpacks to more than 256 MB" in message(refused.value.problems[0])
    assert snapshot(store) == before
    tally.bad_input("import:zip-bomb")


def test_the_zip_bomb_is_one_line_from_a_real_process_in_bounded_memory(zip_bomb, tmp_path):
    # run_process limits the process to 2 GB of address space: unpacking the sheet would need more.
    data_dir = tmp_path / "data"
    assert run_process(["init"], data_dir).returncode == 0

    for argv in (["import", "households", str(zip_bomb)], ["import", "households", str(zip_bomb), "--dry-run"]):
        result = run_process(argv, data_dir)

        assert_clean(result, argv, data_dir, 0)
        assert result.returncode != 0 and "giải nén lớn hơn 256 MB" in result.stderr
        tally.bad_input("import:zip-bomb")


# ---- rows -----------------------------------------------------------------------------------------

HUGE = "1" + "0" * 30
BAD_VALUES: dict[str, list[str]] = {
    "citizen_id": ["00109001234", "0010900123456", "999090012345", "001290012345", "٠٠١٠٩٠٠١٢٣٤٥",
                   "००१०९००१२३४५", "00109001234x", HUGE, "001090 012345'--", "=1+1", IN_STORE_ID],
    "date_of_birth": ["30/02/1990", "31/12/2099", "01/01/1850", "00/00/0000", "١٠/٠٥/١٩٩٠", HUGE, "-1",
                      "1990-13-01", "=TODAY()", ""],
    "full_name": ["", "x" * 100_000, "Robert'); DROP TABLE people;--", "=HYPERLINK(\"http://x\",\"y\")",
                  "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "1234", "Phạm <script>"],
    "sex": ["", "X", "2", "Nam; DROP TABLE people", "x" * 1000],
    "phone": ["12345", "0912345678901234567890", "abc", "٠٩١٢٣٤٥٦٧٨", "=1+1"],
    "commune": ["", "Phường Không Có", "' OR 1=1 --", "x" * 100_000],
    "province": ["", "Atlantis", "Đà Nẵng", HUGE],
    "member_order": ["0", "-1", HUGE, "١", "1.5", "x", "101"],
    "household_code": ["x" * 10_000],
}


def bad_rows() -> list[tuple[str, str, dict[str, str]]]:
    rows = []
    for n, (column, values) in enumerate(BAD_VALUES.items()):
        for m, value in enumerate(values):
            row = dict(GOOD, household_code=f"HB{n:02d}{m:02d}", citizen_id=f"0010900{n:03d}{m:02d}")
            row[column] = value
            rows.append((column, value, row))
    return rows


def test_every_bad_value_in_every_column_refuses_its_row_by_line_and_writes_nothing(tmp_path, store, english):
    rows = bad_rows()
    path = tmp_path / "list.csv"
    path.write_text(csv_text([row for _c, _v, row in rows]), encoding="utf-8")
    before = snapshot(store)

    report = import_households(store, path, on=TODAY)

    refused_lines = {error.line for error in report.errors}
    accepted = [(column, value[:40]) for line, (column, value, _row) in enumerate(rows, start=2)
                if line not in refused_lines]
    assert accepted == []
    assert report.households_written == 0 and report.people_written == 0
    for error in report.errors:
        shown = message(error.problem)
        assert shown and "\n" not in shown and len(shown) < 400, shown
    assert snapshot(store) == before
    for column, _value, _row in rows:
        tally.bad_input(f"import:{column.replace('_', '-')}")


def test_rows_of_the_wrong_shape_are_refused_by_line(tmp_path, store, english):
    good = [GOOD[name] for name in HEADER]
    shapes = [good[:3], good[:-2], [*good, "extra", "cells"], [""] * 3 + ["x"], ["\x00" * 10]]
    rows = [[f"HS{n}", *shape[1:]] if shape and len(shape) > 1 else shape for n, shape in enumerate(shapes)]
    path = tmp_path / "list.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    before = snapshot(store)

    report = import_households(store, path, on=TODAY)

    assert report.households_written == 0
    assert {error.line for error in report.errors} == set(range(2, 2 + len(rows)))
    assert snapshot(store) == before
    tally.bad_input("import:row-shape", len(rows))


def test_the_same_person_twice_in_the_file_is_refused_the_second_time(tmp_path, store, english):
    first = dict(GOOD, household_code="HD01")
    again = dict(GOOD, household_code="HD02", address="Số 2 phố Huế")
    path = tmp_path / "list.csv"
    path.write_text(csv_text([first, again]), encoding="utf-8")

    report = import_households(store, path, on=TODAY)

    assert [(e.line, e.problem.code.value) for e in report.errors] == [(3, "import.citizen_id_twice")]
    assert report.people_written == 1
    tally.bad_input("import:duplicate-person")


def test_the_same_rows_with_good_values_would_all_be_imported(tmp_path, store):
    # The control: each bad row above is refused for its bad value, not for anything else in it.
    rows = [dict(GOOD, household_code=row["household_code"], citizen_id=row["citizen_id"])
            for _c, _v, row in bad_rows() if _c not in ("household_code", "citizen_id")]
    path = tmp_path / "list.csv"
    path.write_text(csv_text(rows), encoding="utf-8")

    report = import_households(store, path, on=TODAY, dry_run=True)

    assert report.errors == () and report.households_written == len(rows)
