"""What the reliability suites did, counted per kind, for the README's "Reliability" figures.

A fault test calls `fault(kind)` once per fault it injected and checked (a SIGKILL, a full disk, a
corrupted file); a bad-input test calls `bad_input(kind)` once per input it tried and saw refused.
`lost`, `duplicated` and `half_written` count what a check found wrong; they stay 0 in a green run,
since the test asserts on them too. At the end of the session the counts are printed in pytest's
summary and, when RELIABILITY_REPORT names a file, written there as JSON (benchmarks/faults.py reads it).

How many iterations a suite runs is `scale()` times its CI count: 1 in CI, more with
`pytest --reliability-scale N` (the long version).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

REPORT_VARIABLE = "RELIABILITY_REPORT"

_lock = threading.Lock()
_faults: Counter[str] = Counter()
_bad_inputs: Counter[str] = Counter()
_found = Counter({"lost": 0, "duplicated": 0, "half_written": 0})
_scale = 1


def fault(kind: str, count: int = 1) -> None:
    """`count` faults of `kind` injected and checked (e.g. "sigkill:paying", "disk-full:backup")."""
    with _lock:
        _faults[kind] += count


def bad_input(kind: str, count: int = 1) -> None:
    """`count` bad inputs of `kind` tried and refused (e.g. "cli:citizen-id", "api:batch-body")."""
    with _lock:
        _bad_inputs[kind] += count


def found(*, lost: int = 0, duplicated: int = 0, half_written: int = 0) -> None:
    """What a check found wrong after a fault; the caller also asserts these are 0."""
    with _lock:
        _found.update(lost=lost, duplicated=duplicated, half_written=half_written)


def scale() -> int:
    return _scale


def set_scale(value: int) -> None:
    global _scale
    _scale = max(1, value)


def summary() -> dict[str, Any]:
    with _lock:
        return {
            "faults": dict(sorted(_faults.items())),
            "faults_total": sum(_faults.values()),
            "bad_inputs": dict(sorted(_bad_inputs.items())),
            "bad_inputs_total": sum(_bad_inputs.values()),
            "found": dict(_found),
            "scale": _scale,
        }


def lines() -> list[str]:
    report = summary()
    if not report["faults_total"] and not report["bad_inputs_total"]:
        return []
    found_ = report["found"]
    out = [
        f"faults injected: {report['faults_total']}; bad inputs tried: {report['bad_inputs_total']} "
        f"(scale {report['scale']}); lost {found_['lost']}, duplicated {found_['duplicated']}, "
        f"half-written {found_['half_written']}",
    ]
    out += [f"  fault {kind}: {count}" for kind, count in report["faults"].items()]
    out += [f"  bad input {kind}: {count}" for kind, count in report["bad_inputs"].items()]
    return out


def write_report() -> Path | None:
    target = os.environ.get(REPORT_VARIABLE)
    if not target:
        return None
    path = Path(target)
    path.write_text(json.dumps(summary(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
