"""Runs the fault suite (`tests/faults/`) and the bad-input suite (`tests/badinput/`, when it exists) and
prints what they did: how many faults were injected and bad inputs tried, per kind, and what the checks
after them found lost, duplicated or half-written (0 in a sound run).

    .venv/bin/python benchmarks/faults.py [--scale N] [--postgresql]

`--scale N` passes `--reliability-scale N` (the long version: N times as many kills, full disks,
damaged files and bad inputs; CI runs scale 1). The suites count through `tests/tally.py`, which
writes its figures as JSON to the file named by RELIABILITY_REPORT at the end of the pytest session.
PostgreSQL runs are left out (`-k "not postgresql"`) unless `--postgresql`.
Exit status: pytest's when a test failed (1), 2 when the checks found anything lost, duplicated or
half-written, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("tests/faults", "tests/badinput")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="run the suites N times longer (CI: 1)")
    parser.add_argument("--postgresql", action="store_true", help="also run the PostgreSQL variants")
    args = parser.parse_args()

    suites = [suite for suite in SUITES if (ROOT / suite).is_dir()]
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "reliability.json"
        environment = {**os.environ, "RELIABILITY_REPORT": str(report_path),
                       "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   f"--reliability-scale={args.scale}", *suites]
        if not args.postgresql:
            command += ["-k", "not postgresql"]
        print("running:", " ".join(command[2:]), flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, env=environment, check=False)
        seconds = time.monotonic() - started
        if not report_path.exists():
            print("the suites wrote no report (did pytest start?)", file=sys.stderr)
            return result.returncode or 1
        report = json.loads(report_path.read_text(encoding="utf-8"))

    print()
    print(f"Reliability, scale {report['scale']}, {', '.join(suites)}: {seconds:.0f} s")
    print(f"faults injected: {report['faults_total']}")
    for kind, count in report["faults"].items():
        print(f"  {kind:<28} {count:>6}")
    print(f"bad inputs tried: {report['bad_inputs_total']}")
    for kind, count in report["bad_inputs"].items():
        print(f"  {kind:<28} {count:>6}")
    found = report["found"]
    wrong = found["lost"] + found["duplicated"] + found["half_written"]
    print(f"lost {found['lost']}, duplicated {found['duplicated']}, half-written {found['half_written']}: "
          + ("nothing lost, duplicated or half-written" if not wrong else "FOUND SOMETHING WRONG"))
    if result.returncode != 0:
        print(f"pytest failed (exit {result.returncode}): the counts above are of the tests that ran",
              file=sys.stderr)
        return result.returncode
    return 2 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
