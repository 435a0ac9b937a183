"""`provincial-server set-target`, `import-targets` and `progress`: what they store and print, and one-line refusals."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

from server_helpers import SERVER_EXE, Device, Server, Supervisor, new_point, vsi_payment

from collector_app.domain.policy import PolicyTable


def run(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SERVER_EXE), args[0], "--database-url", server.database_url, *args[1:]],
                          capture_output=True, text=True, timeout=120, check=False)


def _targets(supervisor: Supervisor, point: str) -> list[tuple[int, str, int, int | None]]:
    return [(t["year"], t["scheme"], t["participants"], t["amount"])
            for t in supervisor.get("/targets", params={"point": point}).json()["targets"]]


def test_set_target_stores_and_replaces_a_target(server: Server, supervisor: Supervisor):
    point = new_point(server)
    done = run(server, "set-target", "--year", "2026", "--point", point.lower(), "--scheme", "vsi",
               "--participants", "120", "--amount", "350000000")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"target set: {point} 2026 vsi: 120 participants, 350,000,000 VND\n"
    assert run(server, "set-target", "--year", "2026", "--point", point, "--scheme", "vsi",
               "--participants", "130").returncode == 0
    assert _targets(supervisor, point) == [(2026, "vsi", 130, None)]


def test_set_target_refuses_in_one_line(server: Server):
    point = new_point(server)
    for args, status, says in (
        (("--year", "2026", "--point", "NOPE77", "--scheme", "vsi", "--participants", "1"), 1, "no collection point NOPE77"),
        (("--year", "1999", "--point", point, "--scheme", "vsi", "--participants", "1"), 2, "from 2,000 to 2,100"),
        (("--year", "2026", "--point", point, "--scheme", "vsi", "--participants", "-5"), 2, "--participants"),
        (("--year", "2026", "--point", point, "--scheme", "vsi", "--participants", "1.5"), 2, "'1.5'"),
        (("--year", "2026", "--point", point, "--scheme", "hi", "--participants", "1"), 2, "invalid choice"),
        (("--year", "2026", "--point", point, "--scheme", "vsi", "--participants", "1", "--amount", "1e9"), 2,
         "'1e9'"),
    ):
        result = run(server, "set-target", *args)
        assert result.returncode == status, (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_import_targets_reads_the_provinces_plan(server: Server, supervisor: Supervisor, tmp_path: Path):
    one, two = new_point(server), new_point(server)
    plan = tmp_path / "plan.csv"
    # Excel's "CSV UTF-8": a byte order mark, CRLF, columns in its own order, thousands grouped.
    plan.write_bytes(("\ufeffpoint_code,year,scheme,participants,amount\r\n"
                      f"{one},2026,vsi,120,\"350.000.000\"\r\n{one},2026,family_hi,400,\r\n"
                      f"{two},2026,vsi,80,200000000\r\n\r\n").encode("utf-8"))
    done = run(server, "import-targets", str(plan), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"imported": 3, "written": 3, "unchanged": 0, "points": 2}
    assert _targets(supervisor, one) == [(2026, "family_hi", 400, None), (2026, "vsi", 120, 350_000_000)]
    assert _targets(supervisor, two) == [(2026, "vsi", 80, 200_000_000)]
    again = run(server, "import-targets", str(plan))
    assert again.stdout == "3 targets read: 0 new or changed, 3 unchanged; 0 points' devices will pull them\n"


def test_a_bad_line_imports_nothing_and_is_named(server: Server, supervisor: Supervisor, tmp_path: Path):
    point = new_point(server)
    header = "year,point_code,scheme,participants,amount\n"
    good = f"2026,{point},vsi,10,1000000\n"
    for body, says in (
        (good + f"2026,{point},family_hi,ten,\n", "line 3: participants 'ten' is not a whole number"),
        (good + f"2026,{point},health,1,\n", "line 3: scheme 'health' is not one of vsi, family_hi"),
        (good + f"1890,{point},family_hi,1,\n", "line 3: year 1890 is out of range (2000 to 2100)"),
        (good + f"2026,{point},family_hi,1,2.5\n", "line 3: amount '2.5' is not a whole number of đồng"),
        (good + good, "line 3: the same target as line 2"),
        (good + "2026,NOPE55,vsi,1,\n", "no collection point NOPE55"),
        ("year,point,scheme\n" + good, "line 1: the header must name the columns"),
        (good.replace("vsi", "vsi,extra"), "line 2: has 6 fields; the header names 5"),
    ):
        plan = tmp_path / "plan.csv"
        plan.write_text(body if body.startswith("year,point,") else header + body, encoding="utf-8")
        result = run(server, "import-targets", str(plan))
        assert result.returncode == 1, body
        assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr
    assert _targets(supervisor, point) == []
    latin = tmp_path / "latin.csv"
    latin.write_bytes(header.encode() + f"2026,{point},vsi,1,\n".encode() + b"2026,\xd0i\xeam,vsi,1,\n")  # Windows-1258
    result = run(server, "import-targets", str(latin))
    assert result.returncode == 1 and "line 3: is not UTF-8 text" in result.stderr


def test_progress_prints_a_table_and_the_same_figures_as_json(server: Server, device: Device,
                                                               policy_table: PolicyTable, supervisor: Supervisor):
    payment = vsi_payment(device, policy_table, paid_on=date(2026, 3, 5), months=3)
    assert device.upload(device.seal([payment])).status_code == 200
    run(server, "set-target", "--year", "2026", "--point", device.point_code, "--scheme", "vsi",
        "--participants", "4")
    as_json = run(server, "progress", "--year", "2026", "--point", device.point_code, "--json")
    assert as_json.returncode == 0, as_json.stderr
    figures = json.loads(as_json.stdout)
    api = supervisor.get("/progress", params={"year": 2026, "scope": "point", "code": device.point_code}).json()
    assert figures == api
    vsi = figures["schemes"][0]
    assert (vsi["scheme"], vsi["participants"], vsi["participants_percent"]) == ("vsi", 1, 25.0)
    assert [m["participants"] for m in vsi["months"]] == [0, 0, 1, 1, 1] + [0] * 7
    table = run(server, "progress", "--year", "2026", "--point", device.point_code).stdout.splitlines()
    assert "vsi: 1 participants of target 4 (25.0 %), 1 new" in "\n".join(table)
    assert any(line.split()[:4] == ["03", "1", "1", "0"] for line in table)
    province = run(server, "progress", "--year", "2026", "--json")
    assert json.loads(province.stdout)["scope"] == "province"


def test_import_targets_reads_an_xlsx_workbook_too(server: Server, supervisor: Supervisor, tmp_path: Path):
    from openpyxl import Workbook

    point = new_point(server)
    book = Workbook()
    sheet = book.active
    sheet.append(["year", "point_code", "scheme", "participants", "amount"])
    sheet.append([2026, point, "vsi", 120.0, 350_000_000])  # a whole number may come back as a float
    sheet.append([2026, point, "family_hi", 400, None])
    plan = tmp_path / "plan.xlsx"
    book.save(plan)
    done = run(server, "import-targets", str(plan), "--json")
    assert done.returncode == 0, done.stderr
    assert _targets(supervisor, point) == [(2026, "family_hi", 400, None), (2026, "vsi", 120, 350_000_000)]
    sheet.append([2026, point, "vsi", 2.5, None])
    book.save(plan)
    refused = run(server, "import-targets", str(plan))
    assert refused.returncode == 1 and "line 4: participants '2.5' is not a whole number" in refused.stderr
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    broken = run(server, "import-targets", str(tmp_path / "broken.xlsx"))
    assert broken.returncode == 1 and "is not an XLSX workbook" in broken.stderr
