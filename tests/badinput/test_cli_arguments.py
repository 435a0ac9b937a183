"""Hostile input through every sub-command: never a traceback, never "unexpected error", exit 0, 1 or 2.

One real store for the module (`init`, a small demo, an enrolment whose server is a closed port,
127.0.0.1:9, so that `sync` and `enrol` fail fast). Most cases run `cli.main`, the command's own
entry point, in this process, its output going to UTF-8 streams like a process's pipes (stdout
strict, stderr backslashreplace, neither a terminal); the cases whose arguments are bytes that are
not UTF-8, and the failures the issue reported, run `collector-app` as a real process.

A result is clean when: no traceback and no "unexpected error" (in either language, nor a crash log);
exit 0, 1 or 2 (3 only for `enrol` and `sync` when the server cannot be reached, as the README says);
at most one line on stderr, and some explanation whenever the exit is not 0; no ESC, right-to-left
override or other invisible character printed, in any output that is not JSON; JSON that parses.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import tally
from signing import USERNAME, open_test_store

from collector_app import cli, i18n
from collector_app.domain.text import unsafe_characters

APP = str(Path(sys.executable).with_name("collector-app"))
CLOSED_PORT = "http://127.0.0.1:9"
MEMORY_LIMIT = 2 * 1024**3
# Cases that, should a bound be lost again, would fill the memory, wait on a pipe or retry for ever:
# they run as real processes under a memory limit and a timeout, never inside the test process.
HAZARDS = (("quote", "hi", "--members"), ("demo", "--people"), ("sync", "--attempts"),
           ("recover-from-server", "--attempts"))
HAZARDOUS_PATHS = ("{fifo}", "{zero_link}", "/dev/zero", "{stick}")

# ---- the hostile values ------------------------------------------------------------------------

HUGE = "1" + "0" * 30  # 10**30
LONG = "x" * 100_000
ESC = "\x1b[31mĐỏ\x1b[0m\x1b]0;tiêu đề\x07"  # colour, then "set the window title"
RLO = "\u202eabc.pdf"  # a right-to-left override: shows as "fdp.cba"
ZWSP = "Nguyễn\u200bVăn"  # a zero-width space
NOT_UTF8 = "\udcff\udcfe"  # what Python makes of the argument bytes FF FE (surrogateescape)

NUMBERS = ["0", "-1", HUGE, "1e308", "nan", "inf", "١", "１２", ""]
DATES = ["9999-12", "0000-01-01", "9999-12-31", "2026-02-30", "٢٠٢٦-٠٨-٠١", "２０２６-０８-０１", ""]
TEXTS = ["", LONG, ESC, RLO, ZWSP, NOT_UTF8]
# Paths are placeholders, made in the module's folder by the `world` fixture.
IN_PATHS = ["{fifo}", "/dev/zero", "{zero_link}", "{folder}", "{missing}", "", "/" + "d" * 5000, "{esc_name}",
            "{tmp}/" + NOT_UTF8]
OUT_PATHS = ["{fifo}", "{zero_link}", "{folder}", "{a_file}/inside", "/proc/version/x", "/" + "d" * 5000, "",
             "{tmp}/" + NOT_UTF8 + ".pdf"]


def vary(name: str, base: Sequence[str], option: str, values: Sequence[str]) -> Iterator[object]:
    """`base` with `option` (replaced or added; a positional when it starts with "<") set to each value."""
    for index, value in enumerate(values):
        argv = list(base)
        if option.startswith("<"):
            argv[argv.index(option)] = value
        elif option in argv:
            argv[argv.index(option) + 1] = value
        else:
            argv += [option, value]
        yield pytest.param(argv, id=f"{name}{option}-{index}")


def corpus() -> Iterator[object]:
    yield from vary("init", ["init"], "--point-code", TEXTS)
    for option in ("--point-name", "--device-code", "--organisation", "--form-number"):
        yield from vary("init", ["init"], option, TEXTS)

    quote_vsi = ["quote", "vsi", "--income", "2000000", "--months", "12", "--date", "2026-08-01"]
    for option, values in (("--income", NUMBERS), ("--months", NUMBERS), ("--date", DATES),
                           ("--group", TEXTS), ("--period-from", DATES), ("--supported-months", NUMBERS),
                           ("--province", [*TEXTS, "١", "０１"])):
        yield from vary("quote-vsi", quote_vsi, option, values)
    quote_hi = ["quote", "hi", "--members", "3", "--months", "12", "--date", "2026-08-01"]
    for option, values in (("--members", [*NUMBERS, "100", "101", "100000000"]), ("--months", NUMBERS),
                           ("--date", DATES), ("--previous-card-end", DATES)):
        yield from vary("quote-hi", quote_hi, option, values)

    check_id = ["check-id", "<number>", "--dob", "1995-04-02"]
    yield from vary("check-id", check_id, "<number>", [*TEXTS, "٠٦٨١٩٥٠٠٠١٢٣", "０６８１９５０００１２３", HUGE])
    yield from vary("check-id", ["check-id", "068195000123"], "--dob", DATES)
    yield from vary("check-id", ["check-id", "068195000123"], "--sex", TEXTS)

    yield from vary("demo", ["demo", "--seed", "1"], "--people", NUMBERS)
    yield from vary("demo", ["demo", "--people", "2"], "--seed", NUMBERS)

    pay_vsi = ["pay", "vsi", "--citizen-id", "{citizen_id}", "--income", "2000000", "--months", "1"]
    for option, values in (("--citizen-id", [*TEXTS, "{citizen_id_full_width}", "١"]), ("--income", NUMBERS),
                           ("--months", NUMBERS), ("--group", TEXTS), ("--period-from", DATES),
                           ("--province", TEXTS), ("--amount", NUMBERS), ("--date", DATES),
                           ("--method", TEXTS), ("--user", TEXTS)):
        yield from vary("pay-vsi", pay_vsi, option, values)
    pay_hi = ["pay", "hi", "--household", "{household}", "--months", "3"]
    for option, values in (("--household", TEXTS), ("--months", NUMBERS), ("--amount", NUMBERS),
                           ("--date", DATES), ("--user", TEXTS)):
        yield from vary("pay-hi", pay_hi, option, values)

    receipt = ["receipt", "<number>", "--out", "{tmp}/receipt.pdf"]
    yield from vary("receipt", receipt, "<number>", [*TEXTS, "BD01M1-26-0000000", "BD01M1-99-9999999"])
    yield from vary("receipt", ["receipt", "{receipt}", "--out", "{tmp}/x.pdf"], "--out", OUT_PATHS)
    yield from vary("receipt", ["receipt", "--all", "--out", "{tmp}/all"], "--out", ["{zero_link}", "{a_file}", ""])
    yield from vary("receipt", ["receipt", "{receipt}", "--out", "{tmp}/r.pdf"], "--layout", TEXTS)
    yield from vary("receipt", ["receipt", "{receipt}", "--out", "{tmp}/r.pdf"], "--user", TEXTS)

    void = ["void", "<number>", "--reason", "thu nhầm"]
    yield from vary("void", void, "<number>", TEXTS)
    yield from vary("void", ["void", "{void_receipt}", "--reason", "x"], "--reason", TEXTS)
    yield from vary("void", ["void", "{void_receipt}", "--reason", "thu nhầm"], "--user", TEXTS)

    # A day long past with no receipts: a count of 500.000 đ differs, so no variation below closes it.
    close = ["day", "close", "--date", "2026-01-02", "--count", "500000=1", "--reason", "thừa tiền"]
    counts = [*TEXTS, "500000=-1", f"500000={HUGE}", "300000=1", "500=1", "500000=1e9", "500000=１", "500000=١",
              "500000=1,500000=2", "500000", "=", ",,,", "1000=100000", "500000=nan", "500000=1;1000=2"]
    for option, values in (("--count", counts), ("--date", DATES), ("--reason", TEXTS), ("--user", TEXTS)):
        yield from vary("day-close", close, option, values)
    report = ["day", "report", "--date", "2026-01-02", "--out", "{tmp}/day.pdf"]
    for option, values in (("--out", OUT_PATHS), ("--date", DATES), ("--user", TEXTS)):
        yield from vary("day-report", report, option, values)
    # Nobody here is a collaborator holding cash: no variation below records a hand-over.
    handover = ["handover", "record", "--collaborator", "ctv.lan", "--until", "2026-01-02"]
    for option, values in (("--collaborator", TEXTS), ("--until", DATES), ("--amount", NUMBERS),
                           ("--reason", TEXTS), ("--user", TEXTS)):
        yield from vary("handover-record", handover, option, values)
    yield from vary("handover-record", ["handover", "record", "--collaborator", "ctv.lan", "--receipts", "x"],
                    "--receipts", [*TEXTS, ",", "{receipt}", "{receipt},{receipt}", "BD01M1-26-0000000"])
    yield from vary("handover-list", ["handover", "list"], "--user", TEXTS)

    # Only arguments that are refused before the network: each reaching the closed port costs seconds
    # of retries (enrol has no --attempts); two valid ones below do reach it.
    enrol = ["enrol", "--server", CLOSED_PORT, "--code", "ABCD-EFGH-JKLM-NPQR", "--timeout", "1"]
    yield from vary("enrol", enrol, "--server", [*TEXTS, "ftp://x", "http://" + "h" * 3000])
    yield from vary("enrol", enrol, "--code", TEXTS[1:])
    yield from vary("enrol", enrol, "--ca", IN_PATHS)
    yield from vary("enrol", enrol, "--timeout", [v for v in NUMBERS if v != "１２"] + ["601"])
    yield pytest.param(enrol, id="enrol-closed-port")

    yield from vary("seal", ["seal"], "--user", TEXTS)
    sync = ["sync", "--attempts", "1", "--timeout", "1"]
    yield from vary("sync", sync, "--server", [*TEXTS, CLOSED_PORT])
    yield from vary("sync", sync, "--timeout", [*NUMBERS, "601"])
    yield from vary("sync", sync, "--attempts", [*NUMBERS, "11"])
    yield from vary("sync", sync, "--user", TEXTS)
    yield pytest.param(["status"], id="status")
    yield pytest.param(["status", "--json"], id="status-json")
    yield from vary("resend", ["resend", "<id>"], "<id>", TEXTS)
    yield from vary("resend", ["resend", "--all"], "--user", TEXTS)

    yield from vary("export-batches", ["export-batches", "<folder>"], "<folder>", OUT_PATHS)
    yield from vary("import-answers", ["import-answers", "<folder>"], "<folder>", [*IN_PATHS, "{stick}"])

    yield from vary("search", ["search", "<text>"], "<text>", [*TEXTS, *NUMBERS, "０９１２", "١٢٣"])
    yield from vary("search", ["search", "nguyen"], "--limit", [*NUMBERS, "1000", "1001", "10" + "0" * 19])

    files = ["{huge_cell_csv}", "{utf16_csv}", "{binary_csv}", "{hostile_csv}", "{garbage_xlsx}",
             "{big_household_csv}", "{empty_csv}"]
    yield from vary("import", ["import", "households", "<file>", "--dry-run"], "<file>", [*IN_PATHS, *files])
    yield pytest.param(["import", "households", "{hostile_csv}", "--json"], id="import-hostile-json")
    # --version answers before anything else is read; --self-test after the arguments are checked
    yield pytest.param(["--version", "no-such-command", LONG], id="version-first")
    yield pytest.param(["--self-test", "--lang", ESC], id="self-test-bad-language")
    yield pytest.param(["--self-test", "search", NOT_UTF8], id="self-test-bad-search")
    yield pytest.param(["import", "households", "{hostile_csv}"], id="import-hostile-written")

    recover = ["recover-from-server", "--attempts", "1", "--timeout", "1"]
    yield from vary("recover", recover, "--timeout", [*NUMBERS, "601"])
    yield from vary("recover", recover, "--attempts", [*NUMBERS, "11"])
    yield from vary("recover", recover, "--user", TEXTS[1:])
    yield from vary("backup", ["backup"], "--to", [p for p in OUT_PATHS if p != "{tmp}/" + NOT_UTF8 + ".pdf"])
    yield from vary("backup", ["backup"], "--user", TEXTS[1:])
    yield from vary("backups", ["backups"], "--user", TEXTS[1:])
    # Files that are no backup: each refused before the store is touched (--yes: no question asked).
    yield from vary("restore", ["restore", "<file>", "--yes"], "<file>",
                    [*IN_PATHS, "{binary_csv}", "{garbage_xlsx}", "{empty_csv}", "{hostile_csv}"])
    yield from vary("restore", ["restore", "{binary_csv}", "--yes"], "--user", TEXTS[1:])
    yield from vary("audit", ["audit", "verify"], "--user", TEXTS[1:])

    printing = ["print", "{receipt}", "--printer", "no-such-queue-badinput"]
    yield from vary("print", printing, "{receipt}", [*TEXTS, "BD01M1-26-0000000"])
    for option, values in (("--printer", TEXTS[1:]), ("--layout", TEXTS), ("--copies", [*NUMBERS, "100"]),
                           ("--user", TEXTS)):
        yield from vary("print", printing, option, values)

    for form in ("d05", "d03"):
        listing = ["lists", form, "--from", "2026-08-01", "--to", "2026-08-31", "--out", "{tmp}/list.xlsx"]
        for option, values in (("--from", DATES), ("--to", [*DATES, "2026-07-31"]), ("--user", TEXTS[1:]),
                               ("--out", [*OUT_PATHS, "{tmp}/list.docx", "{tmp}/list", "{tmp}/" + RLO])):
            yield from vary(f"lists-{form}", listing, option, values)
    yield pytest.param(["lists", "d07", "--from", "2026-08-01", "--to", "2026-08-31", "--out", "x.pdf"],
                       id="lists-unknown-form")
    tk1 = ["lists", "tk1", "--citizen-id", "{citizen_id}", "--out", "{tmp}/tk1.pdf"]
    for option, values in (("--citizen-id", [*TEXTS, HUGE, "' OR 1=1 --", "001099000001"]),
                           ("--out", [*OUT_PATHS, "{tmp}/tk1.xlsx"]), ("--user", TEXTS[1:])):
        yield from vary("lists-tk1", tk1, option, values)
    for kind in ("people", "households", "payments", "receipts"):
        exporting = ["export", kind, "--out", "{tmp}/export.csv"]
        for option, values in (("--from", DATES), ("--to", DATES), ("--user", TEXTS[1:]),
                               ("--out", [*OUT_PATHS, "{tmp}/export.pdf", "{tmp}/" + RLO])):
            yield from vary(f"export-{kind}", exporting, option, values)
    yield pytest.param(["export", "payments", "--from", "2026-08-31", "--to", "2026-08-01", "--out", "x.csv"],
                       id="export-reversed")
    commission = ["commission", "--month", "2026-08", "--out", "{tmp}/commission.pdf"]
    for option, values in (("--month", [*DATES, "2026-13", "2026-8"]), ("--collector", TEXTS),
                           ("--out", [*OUT_PATHS, "{tmp}/c.csv"]), ("--user", TEXTS[1:])):
        yield from vary("commission", commission, option, values)

    yield from vary("person", ["person", "<citizen_id>"], "<citizen_id>",
                    [*TEXTS, "٠٦٨١٩٥٠٠٠١٢٣", "０６８１９５０００１２３", HUGE, "' OR 1=1 --"])
    yield from vary("person", ["person", "{citizen_id}"], "--date", DATES)
    for option, values in (("--days", [*NUMBERS, "367"]), ("--state", TEXTS), ("--scheme", TEXTS),
                           ("--village", [*TEXTS, "' OR 1=1 --", "%", "_"]), ("--date", DATES), ("--user", TEXTS[1:])):
        yield from vary("due", ["due"], option, values)
    yield pytest.param(["due", "--json"], id="due-json")
    # Nothing published to this store's (unreachable) server: each says so in one line, and installs nothing.
    for action in ("check", "download", "install"):
        yield from vary(f"update-{action}", ["update", action], "--user", TEXTS[1:])
    yield pytest.param(["update", "check", "--json"], id="update-check-json")
    yield pytest.param(["update"], id="update-no-action")
    yield pytest.param(["update", "reinstall"], id="update-unknown-action")
    round_pdf = ["round", "pdf", "--out", "{tmp}/round.pdf"]
    for option, values in (("--out", OUT_PATHS), ("--household", [*TEXTS, "' OR 1=1 --"]),
                           ("--collaborator", [*TEXTS[1:], "' OR 1=1 --"]), ("--days", NUMBERS), ("--state", TEXTS),
                           ("--scheme", TEXTS), ("--village", TEXTS), ("--date", DATES), ("--user", TEXTS[1:])):
        yield from vary("round-pdf", round_pdf, option, values)
    rounds = [*TEXTS, "0", "99999", HUGE, "' OR 1=1 --"]
    yield from vary("round-pdf", round_pdf, "--round", rounds)
    yield from vary("round-list", ["round", "list"], "--user", TEXTS[1:])
    yield from vary("round-show", ["round", "show", "<round>"], "<round>", rounds)
    yield from vary("round-show", ["round", "show", "1"], "--user", TEXTS[1:])
    export = ["round", "export", "<round>", "--out", "{tmp}/round.json"]
    yield from vary("round-export", export, "<round>", rounds)
    yield from vary("round-export", ["round", "export", "1", "--out", "{tmp}/round.json"], "--out", OUT_PATHS)
    yield from vary("round-export", ["round", "export", "1", "--out", "{tmp}/round.json"], "--user", TEXTS[1:])
    yield from vary("round-import", ["round", "import", "<file>"], "<file>", [*IN_PATHS, "{hostile_csv}"])
    yield from vary("round-import", ["round", "import", "{hostile_csv}"], "--user", TEXTS[1:])
    visit = ["round", "visit", "<round>", "--household", "{household}", "--outcome", "refused"]
    yield from vary("round-visit", visit, "<round>", rounds)
    for option, values in (("--household", [*TEXTS, "' OR 1=1 --"]), ("--outcome", TEXTS), ("--user", TEXTS[1:])):
        yield from vary("round-visit", ["round", "visit", "1", "--household", "{household}", "--outcome", "refused"],
                        option, values)
    yield from vary("pay-hi", pay_hi, "--method", TEXTS)
    yield from vary("init", ["init", "--full-name", "Lê Văn Tám"], "--user", TEXTS)
    yield from vary("init", ["init", "--user", "le.tam"], "--full-name", TEXTS)

    # Every command that signs in, with a hostile --user (refused before any password is read).
    for argv in (["demo", "--people", "1"], ["enrol", "--server", CLOSED_PORT, "--code", "ABCD"], ["status"],
                 ["export-batches", "{tmp}/out"], ["import-answers", "{stick}"], ["search", "nguyen"],
                 ["person", "{citizen_id}"], ["import", "households", "{hostile_csv}", "--dry-run"],
                 ["user", "list"], ["user", "passwd", "collector"], ["user", "disable", "nobody"],
                 ["user", "unlock", "nobody"], ["user", "add", "ctv.x", "--role", "collaborator"]):
        yield from vary(argv[0], argv, "--user", TEXTS[1:])  # "" is the default user: the command would run

    # The users' own arguments; the password is read from an empty standard input, so nothing is added.
    user_add = ["user", "add", "ctv.moi", "--role", "collaborator", "--full-name", "Lê Thị Mới", "--password-stdin"]
    for option, values in (("<user_add>", [*TEXTS, "a" * 65, "' OR 1=1 --", "ctv moi"]), ("--role", TEXTS),
                           ("--full-name", TEXTS)):
        if option == "<user_add>":
            for index, value in enumerate(values):
                yield pytest.param([*user_add[:2], value, *user_add[3:]], id=f"user-add-name-{index}")
        else:
            yield from vary("user-add", user_add, option, values)
    yield pytest.param(user_add, id="user-add-empty-password")
    for action in ("passwd", "disable", "unlock", "recover"):
        yield from vary(f"user-{action}", ["user", action, "<username>"], "<username>", [*TEXTS, "' OR 1=1 --"])

    for argv in (["--lang", "xx", "status"], [NOT_UTF8], [ESC], ["quote"], ["pay", "vsi"], ["--lang"],
                 ["search", "--limit"], ["quote", "hi", "--members", "3", "--months", "12", "--bogus", ESC]):
        yield pytest.param(argv, id="parser-" + "-".join(a.encode("utf-8", "backslashreplace").decode()[:8]
                                                        for a in argv))


# ---- the world the commands run in ----------------------------------------------------------------


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _empty_stdin() -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = saved


def run_in_process(argv: Sequence[str], data_dir: Path, *, user: str | None = USERNAME) -> Outcome:
    """`collector-app ARGV` through `cli.main` here, its streams encoded as a process's pipes are;
    `user` is COLLECTOR_APP_USER (the test user by default; None unsets it)."""
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", newline="\n")
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", newline="\n")
    saved = {name: os.environ.get(name) for name in ("COLLECTOR_APP_DATA_DIR", "COLLECTOR_APP_USER")}
    os.environ["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    os.environ.pop("COLLECTOR_APP_USER", None)
    if user is not None:
        os.environ["COLLECTOR_APP_USER"] = user
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
    try:
        # Standard input is empty, as a script's may be: a password read from it is "", never a wait.
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                _empty_stdin():
            try:
                code = cli.main(list(argv))
            except SystemExit as exit_:  # argparse exits; so does Python at the end of the real command
                code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
            except BaseException:  # what Python would print as it died
                stderr.write(traceback.format_exc())
                code = 1
        stdout.flush()
        stderr.flush()
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Outcome(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


def _limit_memory() -> None:
    # A regression must fail the test, not the machine: 10**8 household members once took 24 GB.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_process(argv: Sequence[str | bytes], data_dir: Path) -> Outcome:
    """`collector-app ARGV` as a real process, with at most MEMORY_LIMIT of memory and 60 seconds."""
    environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
    environment["COLLECTOR_APP_DATA_DIR"] = str(data_dir)
    result = subprocess.run([APP, *argv], capture_output=True, timeout=60, env=environment, stdin=subprocess.DEVNULL,
                            preexec_fn=_limit_memory)  # noqa: PLW1509 (no threads start the child)
    return Outcome(result.returncode, result.stdout.decode("utf-8", "backslashreplace"),
                   result.stderr.decode("utf-8", "backslashreplace"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A store with demo people and receipts, enrolled with a closed port; the files the corpus names."""
    from collector_app.services.receipts import receipt_numbers
    from collector_app.store.sync_state import save_enrolment
    from collector_app.wire import encode_key

    root = tmp_path_factory.mktemp("hostile")
    data_dir = root / "data"
    for argv in (["init"], ["demo", "--people", "30", "--seed", "7"]):
        assert run_in_process(argv, data_dir).returncode == 0
    # Read through the store (Store.read), not the file: so it holds whatever the file's format.
    with open_test_store(data_dir / "collector.sqlite3") as store:
        save_enrolment(store, server_url=CLOSED_PORT, token="token", server_public_key=encode_key(bytes(32)),
                       ca_bundle=None)
        with store.read() as connection:
            household = connection.exec_driver_sql(
                "SELECT household_code FROM households WHERE household_code IS NOT NULL LIMIT 1").scalar_one()
            citizen_id = connection.exec_driver_sql(
                "SELECT citizen_id FROM people WHERE citizen_id IS NOT NULL AND date_of_birth < '2000-01-01' LIMIT 1"
            ).scalar_one()
        receipts = receipt_numbers(store)
    assert len(receipts) >= 2
    names = {"data": str(data_dir), "tmp": str(root), "household": household, "citizen_id": citizen_id,
             "citizen_id_full_width": citizen_id.translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)}),
             "receipt": receipts[0], "void_receipt": receipts[-1]}

    os.mkfifo(root / "fifo")
    (root / "zero_link").symlink_to("/dev/zero")
    (root / "folder").mkdir()
    (root / "a_file").write_text("x", encoding="utf-8")
    stick = root / "stick"
    stick.mkdir()
    os.mkfifo(stick / "pipe.answer.json")
    (stick / "zero.answer.json").symlink_to("/dev/zero")
    (stick / "deep.answer.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    names |= {"fifo": str(root / "fifo"), "zero_link": str(root / "zero_link"), "folder": str(root / "folder"),
              "a_file": str(root / "a_file"), "missing": str(root / "missing.csv"), "stick": str(stick),
              "esc_name": str(root / f"{ESC}.csv")}

    header = "household_code,full_name,date_of_birth,sex,citizen_id,phone,address,commune,province,member_order\n"
    person = "HX{n},Phạm Văn Tư,10/05/1990,Nam,0010900{n:05d},0912345678,{address},Phường Ba Đình,Hà Nội,{order}\n"
    files = {
        "huge_cell_csv": header + person.format(n=1, address='"' + "a" * 140_000 + '"', order=1),
        "hostile_csv": header + person.format(n=2, address=f'"{ESC} số 1{RLO}\u200b\nphố"', order="١")
        + person.format(n=3, address=f'"Số {ZWSP} {ESC}"', order="１"),
        "big_household_csv": header + "".join(person.format(n=9, address="Chùa", order=i).replace(
            "0010900", f"0010{i:03d}") for i in range(1, 102)),
        "empty_csv": "",
    }
    for name, text in files.items():
        path = root / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        names[name] = str(path)
    (root / "utf16.csv").write_text(header + person.format(n=4, address="Số 1", order=1), encoding="utf-16")
    (root / "binary.csv").write_bytes(bytes(range(256)) * 64)
    (root / "garbage.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(4096))
    names |= {"utf16_csv": str(root / "utf16.csv"), "binary_csv": str(root / "binary.csv"),
              "garbage_xlsx": str(root / "garbage.xlsx")}
    return names


def resolve(argv: Sequence[str], world: dict[str, str]) -> list[str]:
    resolved = []
    for arg in argv:
        for name, value in world.items():
            arg = arg.replace("{" + name + "}", value)
        resolved.append(arg)
    return resolved


def command_of(argv: Sequence[str]) -> str:
    words = [a for a in argv if not a.startswith("-")]
    return words[0] if words else ""


def crash_log_size(data_dir: Path) -> int:
    log = data_dir / "logs" / "cli-errors.log"
    return log.stat().st_size if log.exists() else 0


def assert_clean(result: Outcome, argv: Sequence[str], data_dir: Path, crash_log_before: int) -> None:
    shown = (result.stdout + result.stderr)[:2000]
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert "unexpected error" not in result.stderr and "lỗi ngoài dự kiến" not in result.stderr, shown
    assert crash_log_size(data_dir) == crash_log_before, "the last line of defence was reached"
    network = command_of(argv) in {"enrol", "sync", "recover-from-server"}
    assert result.returncode in ({0, 1, 2, 3} if network else {0, 1, 2}), shown
    if result.returncode == 3:  # README: 3 when the server could not be reached (the work stays queued)
        assert "Không kết nối được với máy chủ" in result.stderr, shown
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) <= 1, shown
    if result.returncode != 0:
        assert (result.stdout + result.stderr).strip(), "a failure must say why"
    assert "\x1b" not in result.stdout + result.stderr, shown
    assert len(result.stderr) < 2000, "one clear line, not a wall of text"
    if "--json" in argv and result.stdout.strip():
        json.loads(result.stdout)
    else:
        assert set(unsafe_characters(result.stdout + result.stderr)) <= {"\n"}, shown


# ---- the corpus ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", list(corpus()))
def test_hostile_arguments_get_one_clear_line_and_never_an_unexpected_error(argv: list[str], world):
    resolved = resolve(argv, world)
    before = crash_log_size(Path(world["data"]))
    hazard = (any(all(word in argv for word in words) for words in HAZARDS)
              or any(path in argv for path in HAZARDOUS_PATHS))

    result = (run_process if hazard else run_in_process)(resolved, Path(world["data"]))

    assert_clean(result, resolved, Path(world["data"]), before)
    tally.bad_input("cli:argument")


def test_the_corpus_tries_every_sub_command_and_every_option_that_takes_a_value():
    import argparse

    def options(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from options(sub, (*words, name))
            elif action.option_strings and action.nargs != 0 and not isinstance(action, argparse._HelpAction):
                yield words, action.option_strings[0]
            elif not action.option_strings:
                yield words, ""

    tried = [param.values[0] for param in corpus()]
    untried = [(" ".join(words), option) for words, option in options(cli.build_parser())
               if not any(all(word in argv for word in words) and (not option or option in argv) for argv in tried)]
    assert untried == []


ISSUE_REPRODUCTIONS = [
    # each ended in a traceback, "unexpected error" or the kernel's OOM killer before issue 9
    (["quote", "hi", "--members", "100000000", "--months", "12"], 2, "100"),
    (["quote", "vsi", "--income", HUGE, "--months", "12"], 2, "18"),
    (["quote", "vsi", "--income", "2000000", "--months", "12", "--period-from", "9999-12"], 2, "31/12/2099"),
    (["quote", "hi", "--members", "3", "--months", "12", "--previous-card-end", "9999-12-31"], 2, "31/12/2099"),
    (["search", "nguyen", "--limit", "1" + "0" * 20], 2, "18"),
    (["import", "households", "{huge_cell_csv}", "--dry-run"], 1, "131072"),
    (["--lang", "en", "search", "nguyen", "--limit", "0"], 2, "between 1 and 1000"),
]


@pytest.mark.parametrize(("argv", "code", "words"), ISSUE_REPRODUCTIONS,
                         ids=[" ".join(a[:3]) for a, _c, _w in ISSUE_REPRODUCTIONS])
def test_the_failures_the_issue_reported_are_one_line_as_real_processes(argv, code, words, world):
    resolved = resolve(argv, world)
    before = crash_log_size(Path(world["data"]))

    result = run_process(resolved, Path(world["data"]))

    assert_clean(result, resolved, Path(world["data"]), before)
    assert result.returncode == code
    assert words in result.stderr
    tally.bad_input("cli:argument")


NOT_UTF8_ARGUMENTS = [
    [b"quote", b"vsi", b"--income", b"\xff", b"--months", b"1"],
    [b"search", b"\xff\xfenguy\xc3\x28"],
    [b"check-id", b"\xc3\x28"],
    [b"init", b"--point-name", b"\xe9l\xe8ve"],  # Latin-1, not UTF-8
    [b"pay", b"hi", b"--household", b"\xff", b"--months", b"3"],
    [b"void", b"\xff", b"--reason", b"x"],
    [b"void", b"BD01M1-26-0000001", b"--reason", b"\xff"],
    [b"\xff"],
    [b"--lang", b"\xff", b"status"],
    [b"--lang", b"en", b"import", b"households", b"/tmp/\xff-missing.csv"],
    [b"import-answers", b"/tmp/\xff-missing"],
]


@pytest.mark.parametrize("argv", NOT_UTF8_ARGUMENTS, ids=lambda argv: b" ".join(argv).decode("latin-1")[:30])
def test_arguments_that_are_not_utf8_are_refused_in_one_line_by_a_real_process(argv, world):
    before = crash_log_size(Path(world["data"]))

    result = run_process(argv, Path(world["data"]))

    assert_clean(result, [a.decode("utf-8", "surrogateescape") for a in argv], Path(world["data"]), before)
    assert result.returncode in (1, 2)
    tally.bad_input("cli:not-utf8")


def test_files_named_with_bytes_that_are_not_utf8_are_written_and_named_escaped(world):
    folder = os.fsencode(world["tmp"])
    receipt = world["receipt"].encode()
    before = crash_log_size(Path(world["data"]))
    written = run_process([b"receipt", receipt, b"--out", folder + b"/bi\xean-lai.pdf"], Path(world["data"]))
    exported = run_process([b"export-batches", folder + b"/usb-\xff", b"--json"], Path(world["data"]))

    assert_clean(written, ["receipt"], Path(world["data"]), before)
    assert_clean(exported, ["export-batches", "--json"], Path(world["data"]), before)
    assert written.returncode == 0 and "bi\\xean-lai.pdf" in written.stdout
    assert os.path.exists(folder + b"/bi\xean-lai.pdf")
    assert exported.returncode == 0 and json.loads(exported.stdout)["files"]


def test_no_hostile_text_reached_the_store(world):
    # Runs after the corpus (the module's order): every text value of every table is still clean.
    from store_snapshot import snapshot

    with open_test_store(Path(world["data"]) / "collector.sqlite3") as store:
        tables = snapshot(store)
    found = [(table, value[:80]) for table, rows in tables.items() for row in rows for value in row
             if isinstance(value, str) and set(unsafe_characters(value)) - {"\n"}]
    assert found == []


def test_files_this_user_may_not_read_or_write_are_one_line_each(tmp_path_factory):
    # As root every file is readable, so the commands run as "nobody" (setpriv); as anyone else, as themselves.
    import shutil
    import tempfile

    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: no permission can be refused")
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    root = Path(tempfile.mkdtemp(prefix="collector-permissions-"))  # outside pytest's root-only folder
    try:
        (root / "data").mkdir()
        secret = root / "secret.csv"
        secret.write_text("household_code\n", encoding="utf-8")
        secret.chmod(0o000)
        locked = root / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        root.chmod(0o755)
        if as_user:
            os.chown(root / "data", 65534, 65534)
        environment = {k: v for k, v in os.environ.items() if k not in {"COLLECTOR_APP_LANG"}}
        environment["COLLECTOR_APP_DATA_DIR"] = str(root / "data")

        def run(*argv: str) -> Outcome:
            done = subprocess.run([*as_user, APP, *argv], capture_output=True, text=True, timeout=120, env=environment)
            return Outcome(done.returncode, done.stdout, done.stderr)

        assert run("init").returncode == 0
        assert run("demo", "--people", "20", "--seed", "3").returncode == 0  # people, receipts, a batch to export
        results = {
            "import": run("import", "households", str(secret)),
            "ca": run("enrol", "--server", CLOSED_PORT, "--code", "ABCD", "--ca", str(secret)),
            "receipts": run("receipt", "--all", "--out", str(locked / "all")),
            "export": run("--lang", "en", "export-batches", str(locked / "usb")),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)

    for name, result in results.items():
        assert_clean(result, [name], root / "data", 0)
        assert result.returncode == 2, (name, result.stderr)
    assert "không có quyền truy cập" in results["import"].stderr and "secret.csv" in results["import"].stderr
    assert "không có quyền truy cập" in results["ca"].stderr
    assert "không có quyền truy cập" in results["receipts"].stderr
    assert "permission denied" in results["export"].stderr and "usb" in results["export"].stderr
    tally.bad_input("cli:file-permission", len(results))


def test_a_hostile_user_name_in_the_environment_is_shown_escaped_in_one_line(world):
    before = crash_log_size(Path(world["data"]))

    result = run_in_process(["seal"], Path(world["data"]), user=ESC + LONG)

    assert_clean(result, ["seal"], Path(world["data"]), before)
    assert result.returncode == 1 and "\\x1b[31m" in result.stderr


def test_search_shows_text_stored_before_these_rules_escaped_never_raw(tmp_path):
    # `search` once printed an address's ESC sequences raw: the terminal obeyed them.
    from datetime import date

    from collector_app.domain.people import NewHousehold, NewPerson, Sex
    from collector_app.store.registration import add_households

    data_dir = tmp_path / "data"
    assert run_in_process(["init"], data_dir).returncode == 0
    with open_test_store(data_dir / "collector.sqlite3") as store:  # as an older version could have stored them
        add_households(store, [NewHousehold(None, f"{ESC} Số 1 {RLO}", "00004", "01", (
            NewPerson("Lê Thị\u200b Hoa", date(1990, 1, 1), Sex.FEMALE, "001190012345"),))], actor="test")

    shown = run_in_process(["search", "le thi"], data_dir)
    as_json = run_in_process(["search", "le thi", "--json"], data_dir)

    assert_clean(shown, ["search"], data_dir, 0)
    assert "\\x1b[31mĐỏ\\x1b[0m" in shown.stdout and "\\u202eabc.pdf" in shown.stdout and "\\u200b" in shown.stdout
    assert json.loads(as_json.stdout)[0]["address"] == f"{ESC} Số 1 {RLO}"  # JSON is data: escaped by JSON itself
    assert "\x1b" not in as_json.stdout
