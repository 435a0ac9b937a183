"""A collector's start of the day with the installed app: from the program started to the sign-in dialog
on screen, and from Enter on the password to the main window on screen, on an X server (Xvfb, 1366x768),
the keys typed as a user types them (xdotool). Beside it, the same with the checkout's virtualenv: the
ratio says what the bundle (PyInstaller, one folder) costs or saves.

    python benchmarks/installed_start.py [--program collector-app] [--baseline .venv/bin/collector-app]
                                         [--people 20000] [--runs 5]

The store is made once by `--program` itself (`init`, then `demo --people N`: a commune's people with
their payments, encrypted as every store is) in a home of its own, then both programs open it in turn.
Needs Xvfb and xdotool. `.ci/installers_desktop.sh` runs it on the installed .deb.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "thu", "mat-khau-kiem-tra-2026"
SIGN_IN, MAIN = "^Sign in$", "^Voluntary SI & family HI collection$"  # the English titles (--lang en)
POLL = 0.01


def visible_window(display: str, title: str) -> str | None:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                           env={**os.environ, "DISPLAY": display}, capture_output=True, text=True)
    return found.stdout.split()[0] if found.returncode == 0 and found.stdout.split() else None


def wait_for(display: str, title: str, process: subprocess.Popen[bytes], seconds: float = 120) -> tuple[str, float]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        window = visible_window(display, title)
        if window is not None:
            return window, time.monotonic()
        if process.poll() is not None:
            raise SystemExit(f"the program stopped (exit {process.returncode}) before {title!r} was shown")
        time.sleep(POLL)
    raise SystemExit(f"{title!r} was not shown within {seconds:.0f} s")


def xdotool(display: str, *arguments: str) -> None:
    subprocess.run(["xdotool", *arguments], env={**os.environ, "DISPLAY": display}, check=True)


def one_start(program: str, display: str, environment: dict[str, str]) -> tuple[float, float]:
    """(start to the sign-in dialog, Enter to the main window), in seconds; the app then quits with Ctrl+Q."""
    errors = tempfile.TemporaryFile()
    started = time.monotonic()
    process = subprocess.Popen([program, "--lang", "en"], env={**environment, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=errors)
    try:
        dialog, shown = wait_for(display, SIGN_IN, process)
        xdotool(display, "windowfocus", "--sync", dialog)
        xdotool(display, "type", "--delay", "0", PASSWORD)
        entered = time.monotonic()
        xdotool(display, "key", "Return")
        window, opened = wait_for(display, MAIN, process)
        xdotool(display, "windowfocus", "--sync", window)
        xdotool(display, "key", "ctrl+q")
        if process.wait(timeout=60) != 0:
            raise SystemExit(f"{program} exited with {process.returncode} after Ctrl+Q")
        return shown - started, opened - entered
    except SystemExit as failure:
        errors.seek(0)
        raise SystemExit(f"{program}: {failure}\n{errors.read().decode(errors='replace')[-2000:]}") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    # -noreset: each start closes the last client, and a server resetting then may refuse the next one.
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp",
                               "-noreset"], pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    display = f":{number}"
    deadline = time.monotonic() + 10
    while number and time.monotonic() < deadline:  # it names its display before every client may connect
        if subprocess.run(["xdotool", "getdisplaygeometry"], env={**os.environ, "DISPLAY": display},
                          capture_output=True).returncode == 0:
            return server, display
        time.sleep(0.05)
    server.kill()
    raise SystemExit("Xvfb did not start")


def make_store(program: str, environment: dict[str, str], people: int) -> None:
    started = time.monotonic()
    for command in (["init", "--point-code", "KT01", "--device-code", "M1", "--point-name", "Điểm thu kiểm tra",
                     "--user", USER, "--full-name", "Nguyễn Thu", "--password-stdin"],
                    ["demo", "--people", str(people), "--user", USER, "--password-stdin"]):
        # Quiet unless it fails: init prints the store's recovery code, of no use here.
        done = subprocess.run([program, "--lang", "en", *command], input=f"{PASSWORD}\n", text=True,
                              env=environment, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"{program} {command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    print(f"store: {people:,} people with their payments, made by {program} in {time.monotonic() - started:.1f} s",
          flush=True)


def _figures(values: list[float]) -> str:
    return f"{min(values):5.2f} / {statistics.median(values):5.2f} / {max(values):5.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--program", default="collector-app", help="the app to measure (default: the one on PATH)")
    parser.add_argument("--baseline", default=str(ROOT / ".venv" / "bin" / "collector-app"),
                        help="the app to compare with (default: the checkout's virtualenv); 'none' for none")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    for needed in ("Xvfb", "xdotool"):
        if shutil.which(needed) is None:
            raise SystemExit(f"{needed} is missing (apt-get install xvfb xdotool)")
    program = shutil.which(args.program) or args.program
    programs = {"measured": program}
    if args.baseline != "none":
        programs["baseline"] = args.baseline

    home = Path(tempfile.mkdtemp(prefix="installed-start-"))
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("XDG_", "COLLECTOR_APP_", "QT_", "PYTHON"))}
    environment["HOME"] = str(home)
    server, display = start_xvfb()
    try:
        make_store(program, environment, args.people)
        one_start(program, display, environment)  # a first start: the page cache holds the files from then on
        times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in programs}
        for _ in range(args.runs):
            for name, path in programs.items():  # in turn, so that a busy moment falls on both
                dialog, window = one_start(path, display, environment)
                times[name][0].append(dialog)
                times[name][1].append(window)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(home, ignore_errors=True)

    print(f"{args.runs} starts each, min / median / max (Xvfb 1366x768, keys typed with xdotool):")
    for name, path in programs.items():
        dialog, window = times[name]
        print(f"  {name:8} {path}")
        print(f"           start to the sign-in dialog  {_figures(dialog)}")
        print(f"           Enter to the main window     {_figures(window)}")
    if "baseline" in programs:
        for label, index in (("sign-in dialog", 0), ("main window", 1)):
            ratio = statistics.median(times["measured"][index]) / statistics.median(times["baseline"][index])
            print(f"  ratio measured / baseline, {label}: {ratio:.2f}x (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
