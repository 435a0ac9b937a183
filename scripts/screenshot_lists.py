"""The first page of a D05-TS list PDF as a PNG (docs/screenshots/d05-list.png), and of the TK1-TS and
the commission statement: sample rows through the real renderers, drawn by pdftoppm.

    .venv/bin/python scripts/screenshot_lists.py --out docs/screenshots
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from collector_app.domain.commission import (
    CollectorCommission,
    CommissionItem,
    MonthlyCommission,
    commission_statement,
)
from collector_app.domain.declaration import DeclarationFacts, DeclaredMember
from collector_app.domain.money import RoundingRule
from collector_app.domain.official_lists import ListForm, ListRow, OfficialList, list_totals, template_for
from collector_app.domain.policy import CommissionRates
from collector_app.receipts.commission import render_commission_pdf
from collector_app.receipts.declaration import render_declaration
from collector_app.receipts.official_lists import render_list_pdf
from collector_app.services.official_lists import shipped_templates

NAMES = ("Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Minh", "Phạm Thị Hương", "Hoàng Văn Thắng",
         "Vũ Thị Thu Trang", "Đặng Quốc Bảo", "Bùi Thị Lan Anh", "Đỗ Minh Khôi", "Ngô Thị Mai")
VILLAGES = ("thôn Đông", "thôn Đoài", "xóm Chùa", "thôn Trung", "xóm Mới")


def _rows(count: int) -> tuple[ListRow, ...]:
    rows = []
    for n in range(count):
        months = (1, 3, 6, 12)[n % 4]
        gross, state, local = 330_000 * months, 66_000 * months, 33_000 * months
        start = date(2026, 11, 1)
        end = date(2026 + (10 + months) // 12, (10 + months) % 12 + 1, 1) - timedelta(days=1)
        rows.append(ListRow(
            full_name=NAMES[n % len(NAMES)], citizen_id=f"0010{80 + n % 15:02d}0{n:05d}"[:12], si_code=None,
            date_of_birth=date(1965 + n % 30, 1 + n % 12, 1 + n % 27), sex="male" if n % 2 == 0 else "female",
            address=f"Số {n + 1}, {VILLAGES[n % len(VILLAGES)]}, xã Đông Hội, Hà Nội",
            paid_on=date(2026, 11, 1 + n % 28), receipt_number=f"DA07M2-26-{n + 101:07d}", period_start=start,
            period_end=end, months=months, monthly_income=1_500_000, member_rank=None, facility=None,
            gross=gross, state_support=state, local_support=local, amount=gross - state - local))
    return tuple(rows)


def _png(pdf: bytes, out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "page.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", "-f", "1", "-l", "1", str(source),
                        str(out.with_suffix(""))], check=True)
    print(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    options = parser.parse_args(argv[1:])
    options.out.mkdir(parents=True, exist_ok=True)
    rows = _rows(40)
    official = OfficialList(template=template_for(shipped_templates(), ListForm.D05, date(2026, 11, 30)),
                            organisation="Bưu điện thành phố Hà Nội", collection_point="Điểm thu xã Đông Hội (DA07)",
                            since=date(2026, 11, 1), until=date(2026, 11, 30), made_on=date(2026, 12, 1),
                            prepared_by="Nguyễn Thị Thu", rows=rows, totals=list_totals(rows))
    _png(render_list_pdf(official), options.out / "d05-list.png")
    facts = DeclarationFacts(
        "Đặng Văn Hùng", date(1980, 3, 4), "male", "001080012345", None, "0912345678",
        "Số 5, thôn Đông, xã Đông Hội, Hà Nội", "0112345678", "01001 - Trạm y tế xã Đông Hội", 1_500_000, "other",
        3, (DeclaredMember("Đặng Văn Hùng", date(1980, 3, 4), "male", "001080012345", "head", True),
            DeclaredMember("Lê Thị Hằng", date(1982, 5, 6), "female", "001182012345", "wife", False),
            DeclaredMember("Đặng Minh Khôi", date(2006, 9, 1), "male", "001206012345", "child", False)))
    _png(render_declaration(facts, made_on=date(2026, 12, 1)), options.out / "tk1-declaration.png")
    rates = CommissionRates(Fraction(14, 100), Fraction(10, 100), Fraction(7, 100), Fraction(5, 100))
    items = [CommissionItem("vsi" if row.months != 12 else "family_hi", row.paid_on, row.amount, n % 3 == 0)
             for n, row in enumerate(rows)]
    statement = commission_statement(items, rates_on=lambda day: rates, rounding=RoundingRule.HALF_UP)
    report = MonthlyCommission(date(2026, 11, 1), official.organisation, official.collection_point, statement,
                               (CollectorCommission("collector", "Nguyễn Thị Thu", statement),))
    _png(render_commission_pdf(report), options.out / "commission-statement.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
