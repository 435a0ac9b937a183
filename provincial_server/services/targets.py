"""The province's yearly plan: targets per point and scheme, set one at a time or imported from a file, and
sent to the point's devices through the changes feed.

The file (`import-targets`): CSV, UTF-8 with or without a byte order mark, or an XLSX workbook (its
first sheet), a header naming the columns year, point_code, scheme, participants and amount (empty: no
amount target), in any order, then one target a line. Every line is checked before anything is written; one wrong line and nothing is.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from collector_app.domain.progress import SCHEMES
from collector_app.wire import ErrorCode
from provincial_server.services.errors import Invalid, NotFound
from provincial_server.store.targets import TargetRow
from provincial_server.store.unit_of_work import UnitOfWork

YEARS = (2000, 2100)
MAX_PARTICIPANTS = 10_000_000  # more people than any province has
MAX_AMOUNT = 10**15  # VND: far above a province's year
COLUMNS = ("year", "point_code", "scheme", "participants", "amount")
MAX_TARGETS = 100_000
WRITE_CHUNK = 1_000

Progress = Callable[[int, int], None]
"""(written, to write) as an import goes."""


@dataclass(frozen=True)
class TargetsWritten:
    written: int  # targets new or changed
    unchanged: int
    points: int  # points whose devices are told


def check_target(year: int, scheme: str, participants: int, amount: int | None) -> str | None:
    """Why these figures cannot be a target, in English; None when they can."""
    if not YEARS[0] <= year <= YEARS[1]:
        return f"year {year} is out of range ({YEARS[0]} to {YEARS[1]})"
    if scheme not in SCHEMES:
        return f"scheme {scheme!r} is not one of {', '.join(SCHEMES)}"
    if not 0 <= participants <= MAX_PARTICIPANTS:
        return f"participants must be a whole number from 0 to {MAX_PARTICIPANTS:,}"
    if amount is not None and not 0 <= amount <= MAX_AMOUNT:
        return f"amount must be a whole number of đồng from 0 to {MAX_AMOUNT:,}"
    return None


def set_targets(uow: UnitOfWork, rows: Sequence[TargetRow], *, now: datetime,
                progress: Progress | None = None) -> TargetsWritten:
    """Store these targets in one transaction and tell each point's devices (one change per point changed)."""
    for row in rows:
        problem = check_target(row.year, row.scheme, row.participants, row.amount)
        if problem is not None:
            raise Invalid(ErrorCode.REQUEST_INVALID, problem)
    with uow:
        named = sorted({row.point_code for row in rows})
        known = uow.targets.point_names(named)
        unknown = [code for code in named if code not in known]
        if unknown:
            raise NotFound(ErrorCode.NOT_FOUND, f"no collection point {unknown[0]}"
                           + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""))
        held = uow.targets.held([(row.year, row.point_code, row.scheme) for row in rows])
        changed = [row for row in rows if held.get((row.year, row.point_code, row.scheme)) != row]
        if progress is not None:
            progress(0, len(changed))
        for start in range(0, len(changed), WRITE_CHUNK):
            uow.targets.write(changed[start : start + WRITE_CHUNK], now=now)
            if progress is not None:
                progress(min(start + WRITE_CHUNK, len(changed)), len(changed))
        told = sorted({row.point_code for row in changed})
        for point_code in told:
            uow.feed.append("target", point_code=point_code, now=now)
        uow.commit()
    return TargetsWritten(written=len(changed), unchanged=len(rows) - len(changed), points=len(told))


def list_targets(uow: UnitOfWork, *, year: int | None, point_code: str | None,
                 commune_code: str | None) -> list[TargetRow]:
    with uow:
        codes = [point_code] if point_code is not None else (
            uow.targets.point_codes(commune_code) if commune_code is not None else None)
        return uow.targets.of(year, codes)


@dataclass(frozen=True)
class ReadTargets:
    targets: list[TargetRow]
    error: str | None  # "line N: why", the first wrong line: nothing may be written


def read_targets(data: bytes) -> ReadTargets:
    """Every target of a CSV file or an XLSX workbook (its first sheet), or the first wrong line and why."""
    if data.startswith(b"PK\x03\x04"):  # a zip: what an XLSX workbook is
        return _read_lines(_xlsx_lines(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return ReadTargets([], f"line {line}: is not UTF-8 text: save the file as CSV UTF-8")
    return _read_lines(_csv_lines(text))


class _Unreadable(Exception):
    """The file is not a CSV or XLSX file; the message says where and why."""


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 0
    try:
        for fields in reader:
            yield line + 1, fields
            line = reader.line_num
    except csv.Error as error:
        raise _Unreadable(f"line {max(reader.line_num, 1)}: is not CSV: {error}") from None


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only an XLSX plan needs it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in values]
    except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile) as error:
        raise _Unreadable(f"is not an XLSX workbook ({type(error).__name__})") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a whole number typed in a spreadsheet may come back as 120.0
    return str(value)


def _read_lines(lines: Iterator[tuple[int, list[str]]]) -> ReadTargets:
    found: list[TargetRow] = []
    seen: dict[tuple[int, str, str], int] = {}
    try:
        _first, header = next(lines, (1, []))
        names = [name.strip().lower() for name in header]
        while names and not names[-1]:  # a spreadsheet's empty columns after the last
            names.pop()
        if sorted(names) != sorted(COLUMNS):
            return ReadTargets([], f"line 1: the header must name the columns {','.join(COLUMNS)}")
        index = {name: names.index(name) for name in COLUMNS}
        for start, fields in lines:
            if not fields or all(not field.strip() for field in fields):
                continue
            fields = fields[: len(names)] if all(not f.strip() for f in fields[len(names):]) else fields
            if len(found) >= MAX_TARGETS:
                return ReadTargets([], f"line {start}: the file holds more than {MAX_TARGETS:,} targets")
            if len(fields) != len(names):
                return ReadTargets([], f"line {start}: has {len(fields)} fields; the header names {len(names)}")
            row = _row(fields, index)
            if isinstance(row, str):
                return ReadTargets([], f"line {start}: {row}")
            key = (row.year, row.point_code, row.scheme)
            if key in seen:
                return ReadTargets([], f"line {start}: the same target as line {seen[key]}")
            seen[key] = start
            found.append(row)
    except _Unreadable as error:
        return ReadTargets([], str(error))
    if not found:
        return ReadTargets([], "line 2: the file holds no targets")
    return ReadTargets(found, None)


_NUMBER = re.compile(r"[0-9]{1,16}|[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*")


def _whole(text: str) -> int | None:
    """A whole number, its thousands grouped or not (1500000, 1.500.000, 1,500,000); no fractions."""
    text = text.strip()
    if not (text.isascii() and _NUMBER.fullmatch(text)):
        return None
    digits = text.replace(".", "").replace(",", "")
    return int(digits) if len(digits) <= 16 else None


def _row(fields: Sequence[str], index: dict[str, int]) -> TargetRow | str:
    year = _whole(fields[index["year"]])
    participants = _whole(fields[index["participants"]])
    amount_text = fields[index["amount"]].strip()
    amount = _whole(amount_text) if amount_text else None
    point = fields[index["point_code"]].strip().upper()
    scheme = fields[index["scheme"]].strip().lower()
    if year is None:
        return f"year {_shown(fields[index['year']])} is not a year"
    if participants is None:
        return f"participants {_shown(fields[index['participants']])} is not a whole number"
    if amount_text and amount is None:
        return f"amount {_shown(amount_text)} is not a whole number of đồng"
    if not (point.isascii() and point.isalnum() and len(point) <= 12):
        return f"point_code {_shown(point)} is not a point code"
    problem = check_target(year, scheme, participants, amount)
    return problem if problem is not None else TargetRow(year, point, scheme, participants, amount)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")
