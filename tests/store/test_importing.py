"""Importing households from CSV and XLSX files into a real store file."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from guards import memory_limited, pipes_never_block
from openpyxl import Workbook

from collector_app.domain.people import NewHousehold
from collector_app.domain.problems import ProblemCode
from collector_app.paths import resource_path
from collector_app.store import importing
from collector_app.store.db import Store
from collector_app.store.importing import ImportFileError, ImportReport, import_households
from collector_app.store.people import count_people
from collector_app.store.search import search_people

ON = date(2026, 11, 23)
HEADER = [
    "household_code",
    "full_name",
    "date_of_birth",
    "sex",
    "citizen_id",
    "phone",
    "address",
    "commune",
    "province",
]
BA_DINH = ("Phường Ba Đình", "Hà Nội")
QUY_CHAU = ("Xã Quỳ Châu", "Nghệ An")


def cccd(year: int, *, female: bool = False, place: str = "001", serial: int = 1) -> str:
    """A well-formed citizen ID: birth place, century-and-sex digit, year, serial."""
    century_sex = (year // 100 - 19) * 2 + int(female)
    return f"{place}{century_sex}{year % 100:02d}{serial:06d}"


def row(
    code: str,
    name: str,
    born: str,
    sex: str,
    citizen_id: str,
    *,
    phone: str = "",
    address: str = "Số 12, ngõ 45 phố Đội Cấn",
    place: tuple[str, str] = BA_DINH,
) -> list[str]:
    return [code, name, born, sex, citizen_id, phone, address, place[0], place[1]]


def good_rows() -> list[list[str]]:
    return [
        row("HD001", "Nguyễn Văn An", "15/03/1980", "Nam", cccd(1980, serial=12345), phone="0912345678"),
        row("HD001", "Trần Thị Bình", "02/11/1983", "Nữ", cccd(1983, female=True, place="036", serial=4567)),
        row("HD001", "Nguyễn Minh Khang", "2012-06-01", "nam", cccd(2012, serial=777)),
        row(
            "HD002",
            "Lê Thị Hoa",
            "20/07/1962",
            "NU",
            cccd(1962, female=True, place="040", serial=1234),
            address="Xóm 3",
            place=QUY_CHAU,
        ),
    ]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    bom: bool = True,
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], *, header: Sequence[str] = HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for values in rows:
        sheet.append(list(values))
    workbook.save(path)
    return path


def codes(report: ImportReport, line: int) -> list[ProblemCode]:
    return [error.problem.code for error in report.errors if error.line == line]


# ---- good files -------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False], ids=["with-bom", "without-bom"])
def test_a_good_csv_imports_every_household_and_person(store: Store, tmp_path: Path, bom: bool) -> None:
    path = write_csv(tmp_path / "households.csv", good_rows(), bom=bom)

    report = import_households(store, path, on=ON)

    assert report.errors == ()
    assert (report.total_rows, report.households_written, report.people_written) == (4, 2, 4)
    assert not report.dry_run
    assert count_people(store) == 4


def test_a_semicolon_delimited_csv_is_read(store: Store, tmp_path: Path) -> None:
    # What Excel writes where the list separator is ";"; addresses here contain commas.
    path = write_csv(tmp_path / "households.csv", good_rows(), delimiter=";")

    report = import_households(store, path, on=ON)

    assert report.errors == ()
    assert report.people_written == 4


def test_an_xlsx_file_with_date_cells_and_numeric_ids_is_imported(store: Store, tmp_path: Path) -> None:
    # Excel stores typed dates as dates and a CCCD typed as a number without its leading zero.
    rows: list[list[object]] = [
        [
            "HD001",
            "Nguyễn Văn An",
            datetime(1980, 3, 15),
            "Nam",
            int(cccd(1980, serial=12345)),
            912345678,
            "Số 12",
            *BA_DINH,
        ],
        [
            "HD001",
            "Trần Thị Bình",
            "02/11/1983",
            "Nữ",
            cccd(1983, female=True, place="036"),
            None,
            None,
            None,
            None,
        ],
    ]
    path = write_xlsx(tmp_path / "households.xlsx", rows)

    report = import_households(store, path, on=ON)

    assert report.errors == ()
    assert (report.households_written, report.people_written) == (1, 2)
    hits = search_people(store, cccd(1980, serial=12345))
    assert [hit.full_name for hit in hits] == ["Nguyễn Văn An"]


def test_header_names_are_matched_whatever_their_case_and_spaces(store: Store, tmp_path: Path) -> None:
    header = [
        " Household_Code",
        "FULL_NAME ",
        "Date_of_Birth",
        "Sex",
        "CITIZEN_ID",
        "Phone",
        "Address",
        "Commune",
        "Province",
        "note",
    ]
    path = write_csv(tmp_path / "households.csv", [r + ["ignored"] for r in good_rows()], header=header)

    report = import_households(store, path, on=ON)

    assert report.errors == ()
    assert report.people_written == 4


def test_the_shipped_templates_import_without_errors(store: Store) -> None:
    for name in ("households-template.csv", "households-template.xlsx"):
        report = import_households(store, resource_path(f"templates/{name}"), on=ON, dry_run=True)
        assert report.errors == (), name
        assert (report.total_rows, report.households_written) == (3, 2), name


def test_the_csv_template_starts_with_a_byte_order_mark_for_excel() -> None:
    assert resource_path("templates/households-template.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_imported_people_are_found_by_search(store: Store, tmp_path: Path) -> None:
    import_households(store, write_csv(tmp_path / "households.csv", good_rows()), on=ON)

    assert [hit.full_name for hit in search_people(store, "nguyen van an")] == ["Nguyễn Văn An"]
    assert [hit.full_name for hit in search_people(store, "LE THI HOA")] == ["Lê Thị Hoa"]


def test_rows_without_a_household_code_are_each_a_household_of_their_own(
    store: Store, tmp_path: Path
) -> None:
    rows = [r for r in good_rows()]
    for r in rows:
        r[0] = ""

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert report.errors == ()
    assert (report.households_written, report.people_written) == (4, 4)


def test_the_member_order_column_sets_the_order_within_the_household(store: Store, tmp_path: Path) -> None:
    from collector_app.store.people import get_household

    rows = [r + [order] for r, order in zip(good_rows(), ["3", "1", "2", ""], strict=True)]
    path = write_csv(tmp_path / "households.csv", rows, header=HEADER + ["member_order"])

    report = import_households(store, path, on=ON)

    assert report.errors == ()
    household_id = search_people(store, "Trần Thị Bình")[0].household_id
    members = [m.full_name for m in get_household(store, household_id).members]
    assert members == ["Trần Thị Bình", "Nguyễn Minh Khang", "Nguyễn Văn An"]


def test_progress_is_reported_while_checking_and_at_the_end(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []

    import_households(
        store,
        write_csv(tmp_path / "households.csv", good_rows()),
        on=ON,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls == [(2, 4), (4, 4), (4, 4)]


def test_all_households_are_written_in_one_transaction_so_a_failure_writes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collector_app.store import registration as people

    calls: list[int] = []

    def add_then_fail(store: Store, households: Sequence[NewHousehold], *, actor: str) -> list[str]:
        calls.append(len(households))
        # The last household repeats the first: the store refuses it after writing the others.
        return people.add_households(store, [*households, households[0]], actor=actor)

    monkeypatch.setattr(importing, "add_households", add_then_fail)

    with pytest.raises(people.DuplicateError):
        import_households(store, write_csv(tmp_path / "households.csv", good_rows()), on=ON)

    assert calls == [2]
    assert count_people(store) == 0


# ---- dry run ----------------------------------------------------------------------------------


def test_a_dry_run_checks_everything_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    rows = good_rows() + [row("", "Phạm Văn Tư", "31/02/1990", "Nam", cccd(1990, serial=9))]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON, dry_run=True)

    assert report.dry_run
    assert (report.households_written, report.people_written) == (2, 4)
    assert codes(report, 6) == [ProblemCode.IMPORT_BAD_DATE]
    assert count_people(store) == 0


# ---- bad rows ---------------------------------------------------------------------------------


def _one_bad_row(**changes: str) -> list[str]:
    values = dict(
        zip(HEADER, row("", "Phạm Văn Tư", "10/05/1990", "Nam", cccd(1990, serial=42)), strict=True)
    )
    values.update(changes)
    return [values[column] for column in HEADER]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"citizen_id": "00109000004"}, ProblemCode.CCCD_FORMAT),
        ({"citizen_id": cccd(1990, place="003")}, ProblemCode.CCCD_UNKNOWN_PROVINCE),
        ({"date_of_birth": "1990/05/10"}, ProblemCode.IMPORT_BAD_DATE),
        ({"date_of_birth": "10/05/1991"}, ProblemCode.CCCD_BIRTH_YEAR_MISMATCH),
        ({"sex": "Nữ"}, ProblemCode.CCCD_SEX_MISMATCH),
        ({"sex": "X"}, ProblemCode.IMPORT_BAD_SEX),
        ({"full_name": ""}, ProblemCode.IMPORT_MISSING_VALUE),
        ({"full_name": "Tư"}, ProblemCode.NAME_SINGLE_WORD),
        ({"phone": "024 3825 1234"}, ProblemCode.PHONE_NOT_MOBILE),
        ({"commune": "Phường Không Có"}, ProblemCode.IMPORT_UNKNOWN_COMMUNE),
        ({"commune": "Xã Quỳ Châu"}, ProblemCode.IMPORT_COMMUNE_NOT_IN_PROVINCE),
        ({"province": "Tỉnh Hà Tây"}, ProblemCode.IMPORT_UNKNOWN_PROVINCE),
        ({"commune": "", "province": ""}, ProblemCode.IMPORT_MISSING_VALUE),
        ({"address": ""}, ProblemCode.IMPORT_MISSING_VALUE),
    ],
    ids=lambda v: str(v) if isinstance(v, ProblemCode) else "",
)
def test_a_bad_row_is_reported_with_its_line_and_reason_and_not_written(
    store: Store, tmp_path: Path, changes: dict[str, str], expected: ProblemCode
) -> None:
    rows = good_rows() + [_one_bad_row(**changes)]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert expected in codes(report, 6)
    assert {error.line for error in report.errors} == {6}
    assert (report.households_written, report.people_written) == (2, 4)
    assert count_people(store) == 4


def test_an_ambiguous_commune_name_without_accents_is_reported(store: Store, tmp_path: Path) -> None:
    # Thái Nguyên has both Xã Văn Lang and Xã Văn Lăng.
    rows = [_one_bad_row(commune="van lang", province="Thái Nguyên")]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert codes(report, 2) == [ProblemCode.IMPORT_AMBIGUOUS_COMMUNE]


def test_a_citizen_id_twice_in_the_file_is_reported_on_the_second_line_naming_the_first(
    store: Store, tmp_path: Path
) -> None:
    rows = good_rows() + [row("", "Nguyễn Văn Ân", "15/03/1980", "Nam", cccd(1980, serial=12345))]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    [error] = [e for e in report.errors if e.line == 6]
    assert error.problem.code == ProblemCode.IMPORT_CITIZEN_ID_TWICE
    assert error.problem.params["first_line"] == 2
    assert codes(report, 2) == []


def test_a_citizen_id_already_in_the_store_is_reported(store: Store, tmp_path: Path) -> None:
    import_households(store, write_csv(tmp_path / "first.csv", good_rows()), on=ON)
    again = [row("", "Lê Thị Hoa", "20/07/1962", "Nữ", cccd(1962, female=True, place="040", serial=1234))]

    report = import_households(store, write_csv(tmp_path / "second.csv", again), on=ON)

    assert codes(report, 2) == [ProblemCode.IMPORT_CITIZEN_ID_IN_STORE]
    assert report.people_written == 0
    assert count_people(store) == 4


def test_a_household_with_one_bad_row_is_skipped_whole(store: Store, tmp_path: Path) -> None:
    rows = good_rows()
    rows[1][2] = "not a date"  # line 3, in household HD001 with lines 2 and 4

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert codes(report, 3) == [ProblemCode.IMPORT_BAD_DATE]
    for line in (2, 4):
        [error] = [e for e in report.errors if e.line == line]
        assert error.problem.code == ProblemCode.IMPORT_HOUSEHOLD_SKIPPED
        assert dict(error.problem.params) == {"household": "HD001", "line": 3}
        assert error.household_code == "HD001"
    assert (report.households_written, report.people_written) == (1, 1)
    assert search_people(store, "Nguyễn Văn An") == []
    assert [h.full_name for h in search_people(store, "Lê Thị Hoa")] == ["Lê Thị Hoa"]


def test_later_members_may_leave_the_household_address_empty(store: Store, tmp_path: Path) -> None:
    from collector_app.store.people import get_household

    rows = good_rows()
    rows[1][6:9] = ["", "", ""]
    rows[2][6:9] = ["", "", ""]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert report.errors == ()
    household = get_household(store, search_people(store, "Nguyễn Minh Khang")[0].household_id)
    assert (household.address, household.commune_code, household.province_code) == (
        "Số 12, ngõ 45 phố Đội Cấn",
        "00004",
        "01",
    )
    assert len(household.members) == 3


@pytest.mark.parametrize(("column", "value"), [("address", "Số 99 phố Khác"), ("commune", "Phường Ngọc Hà")])
def test_a_later_member_giving_another_address_is_an_error(
    store: Store, tmp_path: Path, column: str, value: str
) -> None:
    rows = good_rows()
    rows[2][HEADER.index(column)] = value

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    [error] = [e for e in report.errors if e.line == 4]
    assert error.problem.code == ProblemCode.IMPORT_HOUSEHOLD_DETAILS_DIFFER
    assert dict(error.problem.params) == {"column": column, "first_line": 2, "household": "HD001"}
    assert report.households_written == 1


def test_a_household_code_already_in_the_store_is_reported(store: Store, tmp_path: Path) -> None:
    import_households(store, write_csv(tmp_path / "first.csv", good_rows()[3:]), on=ON)
    again = [row("HD002", "Phạm Văn Tư", "10/05/1990", "Nam", cccd(1990, serial=42))]

    report = import_households(store, write_csv(tmp_path / "second.csv", again), on=ON)

    assert codes(report, 2) == [ProblemCode.IMPORT_HOUSEHOLD_CODE_IN_STORE]
    assert count_people(store) == 1


# ---- unusable files ---------------------------------------------------------------------------


def test_a_missing_required_column_is_an_error_for_the_whole_file(store: Store, tmp_path: Path) -> None:
    header = [c for c in HEADER if c != "province"]
    path = write_csv(tmp_path / "households.csv", [r[:-1] for r in good_rows()], header=header)

    with pytest.raises(ImportFileError) as raised:
        import_households(store, path, on=ON)

    [problem] = raised.value.problems
    assert problem.code == ProblemCode.IMPORT_MISSING_COLUMNS
    assert problem.params["columns"] == "province"
    assert count_people(store) == 0


def test_a_file_that_is_not_utf8_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_bytes(",".join(HEADER).encode() + "\nHD1,Lê Thị Hoa\n".encode("utf-16-le"))

    with pytest.raises(ImportFileError) as raised:
        import_households(store, path, on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_NOT_UTF8


@pytest.mark.parametrize("name", ["households.txt", "households.xls"])
def test_a_file_of_another_kind_is_refused(store: Store, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("x")

    with pytest.raises(ImportFileError) as raised:
        import_households(store, path, on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_UNSUPPORTED_FILE


def test_a_damaged_xlsx_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "households.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")

    with pytest.raises(ImportFileError) as raised:
        import_households(store, path, on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_UNREADABLE_FILE


# ---- hostile files and cells (issue 9: every input bounded) ------------------------------------


def test_a_csv_cell_past_the_csv_modules_limit_is_reported_with_its_line_not_raised(
    store: Store, tmp_path: Path
) -> None:
    # A cell over 131,072 characters once ended in "unexpected error: field larger than field limit".
    rows = good_rows() + [_one_bad_row(address="a" * 140_000)]

    with pytest.raises(ImportFileError) as raised:
        import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    [problem] = raised.value.problems
    assert problem.code == ProblemCode.IMPORT_CSV_CELL_TOO_LONG
    assert dict(problem.params) == {"name": "households.csv", "line": 6, "max_length": 131_072}
    assert count_people(store) == 0


def test_a_quotation_mark_left_open_is_reported_where_it_starts(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "households.csv", good_rows())
    path.write_text(path.read_text(encoding="utf-8-sig") + 'HD9,"Phạm Văn Tư' + ",x" * 70_000 + "\n", encoding="utf-8")

    with pytest.raises(ImportFileError) as raised:
        import_households(store, path, on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_CSV_CELL_TOO_LONG
    assert raised.value.problems[0].params["line"] == 6


def test_a_cell_longer_than_its_wire_limit_is_refused_naming_the_column_and_lengths(
    store: Store, tmp_path: Path
) -> None:
    # A 100,000-character address was once accepted and stored.
    rows = good_rows() + [_one_bad_row(address="Số 1 " * 20_000)]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    [error] = [e for e in report.errors if e.line == 6]
    assert error.problem.code == ProblemCode.IMPORT_VALUE_TOO_LONG
    assert dict(error.problem.params) == {"column": "address", "length": 99_999, "max_length": 200}
    assert report.households_written == 2


def test_invisible_and_control_characters_are_removed_from_cells_with_a_warning_on_that_line(
    store: Store, tmp_path: Path
) -> None:
    # ESC sequences, a right-to-left override and a zero-width space were once stored in addresses.
    hostile = "\x1b[31mSố 12\u202e, ngõ\u200b 45\nphố Đội Cấn"
    rows = [_one_bad_row(address=hostile, full_name="Phạm\u200b Văn Tư")]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert report.errors == ()
    assert [(w.line, dict(w.problem.params)) for w in report.warnings] == [
        (2, {"column": "full_name", "characters": "U+200B"}),
        (2, {"column": "address", "characters": "U+001B, U+202E, U+200B, U+000A"}),
    ]
    [hit] = search_people(store, "pham van tu")
    assert (hit.full_name, hit.address) == ("Phạm Văn Tư", "[31mSố 12, ngõ 45 phố Đội Cấn")


def test_member_order_in_arabic_indic_digits_is_refused_and_full_width_digits_are_read(
    store: Store, tmp_path: Path
) -> None:
    from collector_app.store.people import get_household

    # "١" (Arabic-Indic one) was once read as member 1.
    rows = [r + [order] for r, order in zip(good_rows(), ["２", "３", "1", "١"], strict=True)]
    path = write_csv(tmp_path / "households.csv", rows, header=HEADER + ["member_order"])

    report = import_households(store, path, on=ON)

    assert [(e.line, e.problem.code, dict(e.problem.params)) for e in report.errors] == [
        (5, ProblemCode.FOREIGN_DIGITS, {"characters": "U+0661"})
    ]
    household_id = search_people(store, "Trần Thị Bình")[0].household_id
    members = [m.full_name for m in get_household(store, household_id).members]
    assert members == ["Nguyễn Minh Khang", "Nguyễn Văn An", "Trần Thị Bình"]


@pytest.mark.parametrize("order", ["0", "101", "99999999999999999999"])
def test_a_member_order_outside_one_to_the_largest_household_is_refused(
    store: Store, tmp_path: Path, order: str
) -> None:
    path = write_csv(tmp_path / "households.csv", [_one_bad_row() + [order]], header=HEADER + ["member_order"])

    report = import_households(store, path, on=ON)

    assert [e.problem.code for e in report.errors] == [ProblemCode.IMPORT_BAD_MEMBER_ORDER]
    assert report.errors[0].problem.params == {"value": order, "max_members": 100}


def test_full_width_digits_in_citizen_id_and_phone_are_stored_as_ascii(store: Store, tmp_path: Path) -> None:
    citizen_id = cccd(1990, serial=42)
    full_width = citizen_id.translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)})
    rows = [_one_bad_row(citizen_id=full_width, phone="０９１２３４５６７８", date_of_birth="１０/０５/１９９０")]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert report.errors == ()
    [hit] = search_people(store, "０９１２３４")
    assert (hit.citizen_id, hit.phone, hit.date_of_birth) == (citizen_id, "0912345678", date(1990, 5, 10))


def test_a_household_of_more_than_a_hundred_rows_is_refused_whole(store: Store, tmp_path: Path) -> None:
    rows = [row("HD777", "Thích Minh Tuệ", "01/01/1980", "Nam", cccd(1980, serial=n), address="Chùa Một Cột")
            for n in range(1, 102)]

    report = import_households(store, write_csv(tmp_path / "households.csv", rows), on=ON)

    assert codes(report, 2)[0] == ProblemCode.HOUSEHOLD_TOO_MANY_MEMBERS
    assert report.households_written == 0


@pytest.mark.parametrize("born", ["01/01/1899", "31/12/9999", "0001-01-01"])
def test_a_date_of_birth_outside_the_app_dates_is_refused(store: Store, tmp_path: Path, born: str) -> None:
    report = import_households(store, write_csv(tmp_path / "households.csv", [_one_bad_row(date_of_birth=born)]),
                               on=ON)

    assert ProblemCode.DATE_OUT_OF_RANGE in codes(report, 2)


def test_a_pipe_a_device_and_a_folder_are_refused_without_being_read(store: Store, tmp_path: Path) -> None:
    pipe = tmp_path / "households.csv"
    os.mkfifo(pipe)  # reading it would wait for a writer for ever
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    device = tmp_path / "zero.csv"
    device.symlink_to("/dev/zero")  # reading it would never end

    for path in (pipe, folder, device):
        with pipes_never_block(pipe), memory_limited(), pytest.raises(ImportFileError) as raised:
            import_households(store, path, on=ON)
        assert raised.value.problems[0].code == ProblemCode.IMPORT_NOT_A_FILE, path


def test_a_missing_file_is_its_own_problem(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as raised:
        import_households(store, tmp_path / "nope.csv", on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_FILE_NOT_FOUND


def test_a_file_larger_than_any_household_list_is_refused_before_reading(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)

    with pytest.raises(ImportFileError) as raised:
        import_households(store, write_csv(tmp_path / "households.csv", good_rows()), on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_FILE_TOO_LARGE


def test_a_workbook_with_a_broken_sheet_is_unreadable_not_a_crash(store: Store, tmp_path: Path) -> None:
    import zipfile

    good = write_xlsx(tmp_path / "good.xlsx", good_rows())
    broken = tmp_path / "households.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"<worksheet><sheetData><row>" if item.filename.endswith("sheet1.xml") else data)

    with pytest.raises(ImportFileError) as raised:
        import_households(store, broken, on=ON)

    assert raised.value.problems[0].code == ProblemCode.IMPORT_UNREADABLE_FILE


def test_an_optional_facility_code_column_registers_each_person_for_family_hi(store: Store, tmp_path: Path) -> None:
    from collector_app.store.people import get_household

    rows = [r + [code] for r, code in zip(good_rows(), [" mau-01-002 ", "MAU-01-002", "", "MAU-40-003"],
                                          strict=True)]
    path = write_csv(tmp_path / "households.csv", rows, header=HEADER + ["facility_code"])

    report = import_households(store, path, on=ON)

    assert report.errors == ()
    household_id = search_people(store, "Trần Thị Bình")[0].household_id
    members = {m.full_name: m.hi_facility_code for m in get_household(store, household_id).members}
    assert members == {"Nguyễn Văn An": "MAU-01-002", "Trần Thị Bình": "MAU-01-002", "Nguyễn Minh Khang": None}


def test_a_facility_code_that_is_not_one_is_reported_on_its_line(store: Store, tmp_path: Path) -> None:
    rows = [r + [code] for r, code in zip(good_rows(), ["", "", "", "Trạm Y tế xã"], strict=True)]
    path = write_csv(tmp_path / "households.csv", rows, header=HEADER + ["facility_code"])

    report = import_households(store, path, on=ON)

    assert codes(report, 5) == [ProblemCode.FACILITY_CODE_FORMAT]
    assert (report.households_written, report.people_written) == (1, 3)
