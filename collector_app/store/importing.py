"""Importing households from a spreadsheet (CSV or XLSX): every row checked, valid households written at once.

A household with any bad row is left out whole; the rest go into the store in one transaction, so a
failed import writes nothing. Line numbers are the spreadsheet's own: the header is line 1.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from collector_app.admin_units import AdminUnits, load_admin_units
from collector_app.domain.dates import check_date
from collector_app.domain.facilities import check_facility_code, normalise_facility_code
from collector_app.domain.identity import check_citizen_id, check_full_name, check_si_code, normalise_phone
from collector_app.domain.people import MAX_HOUSEHOLD_MEMBERS, NewHousehold, NewPerson, Sex
from collector_app.domain.problems import DomainError, Problem, ProblemCode
from collector_app.domain.text import (
    describe_characters,
    fold,
    fold_digits,
    foreign_digits,
    normalise_name,
    strip_unsafe,
    unsafe_characters,
)
from collector_app.formatting import parse_date
from collector_app.store.db import Store
from collector_app.store.people import existing_citizen_ids
from collector_app.store.registration import add_households
from collector_app.store.schema import households as households_table
from collector_app.wire import TextLimits

Progress = Callable[[int, int], None]

REQUIRED_COLUMNS = (
    "household_code",
    "full_name",
    "date_of_birth",
    "sex",
    "citizen_id",
    "phone",
    "address",
    "commune",
    "province",
)
OPTIONAL_COLUMNS = ("si_code", "member_order", "facility_code")
PROGRESS_EVERY = 1000
DEFAULT_ACTOR = "import"

_SEXES = {
    "nam": Sex.MALE,
    "male": Sex.MALE,
    "m": Sex.MALE,
    "nu": Sex.FEMALE,
    "female": Sex.FEMALE,
    "f": Sex.FEMALE,
}
_DELIMITERS = (",", ";", "\t")
CITIZEN_ID_DIGITS = 12
SI_CODE_DIGITS = 10
MOBILE_DIGITS_WITHOUT_ZERO = 9
_CODES_PER_QUERY = 500
# A list of a million people is about 150 MB as CSV; a bigger file is not a household list.
MAX_FILE_BYTES = 256 * 1024 * 1024
# An XLSX is a zip: a file of a few kilobytes can unpack to gigabytes (a "zip bomb"). The parts it
# holds may together unpack to no more than a CSV may hold; checked from the zip's directory before
# anything is unpacked (Python's zipfile never unpacks a part past the size the directory gives).
MAX_XLSX_UNPACKED_BYTES = MAX_FILE_BYTES
# Columns that hold a number (or a date written in digits): full-width digits are read as 0-9, other
# scripts' digits are refused (`domain.text.fold_digits`, `foreign_digits`).
NUMERIC_COLUMNS = ("citizen_id", "si_code", "phone", "member_order", "date_of_birth")
# The longest text each column may hold; a longer cell is refused (and never echoed whole). Columns
# the wire carries as text have its limits; a commune or province is part of an address; the rest
# are short by their format (a date, a sex, a number), so 32 characters leave room for spaces.
COLUMN_LIMITS = {
    "full_name": TextLimits.FULL_NAME,
    "address": TextLimits.ADDRESS,
    "household_code": TextLimits.HOUSEHOLD_CODE,
    "phone": TextLimits.PHONE,
    "facility_code": TextLimits.FACILITY_CODE,
    "commune": TextLimits.ADDRESS,
    "province": TextLimits.ADDRESS,
}
FORMATTED_COLUMN_LIMIT = 32


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (unreadable, wrong format, required columns missing)."""


@dataclass(frozen=True)
class RowError:
    """One problem with one row; `line` is the spreadsheet row number (the header is line 1)."""

    line: int
    household_code: str | None
    problem: Problem


@dataclass(frozen=True)
class ImportReport:
    """What an import did. In a dry run the counts say what would have been written."""

    total_rows: int
    households_written: int
    people_written: int
    errors: tuple[RowError, ...]
    dry_run: bool
    # What was changed on the way in without refusing the row (invisible characters removed).
    warnings: tuple[RowError, ...] = ()

    @property
    def rows_with_errors(self) -> int:
        return len({error.line for error in self.errors})


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    person: NewPerson | None = None
    member_order: int | None = None
    commune_code: str | None = None
    province_code: str | None = None

    @property
    def household_code(self) -> str | None:
        return self.values["household_code"] or None


def import_households(
    store: Store,
    path: Path,
    *,
    on: date,
    dry_run: bool = False,
    progress: Progress | None = None,
    actor: str = DEFAULT_ACTOR,
) -> ImportReport:
    """Check every row of `path` as of `on` and write the valid households (unless `dry_run`).

    Raises `ImportFileError` when the file itself cannot be used; problems with rows are in the
    report, never raised.
    """
    header, raw_rows = _read_table(path)
    columns = _column_positions(header)
    rows = [_row(line, cells, columns) for line, cells in raw_rows]
    total = len(rows)
    checker = _RowChecker(load_admin_units(), on=on)

    first_line_of_id: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        checker.check(row)
        citizen_id = row.values["citizen_id"]
        if citizen_id:
            first = first_line_of_id.setdefault(citizen_id, row.line)
            if first != row.line:
                row.problems.append(
                    Problem(
                        ProblemCode.IMPORT_CITIZEN_ID_TWICE, {"citizen_id": citizen_id, "first_line": first}
                    )
                )
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)

    # One query for the whole file rather than one per row.
    registered = existing_citizen_ids(store, list(first_line_of_id))
    for row in rows:
        if row.values["citizen_id"] in registered:
            row.problems.append(
                Problem(ProblemCode.IMPORT_CITIZEN_ID_IN_STORE, {"citizen_id": row.values["citizen_id"]})
            )

    groups = _group(rows)
    codes_in_store = _existing_household_codes(
        store, [g[0].household_code for g in groups if g[0].household_code]
    )
    for group in groups:
        if group[0].household_code in codes_in_store:
            group[0].problems.append(
                Problem(ProblemCode.IMPORT_HOUSEHOLD_CODE_IN_STORE, {"household": group[0].household_code})
            )
    households, errors = _households(groups)
    people = sum(len(h.members) for h in households)
    if households and not dry_run:
        add_households(store, households, actor=actor)
    if progress is not None:
        progress(total, total)
    return ImportReport(
        total_rows=total,
        households_written=len(households),
        people_written=people,
        errors=tuple(sorted(errors, key=lambda e: e.line)),
        dry_run=dry_run,
        warnings=tuple(RowError(row.line, row.household_code, w) for row in rows for w in row.warnings),
    )


# ---- reading the file -------------------------------------------------------------------------


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty rows below it, each with its spreadsheet line number."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx"):
        _check_file(path)
    if suffix == ".csv":
        lines = _read_csv(path)
    elif suffix == ".xlsx":
        lines = _read_xlsx(path)
    else:
        raise ImportFileError(Problem(ProblemCode.IMPORT_UNSUPPORTED_FILE, {"name": path.name}))
    numbered = [(line, cells) for line, cells in lines if any(cells)]
    if not numbered:
        raise ImportFileError(Problem(ProblemCode.IMPORT_EMPTY_FILE, {"name": path.name}))
    (_, header), *body = numbered
    return header, body


def _check_file(path: Path) -> None:
    """A regular file no bigger than MAX_FILE_BYTES, or ImportFileError saying what it is instead.

    Checked before opening: reading a pipe waits for a writer for ever, and a device such as
    /dev/zero never ends.
    """
    try:
        status = path.stat()
    except OSError as exc:
        raise ImportFileError(_file_problem(path, exc)) from exc
    if not stat.S_ISREG(status.st_mode):
        raise ImportFileError(Problem(ProblemCode.IMPORT_NOT_A_FILE, {"name": path.name}))
    if status.st_size > MAX_FILE_BYTES:
        raise ImportFileError(Problem(ProblemCode.IMPORT_FILE_TOO_LARGE,
                                      {"name": path.name, "max_mb": MAX_FILE_BYTES // (1024 * 1024)}))


def _file_problem(path: Path, exc: OSError) -> Problem:
    """Why the file could not be opened, as a problem the user can act on."""
    if exc.errno == errno.ENOENT:
        return Problem(ProblemCode.IMPORT_FILE_NOT_FOUND, {"name": path.name})
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Problem(ProblemCode.IMPORT_PERMISSION_DENIED, {"name": path.name})
    if exc.errno == errno.EISDIR:
        return Problem(ProblemCode.IMPORT_NOT_A_FILE, {"name": path.name})
    return Problem(ProblemCode.IMPORT_UNREADABLE_FILE,
                   {"name": path.name, "reason": exc.strerror or os.strerror(exc.errno or 0)})


def _read_csv(path: Path) -> list[tuple[int, list[str]]]:
    try:
        # utf-8-sig drops the byte-order mark Excel writes, and reads files without one alike.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(Problem(ProblemCode.IMPORT_NOT_UTF8, {"name": path.name})) from exc
    except OSError as exc:
        raise ImportFileError(_file_problem(path, exc)) from exc
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" where the list separator is ";" (Vietnamese and most European settings).
    delimiter = max(_DELIMITERS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # A record is one spreadsheet row even when a quoted cell spans several physical lines.
    lines: list[tuple[int, list[str]]] = []
    try:
        for line, record in enumerate(reader, start=1):
            lines.append((line, [cell.strip() for cell in record]))
    except csv.Error as exc:
        # The csv module's own bound (131,072 characters a cell) is kept: no cell of a household list
        # comes near it (COLUMN_LIMITS), so reaching it means a quotation mark left open swallowed
        # the rest of the file. Say where it starts rather than import what is left.
        raise ImportFileError(Problem(ProblemCode.IMPORT_CSV_CELL_TOO_LONG, {
            "name": path.name, "line": len(lines) + 1, "max_length": csv.field_size_limit()})) from exc
    return lines


def _check_unpacked_size(path: Path) -> None:
    """ImportFileError unless the workbook's parts together unpack to at most MAX_XLSX_UNPACKED_BYTES."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except OSError as exc:
        raise ImportFileError(_file_problem(path, exc)) from exc
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:  # not a zip: no workbook either
        raise ImportFileError(Problem(ProblemCode.IMPORT_UNREADABLE_FILE,
                                      {"name": path.name, "reason": str(exc) or type(exc).__name__})) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(Problem(ProblemCode.IMPORT_XLSX_TOO_LARGE_UNPACKED,
                                      {"name": path.name, "max_mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)}))


def _read_xlsx(path: Path) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported when used: 12 MB and 0.17 s the window need not pay at start
    from openpyxl.utils.exceptions import InvalidFileException

    _check_unpacked_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            raw = list(sheet.iter_rows(values_only=True))
        finally:
            workbook.close()
    except OSError as exc:
        raise ImportFileError(_file_problem(path, exc)) from exc
    except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, ValueError, TypeError,
            SyntaxError, EOFError, zlib.error) as exc:
        # A workbook is a zip of XML parts: a damaged one fails in any of these ways (a broken
        # part raises the XML parser's error, a SyntaxError), and none of it can be imported.
        problem = Problem(ProblemCode.IMPORT_UNREADABLE_FILE,
                          {"name": path.name, "reason": str(exc) or type(exc).__name__})
        raise ImportFileError(problem) from exc
    header_at = next((i for i, cells in enumerate(raw) if any(c not in (None, "") for c in cells)), None)
    if header_at is None:
        return []
    names = [_header_name(_cell_text(c)) for c in raw[header_at]]
    lines = [(header_at + 1, [_cell_text(c) for c in raw[header_at]])]
    for index in range(header_at + 1, len(raw)):
        cells = raw[index]
        lines.append(
            (index + 1, [_cell_text(c, names[i] if i < len(names) else "") for i, c in enumerate(cells)])
        )
    return lines


def _cell_text(value: object, column: str = "") -> str:
    """A cell as the text a person would have typed.

    A column of digits typed into Excel without text format becomes numbers and loses its leading
    zero (CCCD 001080012345 -> 1080012345, phone 0912345678 -> 912345678): put it back.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(value)
        if column == "citizen_id":
            return digits.zfill(CITIZEN_ID_DIGITS)
        if column == "si_code":
            return digits.zfill(SI_CODE_DIGITS)
        if column == "phone" and len(digits) == MOBILE_DIGITS_WITHOUT_ZERO:
            return "0" + digits
        return digits
    return str(value).strip()


def _header_name(text: str) -> str:
    return "_".join(strip_unsafe(text).strip().lower().replace("-", " ").split())


def _column_positions(header: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _header_name(raw)
        if not name:
            continue
        if name in positions:
            raise ImportFileError(Problem(ProblemCode.IMPORT_DUPLICATE_COLUMN, {"column": name}))
        positions[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise ImportFileError(Problem(ProblemCode.IMPORT_MISSING_COLUMNS, {"columns": ", ".join(missing)}))
    return {name: i for name, i in positions.items() if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}


def _row(line: int, cells: Sequence[str], columns: dict[str, int]) -> _Row:
    """A row's values by column, made safe: invisible characters removed (with a warning), full-width
    digits read as 0-9 in numeric columns, over-long cells cut to their limit (with a problem)."""
    row = _Row(line, {})
    for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        index = columns.get(name)
        value = cells[index] if index is not None and index < len(cells) else ""
        if bad := unsafe_characters(value):
            # Cells copied from web pages or typed with Alt+Enter carry them; they would be invisible
            # on a receipt, or reorder what it shows (U+202E), so they never reach the store.
            value = " ".join(strip_unsafe(value).split())
            row.warnings.append(Problem(ProblemCode.IMPORT_UNSAFE_CHARACTERS_REMOVED,
                                        {"column": name, "characters": describe_characters(bad)}))
        if name in NUMERIC_COLUMNS:
            value = fold_digits(value)
        limit = COLUMN_LIMITS.get(name, FORMATTED_COLUMN_LIMIT)
        if len(value) > limit:
            row.problems.append(Problem(ProblemCode.IMPORT_VALUE_TOO_LONG,
                                        {"column": name, "length": len(value), "max_length": limit}))
            value = value[:limit]
        row.values[name] = value
    # People write "001 080 012345" as they read it off the card.
    row.values["citizen_id"] = "".join(row.values["citizen_id"].split())
    return row


# ---- checking one row -------------------------------------------------------------------------


class _RowChecker:
    """Checks rows one at a time as of `on`.

    Remembers what repeats within a file, each a pure function of its text: names (there are many
    a Nguyễn Văn An), phones (members of a household often share one) and above all places (a file
    names the same few communes again and again).
    """

    def __init__(self, units: AdminUnits, *, on: date) -> None:
        self._units = units
        self._on = on
        self._names: dict[str, list[Problem]] = {}
        self._phones: dict[str, tuple[str | None, list[Problem]]] = {}
        self._places: dict[tuple[str, str], tuple[str, str] | Problem] = {}

    def check(self, row: _Row) -> None:
        self._check_person(row)
        self._check_place(row)

    def _check_person(self, row: _Row) -> None:
        values, problems = row.values, row.problems
        for column in ("full_name", "date_of_birth", "sex", "citizen_id"):
            if not values[column]:
                problems.append(Problem(ProblemCode.IMPORT_MISSING_VALUE, {"column": column}))

        name = normalise_name(values["full_name"])
        if name:
            if name not in self._names:
                self._names[name] = check_full_name(name)
            problems.extend(self._names[name])

        date_of_birth: date | None = None
        if values["date_of_birth"]:
            if found := foreign_digits(values["date_of_birth"]):
                problems.append(_foreign_digits(found))
            else:
                try:
                    date_of_birth = parse_date(values["date_of_birth"])
                except ValueError:
                    problems.append(Problem(ProblemCode.IMPORT_BAD_DATE, {"value": values["date_of_birth"]}))
            if date_of_birth is not None and (out_of_range := check_date(date_of_birth)):
                problems.extend(out_of_range)
                date_of_birth = None

        sex: Sex | None = None
        if values["sex"]:
            sex = _SEXES.get(fold(values["sex"]))
            if sex is None:
                problems.append(Problem(ProblemCode.IMPORT_BAD_SEX, {"value": values["sex"]}))

        citizen_id = values["citizen_id"]
        if citizen_id:
            # Checked against the date of birth and sex of the same row: the ID encodes both.
            check = check_citizen_id(citizen_id, on=self._on, date_of_birth=date_of_birth, sex=sex)
            problems.extend(check.problems)
        elif date_of_birth is not None and date_of_birth > self._on:
            problems.append(Problem(ProblemCode.DATE_OF_BIRTH_IN_FUTURE))

        phone: str | None = None
        if values["phone"]:
            if values["phone"] not in self._phones:
                self._phones[values["phone"]] = normalise_phone(values["phone"])
            phone, phone_problems = self._phones[values["phone"]]
            problems.extend(phone_problems)

        si_code = values["si_code"] or None
        if si_code:
            problems.extend(check_si_code(si_code))

        # Family HI: the initial health-care facility, a code of the server's list (not checked
        # against the list here: a device may import before it has pulled the list).
        facility_code = normalise_facility_code(values["facility_code"]) or None
        if facility_code:
            problems.extend(check_facility_code(facility_code))

        if values["member_order"]:
            order = values["member_order"]
            if found := foreign_digits(order):
                # str.isdigit() and int() would read Arabic-Indic "١" as 1.
                problems.append(_foreign_digits(found))
            elif order.isascii() and order.isdigit() and 1 <= int(order) <= MAX_HOUSEHOLD_MEMBERS:
                row.member_order = int(order)
            else:
                problems.append(Problem(ProblemCode.IMPORT_BAD_MEMBER_ORDER,
                                        {"value": order, "max_members": MAX_HOUSEHOLD_MEMBERS}))

        if not problems and date_of_birth is not None and sex is not None:
            row.person = NewPerson(
                full_name=name,
                date_of_birth=date_of_birth,
                sex=sex,
                citizen_id=citizen_id,
                si_code=si_code,
                phone=phone,
                hi_facility_code=facility_code,
            )

    def _check_place(self, row: _Row) -> None:
        """Resolve the row's commune and province when it gives them (later rows of a household may not)."""
        commune, province = row.values["commune"], row.values["province"]
        if not commune and not province:
            return
        if not commune or not province:
            missing = "commune" if not commune else "province"
            row.problems.append(Problem(ProblemCode.IMPORT_MISSING_VALUE, {"column": missing}))
            return
        if (commune, province) not in self._places:
            self._places[commune, province] = self._resolve_place(commune, province)
        place = self._places[commune, province]
        if isinstance(place, Problem):
            row.problems.append(place)
        else:
            row.commune_code, row.province_code = place

    def _resolve_place(self, commune_text: str, province_text: str) -> tuple[str, str] | Problem:
        province = self._units.find_province(province_text)
        if province is None:
            return Problem(ProblemCode.IMPORT_UNKNOWN_PROVINCE, {"value": province_text})
        found = self._units.match_communes(commune_text, province.code)
        if len(found) == 1:
            return found[0].code, province.code
        if found:
            return Problem(
                ProblemCode.IMPORT_AMBIGUOUS_COMMUNE,
                {"value": commune_text, "candidates": ", ".join(f"{c.full_name} ({c.code})" for c in found)},
            )
        if self._units.match_communes(commune_text):
            return Problem(
                ProblemCode.IMPORT_COMMUNE_NOT_IN_PROVINCE,
                {"commune": commune_text, "province": province.full_name},
            )
        return Problem(ProblemCode.IMPORT_UNKNOWN_COMMUNE, {"value": commune_text})


def _foreign_digits(found: list[str]) -> Problem:
    return Problem(ProblemCode.FOREIGN_DIGITS, {"characters": describe_characters(found)})


def _existing_household_codes(store: Store, codes: Sequence[str]) -> set[str]:
    found: set[str] = set()
    with store.read() as connection:
        for start in range(0, len(codes), _CODES_PER_QUERY):
            batch = codes[start : start + _CODES_PER_QUERY]
            found.update(
                connection.scalars(
                    select(households_table.c.household_code).where(
                        households_table.c.household_code.in_(batch)
                    )
                )
            )
    return found


# ---- households -------------------------------------------------------------------------------


def _group(rows: Iterable[_Row]) -> list[list[_Row]]:
    """Rows sharing a household code, in file order; a row without a code is a household alone."""
    groups: dict[str | int, list[_Row]] = {}
    for row in rows:
        key: str | int = row.household_code if row.household_code is not None else row.line
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _check_household_details(rows: list[_Row]) -> None:
    """The first row gives the household's address; later rows leave it empty or repeat it.

    A household has at most MAX_HOUSEHOLD_MEMBERS rows.
    """
    first = rows[0]
    if len(rows) > MAX_HOUSEHOLD_MEMBERS:
        first.problems.append(Problem(ProblemCode.HOUSEHOLD_TOO_MANY_MEMBERS,
                                      {"members": len(rows), "max_members": MAX_HOUSEHOLD_MEMBERS}))
    if not first.values["address"]:
        first.problems.append(Problem(ProblemCode.IMPORT_MISSING_VALUE, {"column": "address"}))
    if not first.values["commune"] and not first.values["province"]:
        first.problems.extend(
            Problem(ProblemCode.IMPORT_MISSING_VALUE, {"column": column})
            for column in ("commune", "province")
        )
    first_address = normalise_name(first.values["address"]).casefold()
    for row in rows[1:]:
        differs = []
        if row.values["address"] and normalise_name(row.values["address"]).casefold() != first_address:
            differs.append("address")
        # A place that did not resolve has its own problem already; compare only real codes.
        if None not in (row.commune_code, first.commune_code) and (row.commune_code, row.province_code) != (
            first.commune_code,
            first.province_code,
        ):
            differs.append("commune")
        row.problems.extend(
            Problem(
                ProblemCode.IMPORT_HOUSEHOLD_DETAILS_DIFFER,
                {"column": column, "first_line": first.line, "household": row.household_code},
            )
            for column in differs
        )


def _households(groups: list[list[_Row]]) -> tuple[list[NewHousehold], list[RowError]]:
    households: list[NewHousehold] = []
    errors: list[RowError] = []
    for rows in groups:
        _check_household_details(rows)
        bad = [row for row in rows if row.problems]
        if bad:
            for row in rows:
                errors.extend(RowError(row.line, row.household_code, p) for p in row.problems)
                if not row.problems:
                    skipped = Problem(
                        ProblemCode.IMPORT_HOUSEHOLD_SKIPPED,
                        {"household": row.household_code, "line": bad[0].line},
                    )
                    errors.append(RowError(row.line, row.household_code, skipped))
            continue
        first = rows[0]
        assert first.commune_code is not None and first.province_code is not None
        # Declared member order (the family HI ladder) when given, else the order of the file.
        ordered = sorted(rows, key=lambda r: (r.member_order is None, r.member_order or 0))
        households.append(
            NewHousehold(
                household_code=first.household_code,
                address=normalise_name(first.values["address"]),
                commune_code=first.commune_code,
                province_code=first.province_code,
                members=tuple(row.person for row in ordered if row.person is not None),
            )
        )
    return households, errors
