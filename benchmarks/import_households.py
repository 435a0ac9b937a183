"""Prints how fast household files import: rows per second for a dry run and a real import, CSV and XLSX.

Usage: .venv/bin/python benchmarks/import_households.py [--rows 100000] [--xlsx]
The file is demo data (valid rows, households of 1 to 7) written to a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from collector_app.admin_units import load_admin_units
from collector_app.domain.people import NewHousehold, Sex
from collector_app.demo import demo_communes, generate_households
from collector_app.store.db import open_store
from collector_app.store.importing import REQUIRED_COLUMNS, import_households

ON = date(2026, 11, 23)


def rows_of(households: list[NewHousehold]) -> list[list[str]]:
    units = load_admin_units()
    rows: list[list[str]] = []
    for number, household in enumerate(households, start=1):
        commune = units.commune(household.commune_code)
        province = units.province(household.province_code)
        assert commune is not None and province is not None
        for person in household.members:
            rows.append(
                [
                    f"HD{number:07d}",
                    person.full_name,
                    person.date_of_birth.strftime("%d/%m/%Y"),
                    "Nam" if person.sex is Sex.MALE else "Nữ",
                    person.citizen_id or "",
                    person.phone or "",
                    household.address,
                    commune.full_name,
                    province.name,
                ]
            )
    return rows


def unique_ids(households: list[NewHousehold]) -> list[NewHousehold]:
    """Drop households whose citizen IDs repeat one seen before (random serials can collide)."""
    seen: set[str] = set()
    kept = []
    for household in households:
        ids = {p.citizen_id for p in household.members if p.citizen_id}
        if ids & seen or len(ids) != len(household.members):
            continue
        seen |= ids
        kept.append(household)
    return kept


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED_COLUMNS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(REQUIRED_COLUMNS))
    for values in rows:
        sheet.append(values)
    workbook.save(path)


def measure(path: Path, folder: Path, rows: int) -> None:
    store = open_store(folder / f"{path.suffix[1:]}.sqlite3")
    try:
        for dry_run in (True, False):
            started = time.perf_counter()
            report = import_households(store, path, on=ON, dry_run=dry_run)
            seconds = time.perf_counter() - started
            assert not report.errors, report.errors[:3]
            label = "dry run" if dry_run else "import "
            print(
                f"{path.suffix} {label}: {rows:>7} rows, {report.households_written:>6} households "
                f"in {seconds:6.2f} s = {rows / seconds:>8,.0f} rows/s"
            )
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="also measure an XLSX file of the same rows")
    args = parser.parse_args()

    households = unique_ids(
        generate_households(random.Random(1), people=args.rows, on=ON, communes=demo_communes(1))
    )
    rows = rows_of(households)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        csv_path = folder / "households.csv"
        write_csv(csv_path, rows)
        measure(csv_path, folder, len(rows))
        if args.xlsx:
            xlsx_path = folder / "households.xlsx"
            write_xlsx(xlsx_path, rows)
            measure(xlsx_path, folder, len(rows))


if __name__ == "__main__":
    main()
