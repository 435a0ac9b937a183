"""`collector-app audit verify`: the money chain and the money tables checked against each other."""

from __future__ import annotations

import argparse
import sys

from collector_app.cli.common import EXIT_INVALID, EXIT_OK, PROG, _error_line, _open_store, _print_json, _problem_json
from collector_app.i18n import _
from collector_app.messages import message


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    from collector_app.services.audit import verify_audit

    store = _open_store()
    try:
        verdict = verify_audit(store)
    finally:
        store.close()
    if args.json:
        _print_json({
            "sound": verdict.sound, "entries": verdict.entries, "head": verdict.head,
            "first_failing_entry": None if verdict.sound else verdict.breaks[0].chain_seq,
            "errors": [{**_problem_json(problem), "finding": found.finding.value, "entry": found.chain_seq,
                        "kind": found.kind, "record_id": found.record_id}
                       for found, problem in zip(verdict.breaks, verdict.problems, strict=True)],
        })
        return EXIT_OK if verdict.sound else EXIT_INVALID
    if verdict.sound:
        print(_("The audit log is intact: {entries} money entries, each continuing the one before, and every "
                "payment, void and reprint matches its entry.").format(entries=verdict.entries))
        return EXIT_OK
    # One line: the first entry that fails, how many more breaks follow it, and what to do.
    parts = [message(verdict.problems[0])]
    if len(verdict.problems) > 1:
        parts.append(_("{count} more problems after it (see --json).").format(count=len(verdict.problems) - 1))
    parts.append(verdict.what_to_do())
    print(_error_line(f"{PROG}: " + " ".join(parts)), file=sys.stderr)
    return EXIT_INVALID
