"""The list of initial health-care facilities (nơi đăng ký KCB ban đầu): read from a CSV file, checked row by
row, loaded whole or not at all, and published to every device's next pull.

The file: UTF-8 (a byte order mark is allowed), a header naming the columns `code`, `name`,
`province_code` and optionally `address`, in any order, then one facility a line. Loading a list
again updates what changed, and withdraws (never deletes) the codes the new file leaves out: people
and old payments still name them. Each facility that changed becomes one change in the feed, so a
device pulls only what changed since its cursor.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from collector_app.domain.facilities import FACILITY_CODE_MAX, is_facility_code, normalise_facility_code
from collector_app.domain.text import describe_characters, normalise_name, unsafe_characters
from collector_app.wire import TextLimits
from provincial_server.store.facilities import FacilityRow
from provincial_server.store.unit_of_work import UnitOfWork

REQUIRED_COLUMNS = ("code", "name", "province_code")
OPTIONAL_COLUMNS = ("address",)
MAX_FACILITIES = 200_000  # a whole country's list is about 13,000
WRITE_CHUNK = 2_000
"""Facilities written per step of the progress the loader reports."""
_PROVINCE = re.compile(r"[0-9]{2}")

Progress = Callable[[int, int], None]
"""(written, to write) as the load goes."""


@dataclass(frozen=True)
class FacilityLine:
    """One facility as the file gives it, checked and in stored form."""

    line: int
    code: str
    name: str
    province_code: str | None
    address: str | None


@dataclass(frozen=True)
class LineError:
    line: int  # 1 = the header
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ReadFacilities:
    facilities: list[FacilityLine]
    errors: list[LineError]  # any error: nothing may be loaded


@dataclass(frozen=True)
class Loaded:
    listed: int  # facilities on the list now (the file's)
    added: int
    updated: int  # renamed, moved, or back on the list after a withdrawal
    withdrawn: int  # on the list before, absent from this file
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"listed": self.listed, "added": self.added, "updated": self.updated, "withdrawn": self.withdrawn,
                "unchanged": self.unchanged}


def read_facilities_csv(data: bytes) -> ReadFacilities:
    """Every facility of a CSV file, or every line that is wrong and why (one error per wrong field)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return ReadFacilities([], [LineError(line, "is not UTF-8 text: save the file as CSV UTF-8")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[LineError] = []
    found: list[FacilityLine] = []
    try:
        header = next(reader, None)
        if header is None:
            return ReadFacilities([], [LineError(1, "the file is empty: it needs a header line, "
                                                    f"{','.join(REQUIRED_COLUMNS)}[,address]")])
        columns = _columns(header, errors)
        if columns is None:
            return ReadFacilities([], errors)
        first_line: dict[str, int] = {}
        line = reader.line_num
        for fields in reader:
            start, line = line + 1, reader.line_num
            if not fields or all(not field.strip() for field in fields):
                continue  # a blank line
            if len(found) + len(errors) >= MAX_FACILITIES:
                errors.append(LineError(start, f"the file holds more than {MAX_FACILITIES:,} facilities"))
                break
            if len(fields) != len(header):
                errors.append(LineError(start, f"has {len(fields)} fields; the header names {len(header)}"))
                continue
            code = normalise_facility_code(fields[columns["code"]])
            earlier = first_line.setdefault(code, start) if code else start
            if earlier != start:
                errors.append(LineError(start, f"code {code} is on line {earlier} already"))
            facility = _facility(start, code, fields, columns, errors)
            if facility is not None and earlier == start:
                found.append(facility)
    except csv.Error as error:
        errors.append(LineError(max(reader.line_num, 1), f"is not CSV: {error}"))
    if not found and not errors:
        errors.append(LineError(2, "the file holds no facilities: a list with none would withdraw every one"))
    return ReadFacilities(found, errors)


def _columns(header: Sequence[str], errors: list[LineError]) -> dict[str, int] | None:
    names = [name.strip().lower() for name in header]
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    unknown = [name for name in names if name not in allowed]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    twice = sorted({name for name in names if names.count(name) > 1})
    if unknown or missing or twice:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(repr(name[:40]) for name in unknown[:5])}"] if unknown else []) + (
            [f"twice {', '.join(twice)}"] if twice else [])
        errors.append(LineError(1, f"the header must name the columns {','.join(REQUIRED_COLUMNS)} and optionally "
                                   f"address ({'; '.join(problems)})"))
        return None
    return {name: names.index(name) for name in names}


def _facility(line: int, code: str, fields: Sequence[str], columns: dict[str, int],
              errors: list[LineError]) -> FacilityLine | None:
    """The facility of one line (`code` normalised), or None with each wrong field noted."""
    before = len(errors)
    if not code:
        errors.append(LineError(line, "the code is empty"))
    elif not is_facility_code(code):
        errors.append(LineError(line, f"code {_shown(code)} is not a facility code: Latin letters and digits, "
                                      f"groups joined by single hyphens, at most {FACILITY_CODE_MAX} characters"))
    name = _text(line, "name", fields[columns["name"]], TextLimits.FACILITY_NAME, errors, required=True)
    province = fields[columns["province_code"]].strip() or None
    if province is not None and not (province.isascii() and _PROVINCE.fullmatch(province)):
        errors.append(LineError(line, f"province_code {_shown(province)} is not a province code: two digits, "
                                      "e.g. 01 for Hà Nội, or empty"))
    address = None
    if "address" in columns:
        address = _text(line, "address", fields[columns["address"]], TextLimits.ADDRESS, errors, required=False)
    if len(errors) != before or name is None:
        return None
    return FacilityLine(line=line, code=code, name=name, province_code=province, address=address)


def _text(line: int, column: str, value: str, limit: int, errors: list[LineError], *, required: bool) -> str | None:
    """A name or address in stored form (NFC, single spaces); None when empty or wrong (and the error noted)."""
    unsafe = unsafe_characters(value)
    if unsafe:
        errors.append(LineError(line, f"the {column} holds control or invisible characters "
                                      f"({describe_characters(unsafe[:5])})"))
        return None
    text = normalise_name(value)
    if not text:
        if required:
            errors.append(LineError(line, f"the {column} is empty"))
        return None
    if len(text) > limit:
        errors.append(LineError(line, f"the {column} is longer than {limit} characters"))
        return None
    return text


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def load_facilities(uow: UnitOfWork, listed: Sequence[FacilityLine], *, now: datetime,
                    progress: Progress | None = None) -> Loaded:
    """Make `listed` the list of facilities, in one transaction, and publish each change to the devices.

    New codes are added, changed ones updated, codes absent from `listed` withdrawn (kept); a
    facility that did not change gets no new change, so loading the same file again publishes nothing.
    """
    with uow:
        stored = uow.facilities.all()
        changed: list[tuple[str, str, str | None, str | None, datetime | None]] = []
        added = updated = 0
        codes = set()
        for facility in listed:
            codes.add(facility.code)
            held = stored.get(facility.code)
            state = (facility.code, facility.name, facility.province_code, facility.address, None)
            if held is None:
                added += 1
            elif (held.name, held.province_code, held.address, held.withdrawn_at) != state[1:]:
                updated += 1
            else:
                continue
            changed.append(state)
        withdrawn = [held for code, held in stored.items() if code not in codes and held.withdrawn_at is None]
        changed += [(held.code, held.name, held.province_code, held.address, now) for held in withdrawn]
        total = len(changed)
        if progress is not None:
            progress(0, total)
        for start in range(0, total, WRITE_CHUNK):
            chunk = changed[start : start + WRITE_CHUNK]
            change_ids = uow.feed.append_many("facility", len(chunk), now=now)
            uow.facilities.write([FacilityRow(*state, change_id)
                                  for state, change_id in zip(chunk, change_ids, strict=True)], now=now)
            if progress is not None:
                progress(start + len(chunk), total)
        uow.commit()
    return Loaded(listed=len(listed), added=added, updated=updated, withdrawn=len(withdrawn),
                  unchanged=len(listed) - added - updated)


def facility_counts(uow: UnitOfWork) -> tuple[int, int]:
    """(facilities on the list, facilities withdrawn)."""
    with uow:
        return uow.facilities.counts()
